import type { ApprovalMessage } from '../../domain/approvalMessage.js';
import { gitShaCountOf, type Build } from '../../domain/build.js';
import type { CopyFigures, OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Stage } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import { stageLocationFields } from '../../domain/outcomeLocation.js';

/** Builds the outcome event of a message. `id` is derived from the message id: one per message. */
export function outcomeOf(
  message: Pick<ApprovalMessage, 'id' | 'repository' | 'stage' | 'version'>,
  outcome: OutcomeEvent['outcome'],
  at: Date,
  details: {
    readonly build?: Build | undefined;
    readonly promotion?: Promotion | undefined;
    readonly stage?: Stage | undefined;
    readonly reason?: string | undefined;
    readonly copy?: CopyFigures | undefined;
  } = {},
): OutcomeEvent {
  const { build, promotion, stage, reason, copy } = details;
  const version = promotion?.version ?? message.version;
  return {
    type: 'promotion.outcome',
    id: `outcome-${message.id}`,
    outcome,
    repository: message.repository,
    stage: message.stage,
    ...(version !== undefined ? { version } : {}),
    ...(build ? { digest: build.digest, gitShas: build.gitShas, ...moreGitShas(build) } : {}),
    ...(promotion && promotion.tags.length > 0 ? { tags: promotion.tags } : {}),
    ...(promotion ? { approvals: promotion.approvals } : {}),
    ...(stage ? { required: stage.approval.required } : {}),
    ...(outcome === 'pending' && stage ? { eligible: stage.approval.approvers } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...stageLocationFields(stage, message.repository),
    ...(copy ? { copy } : {}),
    messageId: message.id,
    at: at.toISOString(),
  };
}

/**
 * The outcome of a message that could not be parsed (`rejected`) or handled (`failed`), built
 * from whatever of its body is readable.
 */
export function outcomeOfUnparsed(
  body: unknown,
  outcome: 'rejected' | 'failed',
  at: Date,
  reason: string,
  messageId?: string,
): OutcomeEvent {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return outcomeOf(
    {
      id: str(fields.id) ?? messageId ?? `unknown-${at.getTime()}`,
      repository: str(fields.repository) ?? '(invalid)',
      stage: str(fields.stage) ?? '(invalid)',
      version: str(fields.version),
    },
    outcome,
    at,
    { reason },
  );
}

/**
 * The `failed` outcome of a message Service Bus is about to dead-letter: its last delivery
 * failed transiently.
 */
export function failedOutcome(
  body: unknown,
  reason: string,
  at: Date,
  messageId?: string,
): OutcomeEvent {
  return outcomeOfUnparsed(body, 'failed', at, reason, messageId);
}

/** `moreGitShas` for an event of `build`, when its list leaves some out. */
export function moreGitShas(build: Build): { readonly moreGitShas?: number } {
  const more = gitShaCountOf(build) - build.gitShas.length;
  return more > 0 ? { moreGitShas: more } : {};
}
