import { formatTable, formatTime, shortDigest, shortShas } from './formatTable.js';
import type { RetentionAnswer } from './retentionAnswer.js';

type RepositoryAnswer = RetentionAnswer['repositories'][number];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Survivors kept for one plain reason (only new, or deleted already): counted in one line each
 * unless `all`, so that a repository of thousands of builds shows what matters.
 */
function isRoutine(reasons: readonly string[]): boolean {
  const [only] = reasons;
  return reasons.length === 1 && only !== undefined && /^(newer than |already deleted)/.test(only);
}

function formatRepository(repo: RepositoryAnswer, dryRun: boolean, all: boolean): string {
  if (repo.error !== undefined) return `${repo.repository}: could not be read: ${repo.error}`;
  const listed = repo.kept.filter((b) => all || !isRoutine(b.reasons));
  const counted = new Map<string, number>();
  for (const b of repo.kept)
    if (!listed.includes(b))
      counted.set(b.reasons[0] ?? '', (counted.get(b.reasons[0] ?? '') ?? 0) + 1);
  const row = (
    action: string,
    b: RepositoryAnswer['kept'][number] | RepositoryAnswer['deleted'][number],
    why: string,
  ) => [action, shortDigest(b.digest), shortShas(b.gitShas), formatTime(b.recordedAt), why];
  const rows = [
    ...repo.deleted.map((b) => row(dryRun ? 'would delete' : 'deleted', b, b.reason)),
    ...repo.failed.map((b) => row('FAILED', b, b.error)),
    ...listed.map((b) => row('kept', b, b.reasons.join('; '))),
  ];
  const lines = [repo.repository];
  if (rows.length > 0)
    lines.push(formatTable(['ACTION', 'DIGEST', 'GIT SHA', 'RECORDED', 'WHY'], rows));
  for (const [reason, n] of counted)
    lines.push(`${rows.length > 0 ? 'and ' : ''}${plural(n, 'build')} kept: ${reason}`);
  if (rows.length === 0 && counted.size === 0) lines.push('no builds recorded');
  return lines.join('\n');
}

/**
 * `promoter retention`: per repository, a table of what goes (a dry run: would go) and why, of
 * what could not be deleted, and of each survivor with every reason it stays; survivors kept
 * only for being new (or deleted already) are counted unless `all`. Then a summary line.
 */
export function formatRetention(report: RetentionAnswer, options: { all: boolean }): string {
  const cutoff = new Date(Date.parse(report.at) - report.age.ms).toISOString();
  const header = `retention: builds recorded before ${formatTime(cutoff)} (older than ${report.age.label}) go unless a stage uses them`;
  if (report.repositories.length === 0) return `${header}\n\nno repositories recorded`;
  const sections = report.repositories.map((r) => formatRepository(r, report.dryRun, options.all));
  const deleted = report.repositories.reduce((n, r) => n + r.deleted.length, 0);
  const failed = report.repositories.reduce((n, r) => n + r.failed.length, 0);
  const unread = report.repositories.filter((r) => r.error !== undefined).length;
  const where = plural(report.repositories.length, 'repository', 'repositories');
  const summary = report.dryRun
    ? `dry run: ${plural(deleted, 'build')} would be deleted in ${where}; nothing was deleted${deleted > 0 ? ' (run it without --dry-run to delete them)' : ''}`
    : `deleted ${plural(deleted, 'build')} in ${where}, each recorded in the ledger and its history`;
  const problems = [
    ...(failed > 0
      ? [`${plural(failed, 'build')} could not be deleted (FAILED above); the next run tries again`]
      : []),
    ...(unread > 0
      ? [
          `${plural(unread, 'repository', 'repositories')} could not be read; the next run tries again`,
        ]
      : []),
  ];
  return [header, ...sections, [summary, ...problems].join('\n')].join('\n\n');
}
