import { locatedTags } from '../domain/outcomeLocation.js';
import type { HistoryAnswer } from './apiAnswers.js';
import { approverIds, countApprovals } from './formatOutcome.js';
import { formatTable, formatTime, shortDigest } from './formatTable.js';

/**
 * `promoter history`: one row per outcome, newest first: time, outcome, stage, version or
 * tags, short digest, who approved (ids; for a rollback or unpin, who did it), reason.
 */
export function formatHistory(history: HistoryAnswer): string {
  if (history.outcomes.length === 0) return `no promotions recorded for ${history.repository}`;
  return formatTable(
    ['TIME', 'OUTCOME', 'STAGE', 'VERSION/TAGS', 'DIGEST', 'APPROVED BY', 'REASON'],
    history.outcomes.map((o) => [
      formatTime(o.at),
      o.outcome === 'pending' && o.required !== undefined
        ? `pending ${countApprovals(o.approvals)}/${o.required}`
        : o.outcome,
      o.stage,
      locatedTags(o)?.join(',') || (o.version ?? ''),
      o.digest === undefined ? '' : shortDigest(o.digest),
      approverIds(o.approvals) || (o.actor ?? ''),
      o.reason ?? '',
    ]),
  );
}
