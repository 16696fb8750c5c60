import { locatedTags } from '../domain/outcomeLocation.js';
import type { AnswerApproval, OutcomeAnswer } from './apiAnswers.js';
import { ExitCode, type ExitCodeValue } from './cliError.js';
import { conditionLines } from '../domain/describeConditions.js';

/** Approver ids, comma-separated; a rejection shows as `id(reject)`. */
export function approverIds(approvals: readonly (AnswerApproval | string)[] | undefined): string {
  return (approvals ?? [])
    .map((a) =>
      typeof a === 'string'
        ? a
        : a.decision === 'approve'
          ? a.approverId
          : `${a.approverId}(reject)`,
    )
    .join(',');
}

/** How many approvals (not rejections) count towards the quorum. */
export function countApprovals(
  approvals: readonly (AnswerApproval | string)[] | undefined,
): number {
  return (approvals ?? []).filter((a) => typeof a === 'string' || a.decision === 'approve').length;
}

function stageOf(outcome: OutcomeAnswer): string {
  return outcome.version === undefined ? outcome.stage : `${outcome.stage} ${outcome.version}`;
}

/** Who may still approve a pending promotion: `alice, group ops`, or anyone. */
function eligible(outcome: OutcomeAnswer): string {
  const { ids = [], groups = [] } = outcome.eligible ?? {};
  const who = [...ids, ...groups.map((g) => `group ${g}`)];
  return who.length === 0 ? '' : `; may approve: ${who.join(', ')}`;
}

/** A gated promotion's conditions, one indented line each (`✓ …`, `✗ …`), after the line. */
function conditions(outcome: OutcomeAnswer): string {
  const lines = conditionLines(outcome.conditions ?? []);
  if (lines.length === 0)
    return outcome.outcome === 'pending' && outcome.reason ? `: ${outcome.reason}` : '';
  return lines.map((l) => `\n  ${l}`).join('');
}

/** The exit code `--wait` ends with, for each outcome. */
const EXIT_CODES: Readonly<Record<OutcomeAnswer['outcome'], ExitCodeValue>> = {
  promoted: ExitCode.ok,
  pending: ExitCode.pending,
  rejected: ExitCode.rejected,
  failed: ExitCode.rejected,
  'rolled-back': ExitCode.ok,
  unpinned: ExitCode.ok,
  drift: ExitCode.ok,
  deleted: ExitCode.ok,
  reconciled: ExitCode.ok,
};

/** What happened, in one line. */
function outcomeLine(outcome: OutcomeAnswer): string {
  switch (outcome.outcome) {
    case 'promoted':
      return `promoted ${outcome.repository} ${locatedTags(outcome)?.join(', ') || outcome.stage} → ${outcome.digest ?? '(digest not given)'}`;
    case 'pending':
      return `pending ${countApprovals(outcome.approvals)}/${outcome.required ?? '?'} approvals for ${stageOf(outcome)} of ${outcome.repository}${eligible(outcome)}${conditions(outcome)}`;
    case 'rejected':
    case 'failed':
      return `${outcome.outcome}: ${outcome.reason ?? 'no reason given'}${conditions(outcome)}`;
    case 'rolled-back':
      return `rolled back ${outcome.repository} ${stageOf(outcome)}: ${locatedTags(outcome)?.join(', ') ?? ''} → ${outcome.digest ?? '(digest not given)'}; pinned until \`promoter unpin ${outcome.repository} --stage ${outcome.stage} --as <you>\``;
    case 'unpinned':
      return `unpinned ${outcome.repository} ${outcome.stage}: promotions into it resume`;
    case 'drift':
    case 'deleted':
    case 'reconciled':
      return `${outcome.outcome}: ${outcome.reason ?? ''}`;
  }
}

/**
 * One line for an outcome, and the exit code `--wait` ends with:
 * `promoted myapp 1.2.3-rc1 → sha256:…` (0), `pending 1/2 approvals …` (4),
 * `rejected: <reason>` or `failed: <reason>` (3).
 */
export function formatOutcome(outcome: OutcomeAnswer): { line: string; exitCode: ExitCodeValue } {
  return { line: outcomeLine(outcome), exitCode: EXIT_CODES[outcome.outcome] };
}
