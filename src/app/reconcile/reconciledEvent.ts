import { createHash } from 'node:crypto';
import type { OutcomeEvent, ReconciledFinding } from '../../domain/outcomeEvent.js';

/**
 * A deterministic id for what the reconciler found: the same finding gets the same id on every
 * run, so two runs (or a run and a late registry event) record it once. Plain id characters,
 * as the ledger's keys keep them.
 */
export function reconciledId(kind: string, ...parts: readonly string[]): string {
  const hash = createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);
  return `reconciled-${kind}-${hash}`;
}

/** The history entry of a finding: outcome `reconciled`, keyed on its id. */
export function reconciledEvent(finding: {
  readonly id: string;
  readonly reconciled: ReconciledFinding;
  readonly repository: string;
  readonly stage: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** Where the stage's tags are, for a stage in another registry or repository (`stageLocationFields`). */
  readonly registry?: string | undefined;
  readonly stageRepository?: string | undefined;
  readonly gitShas?: readonly string[] | undefined;
  readonly moreGitShas?: number | undefined;
  readonly moreTags?: number | undefined;
  readonly restored?: boolean | undefined;
  readonly reason: string;
  readonly at: Date;
  /** The message id it is kept under, when not `id` (see `getOutcome`). */
  readonly messageId?: string | undefined;
}): OutcomeEvent {
  const { id, at, gitShas, moreGitShas, moreTags, restored, messageId, ...rest } = finding;
  return {
    type: 'promotion.outcome',
    id,
    outcome: 'reconciled',
    ...rest,
    ...(gitShas === undefined ? {} : { gitShas }),
    ...(moreGitShas === undefined || moreGitShas <= 0 ? {} : { moreGitShas }),
    ...(moreTags === undefined || moreTags <= 0 ? {} : { moreTags }),
    ...(restored === undefined ? {} : { restored }),
    reason: `reconciled: ${finding.reason}`,
    messageId: messageId ?? id,
    at: at.toISOString(),
  };
}
