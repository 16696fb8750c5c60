import { conditionLines } from '../domain/describeConditions.js';
import type { StatusAnswer } from './apiAnswers.js';
import { approverIds, countApprovals } from './formatOutcome.js';
import { formatTable, formatTime, shortDigest, shortShas } from './formatTable.js';

/**
 * `promoter status`: what each stage holds (stage, tags, version, short digest, git SHA,
 * promoted at; a stage a rollback pinned is marked, with who pinned it and why), then the
 * promotions waiting for approvals, and under the table each gated one's conditions (✓/✗,
 * who reported, link).
 */
export function formatStatus(status: StatusAnswer): string {
  const out: string[] = [];
  if (status.stages.length === 0) {
    out.push(`no stage of ${status.repository} holds a build yet`);
  } else {
    out.push(
      formatTable(
        ['STAGE', 'TAGS', 'VERSION', 'DIGEST', 'GIT SHA', 'PROMOTED AT'],
        status.stages.map((s) => [
          s.pinned === undefined ? s.stage : `${s.stage} (pinned)`,
          s.tags.map((tag) => (s.location === undefined ? tag : `${s.location}:${tag}`)).join(','),
          s.version ?? '',
          s.digest === null ? '(nothing yet)' : shortDigest(s.digest),
          shortShas(s.gitShas),
          formatTime(s.promotedAt),
        ]),
      ),
    );
    for (const s of status.stages)
      if (s.pinned !== undefined)
        out.push(
          `${s.stage} is pinned by ${s.pinned.by} since ${formatTime(s.pinned.at)} (rollback: ${s.pinned.reason}); promotions into it are refused until \`promoter unpin ${status.repository} --stage ${s.stage} --as <you>\``,
        );
  }
  out.push('');
  if (status.pending.length === 0) {
    out.push('no pending promotions');
  } else {
    out.push('pending promotions:');
    out.push(
      formatTable(
        ['STAGE', 'VERSION', 'DIGEST', 'APPROVALS', 'APPROVED BY'],
        status.pending.map((p) => [
          p.stage,
          p.version ?? '',
          shortDigest(p.digest),
          `${countApprovals(p.approvals)}/${p.required ?? '?'}`,
          approverIds(p.approvals),
        ]),
      ),
    );
    for (const p of status.pending) {
      const lines = conditionLines(p.conditions ?? []);
      if (lines.length === 0) continue;
      out.push(
        `${p.stage}${p.version === undefined ? '' : ` ${p.version}`} of ${shortDigest(p.digest)}: conditions`,
      );
      for (const line of lines) out.push(`  ${line}`);
    }
  }
  return out.join('\n');
}
