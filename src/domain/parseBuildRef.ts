import type { ApprovalMessageInput } from './approvalMessage.js';

/** How a build is named by hand (validated later, with the whole message): git SHA, digest or tag. */
export type BuildRef = ApprovalMessageInput['build'];

const digestLike = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/;
const gitShaLike = /^[0-9a-f]{7,40}$/;

/**
 * Reads a build argument, as the chat commands and the CLI take it: `algorithm:hex` is a
 * digest, 7–40 lowercase hex characters a git SHA, anything else a tag; `git:<sha>` and
 * `tag:<tag>` say which explicitly.
 */
export function parseBuildRef(ref: string): BuildRef {
  if (ref.startsWith('tag:')) return { tag: ref.slice('tag:'.length) };
  if (ref.startsWith('git:')) return { gitSha: ref.slice('git:'.length) };
  if (digestLike.test(ref)) return { digest: ref };
  if (gitShaLike.test(ref)) return { gitSha: ref };
  return { tag: ref };
}
