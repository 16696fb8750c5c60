import { formatTable, shortDigest } from './formatTable.js';
import type { ReconcileAnswer } from './reconcileAnswer.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What each kind of action is called in the table (a dry run: what it would be). */
const ACTIONS: Readonly<Record<string, readonly [done: string, would: string]>> = {
  'build-recorded': ['recorded', 'would record'],
  'build-deleted': ['marked deleted', 'would mark deleted'],
  drift: ['drift', 'would check drift'],
  'tag-missing': ['missing', 'missing'],
  'tag-unknown': ['unknown tag', 'unknown tag'],
  'promotion-requested': ['asked for again', 'would ask again'],
  'promotion-held': ['not promoted', 'would not promote'],
};

type RepositoryAnswer = ReconcileAnswer['repositories'][number];

/** `myapp`, or for the tags stages keep elsewhere `myapp (in prodacr.azurecr.io/myapp)`. */
const placeOf = (repo: RepositoryAnswer) =>
  repo.location === undefined ? repo.repository : `${repo.repository} (in ${repo.location})`;

function formatRepository(repo: RepositoryAnswer, dryRun: boolean): string | undefined {
  if (repo.error !== undefined) return `${placeOf(repo)}: could not be compared: ${repo.error}`;
  if (repo.actions.length === 0 && repo.failed.length === 0) return undefined;
  const rows = [
    ...repo.actions.map((a) => {
      const [done, would] = ACTIONS[a.kind] ?? [a.kind, a.kind];
      const restored = a.restored === true ? ' (restored)' : '';
      return [dryRun ? would : `${done}${restored}`, a.tag ?? '', shortDigest(a.digest), a.reason];
    }),
    ...repo.failed.map((f) => ['FAILED', '', '', `${f.action}: ${f.error}`]),
  ];
  return [placeOf(repo), formatTable(['ACTION', 'TAG', 'DIGEST', 'WHY'], rows)].join('\n');
}

/**
 * `promoter reconcile`: per repository with something to say, a table of what was done (a dry
 * run: would be) and why, and of what failed; then a summary with the run's cost.
 */
export function formatReconcile(report: ReconcileAnswer): string {
  // A repository whose stages keep tags in another registry has one entry per place.
  const repositories = new Set(report.repositories.map((r) => r.repository)).size;
  const places = report.repositories.length - repositories;
  const elsewhere = places === 0 ? '' : ` and ${plural(places, 'stage place')} elsewhere`;
  const header = `reconcile: registry compared with the ledger in ${plural(repositories, 'repository', 'repositories')}${elsewhere} (${report.scope})`;
  const sections = report.repositories
    .map((r) => formatRepository(r, report.dryRun))
    .filter((s): s is string => s !== undefined);
  const actions = report.repositories.reduce((n, r) => n + r.actions.length, 0);
  const failed = report.repositories.reduce(
    (n, r) => n + r.failed.length + (r.error === undefined ? 0 : 1),
    0,
  );
  const { registryRequests, ledgerRequests, ms } = report.cost;
  const cost = `cost: ${registryRequests} registry and ${ledgerRequests} ledger requests, ${ms} ms`;
  const summary =
    actions === 0 && failed === 0
      ? 'registry and ledger agree: nothing to do'
      : report.dryRun
        ? `dry run: ${plural(actions, 'action')} listed; nothing was changed${actions > 0 ? ' (run it without --dry-run to take them)' : ''}`
        : `${plural(actions, 'action')} taken, each recorded in the history (reason "reconciled")`;
  const problems = [
    ...(report.catalogError === undefined
      ? []
      : [
          `the registry's catalog could not be read (${report.catalogError}); the ledger's repositories were compared`,
        ]),
    ...(failed > 0
      ? [`${plural(failed, 'failure')} (FAILED above); the next run tries again`]
      : []),
  ];
  return [header, ...sections, [summary, cost, ...problems].join('\n')].join('\n\n');
}
