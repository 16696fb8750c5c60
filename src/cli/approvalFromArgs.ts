import type { ApprovalMessage, ApprovalMessageInput } from '../domain/approvalMessage.js';

/** How a build is named in an approval message: by git SHA, digest or tag. */
export type BuildRef = ApprovalMessageInput['build'];

/** Whether the command approves or rejects. */
export type Decision = ApprovalMessage['decision'];

/** The options `promoter approve` and `promoter reject` take, as commander hands them over. */
export interface DecisionOptions {
  readonly stage: string;
  readonly version?: string | undefined;
  readonly as: string;
  readonly name?: string | undefined;
  readonly group: readonly string[];
  readonly comment?: string | undefined;
  readonly requestedBy?: string | undefined;
  readonly source: string;
  readonly id?: string | undefined;
}

const digestLike = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/;
const gitShaLike = /^[0-9a-f]{7,40}$/;

/**
 * Reads the `<ref>` argument: `algorithm:hex` (e.g. `sha256:…`) is a digest, 7–40 lowercase
 * hex characters a git SHA, anything else a tag (`1.2.3-rc2`, `git-a1b2c3d`, `dev-latest`).
 * `git:<sha>` and `tag:<tag>` say which explicitly, for a tag that looks like a SHA.
 * The value is not validated here: `parseApprovalMessage` names what is wrong with it.
 */
export function buildRefFromArg(ref: string): BuildRef {
  if (ref.startsWith('tag:')) return { tag: ref.slice('tag:'.length) };
  if (ref.startsWith('git:')) return { gitSha: ref.slice('git:'.length) };
  if (digestLike.test(ref)) return { digest: ref };
  if (gitShaLike.test(ref)) return { gitSha: ref };
  return { tag: ref };
}

/**
 * The approval message for `promoter approve|reject <repository> <ref> [options]`, before
 * validation. `newId` makes the message id when `--id` is not given.
 */
export function approvalFromArgs(
  decision: Decision,
  repository: string,
  ref: string,
  options: DecisionOptions,
  newId: () => string,
): ApprovalMessageInput {
  return {
    type: 'approval',
    id: options.id ?? newId(),
    repository,
    build: buildRefFromArg(ref),
    stage: options.stage,
    ...(options.version === undefined ? {} : { version: options.version }),
    decision,
    approver: {
      id: options.as,
      ...(options.name === undefined ? {} : { name: options.name }),
      groups: [...options.group],
    },
    source: options.source,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    ...(options.requestedBy === undefined ? {} : { requestedBy: { id: options.requestedBy } }),
  };
}

/** `myapp@sha256:…`, `myapp:1.2.3-rc2` or `myapp (git a1b2c3d)`. */
export function describeBuild(repository: string, build: ApprovalMessage['build']): string {
  if ('digest' in build) return `${repository}@${build.digest}`;
  if ('tag' in build) return `${repository}:${build.tag}`;
  return `${repository} (git ${build.gitSha})`;
}

/** One line saying what was sent: `queued approval <id>: rc 1.2.3 of myapp:… by alice`. */
export function describeSent(message: ApprovalMessage): string {
  const what = message.decision === 'approve' ? 'approval' : 'rejection';
  const stage =
    message.version === undefined ? message.stage : `${message.stage} ${message.version}`;
  return `queued ${what} ${message.id}: ${stage} of ${describeBuild(message.repository, message.build)} by ${message.approver.id}`;
}
