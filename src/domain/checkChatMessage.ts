import type { ApprovalMessageInput } from './approvalMessage.js';
import { ValidationError } from './errors.js';

/** Who sent a chat command, and how its message is identified. */
export interface ChatOrigin {
  /** The new message id (a UUID). */
  readonly id: string;
  readonly approver: ApprovalMessageInput['approver'];
  /** `slack` or `teams`. */
  readonly source: string;
  /** Where the outcome is posted back to the user (Slack's `response_url`), if anywhere. */
  readonly replyTo?: string | undefined;
}

/** A chat command's queue message, validated, or what is wrong with it. */
export type CheckedChatMessage<M> =
  | { readonly kind: 'ok'; readonly message: M }
  | { readonly kind: 'invalid'; readonly problem: string };

/**
 * The message `build` makes, checked as a reply can say it: a ValidationError it throws
 * becomes `invalid` with each problem naming its field (`version: must be …; stage: …`), and
 * so does a stage that is not one of `stages` (the pipeline's), before anything is queued.
 */
export function checkChatMessage<M extends { readonly stage: string }>(
  build: () => M,
  stages: readonly string[],
): CheckedChatMessage<M> {
  let message: M;
  try {
    message = build();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: 'invalid', problem: issuesText(error) };
  }
  if (!stages.includes(message.stage))
    return {
      kind: 'invalid',
      problem: `stage: "${message.stage}" is not a stage of the pipeline; use ${stages.join(', ')}`,
    };
  return { kind: 'ok', message };
}

/** What a ValidationError found, each problem naming its field: `version: must be …; stage: …`. */
function issuesText(error: ValidationError): string {
  return error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}
