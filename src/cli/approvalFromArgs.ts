import type { ApprovalMessage, ApprovalMessageInput } from '../domain/approvalMessage.js';
import { parseBuildRef, type BuildRef } from '../domain/parseBuildRef.js';
import { operatorFields, type OperatorOptions } from './operatorOptions.js';

/** Whether the command approves or rejects. */
export type Decision = ApprovalMessage['decision'];

/** The options `promoter approve` and `promoter reject` take, as commander hands them over. */
export interface DecisionOptions extends OperatorOptions {
  readonly version?: string | undefined;
  readonly comment?: string | undefined;
  readonly requestedBy?: string | undefined;
  /** `--override <reason>`: promote past unmet checks, soak and evidence. */
  readonly override?: string | undefined;
}

/**
 * Reads the `<ref>` argument as the chat commands do: `algorithm:hex` is a digest, 7–40
 * lowercase hex characters a git SHA, anything else a tag; `git:<sha>` and `tag:<tag>` say
 * which explicitly. Not validated here: `parseApprovalMessage` names what is wrong.
 */
export const buildRefFromArg: (ref: string) => BuildRef = parseBuildRef;

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
    ...operatorFields(repository, options, newId),
    build: buildRefFromArg(ref),
    ...(options.version === undefined ? {} : { version: options.version }),
    decision,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    ...(options.requestedBy === undefined ? {} : { requestedBy: { id: options.requestedBy } }),
    ...(options.override === undefined ? {} : { override: { reason: options.override } }),
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
