import type { ApprovalMessage } from './approvalMessage.js';
import { shortDigest } from './shortDigest.js';

/** `myapp@a1b2c3d` (git SHA), `myapp@sha256:4f53ab12cd34` (digest) or `myapp:1.2.3-rc1` (tag). */
export function describeChatBuild(repository: string, build: ApprovalMessage['build']): string {
  if ('digest' in build) return `${repository}@${shortDigest(build.digest)}`;
  if ('tag' in build) return `${repository}:${build.tag}`;
  return `${repository}@${build.gitSha}`;
}

/** `alice`, or `slack:U123 (bob)` when the display name says more than the id. */
export function describeChatApprover(approver: {
  readonly id: string;
  readonly name?: string | undefined;
}): string {
  const { id, name } = approver;
  return name === undefined || name === id ? id : `${id} (${name})`;
}
