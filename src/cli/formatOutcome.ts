import type { AnswerApproval, OutcomeAnswer } from './apiAnswers.js';
import { ExitCode, type ExitCodeValue } from './cliError.js';

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

/**
 * One line for an outcome, and the exit code `--wait` ends with:
 * `promoted myapp 1.2.3-rc1 → sha256:…` (0), `pending 1/2 approvals …` (4),
 * `rejected: <reason>` or `failed: <reason>` (3).
 */
export function formatOutcome(outcome: OutcomeAnswer): { line: string; exitCode: ExitCodeValue } {
  switch (outcome.outcome) {
    case 'promoted': {
      const tags = outcome.tags?.join(', ') || outcome.stage;
      return {
        line: `promoted ${outcome.repository} ${tags} → ${outcome.digest ?? '(digest not given)'}`,
        exitCode: ExitCode.ok,
      };
    }
    case 'pending':
      return {
        line: `pending ${countApprovals(outcome.approvals)}/${outcome.required ?? '?'} approvals for ${stageOf(outcome)} of ${outcome.repository}${eligible(outcome)}`,
        exitCode: ExitCode.pending,
      };
    case 'rejected':
    case 'failed':
      return {
        line: `${outcome.outcome}: ${outcome.reason ?? 'no reason given'}`,
        exitCode: ExitCode.rejected,
      };
    case 'rolled-back':
      return {
        line: `rolled back ${outcome.repository} ${stageOf(outcome)}: ${outcome.tags?.join(', ') ?? ''} → ${outcome.digest ?? '(digest not given)'}; pinned until \`promoter unpin ${outcome.repository} --stage ${outcome.stage} --as <you>\``,
        exitCode: ExitCode.ok,
      };
    case 'unpinned':
      return {
        line: `unpinned ${outcome.repository} ${outcome.stage}: promotions into it resume`,
        exitCode: ExitCode.ok,
      };
    case 'drift':
    case 'deleted':
      return {
        line: `${outcome.outcome}: ${outcome.reason ?? ''}`,
        exitCode: ExitCode.ok,
      };
  }
}
