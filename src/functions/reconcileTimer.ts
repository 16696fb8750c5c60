import type { InvocationContext } from '@azure/functions';
import { reconcileRegistry, type ReconcileReport } from '../app/reconcile/reconcileRegistry.js';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { compileRepositoryPatterns } from '../domain/repositoryPatterns.js';

/** Runs the reconciler with the app's settings: its patterns, or the one repository named. */
export function runReconcile(
  services: Services,
  options: { readonly dryRun: boolean; readonly repository?: string | undefined },
): Promise<ReconcileReport> {
  return reconcileRegistry(
    { ...services, defaultRegistry: services.config.registry },
    {
      dryRun: options.dryRun,
      patterns: compileRepositoryPatterns(services.config.reconcile.repositories),
      repository: options.repository,
    },
  );
}

/**
 * Logs a reconcile report: one structured line per action (a dry run: per action it would
 * take), per failure and per repository that could not be compared, then a summary with the
 * run's cost. Returns how many actions or repositories failed.
 */
export function logReconcile(report: ReconcileReport, context: InvocationContext): number {
  let failures = 0;
  let actions = 0;
  for (const repo of report.repositories) {
    const { repository } = repo;
    const at = repo.location === undefined ? {} : { location: repo.location };
    actions += repo.actions.length;
    for (const action of repo.actions)
      context.info(report.dryRun ? 'reconcile would' : 'reconciled', {
        repository,
        ...at,
        ...action,
      });
    for (const failed of repo.failed)
      context.error('reconcile failed; the next run tries again', { repository, ...at, ...failed });
    if (repo.error !== undefined)
      context.error('reconcile could not compare the repository', {
        repository,
        ...at,
        error: repo.error,
      });
    failures += repo.failed.length + (repo.error === undefined ? 0 : 1);
  }
  if (report.catalogError !== undefined)
    context.warn(
      'reconcile could not read the registry catalog; compared the ledger’s repositories',
      {
        error: report.catalogError,
      },
    );
  const { registryRequests, ledgerRequests, ms } = report.cost;
  context.info(
    `reconcile${report.dryRun ? ' (dry run)' : ''}: ${actions} ${report.dryRun ? 'actions to take' : 'actions'}, ${failures} failures in ${report.repositories.length} repositories; ${registryRequests} registry and ${ledgerRequests} ledger requests in ${ms} ms`,
    { actions, failures, repositories: report.repositories.length, ...report.cost },
  );
  return failures;
}

/**
 * The `reconcile` timer (schedule PROMOTER_RECONCILE_SCHEDULE, every 5 minutes by default):
 * compares the registry with the ledger in every repository in scope
 * (PROMOTER_RECONCILE_REPOSITORIES) and heals what no registry event reported (see
 * `reconcileRegistry`). With PROMOTER_RECONCILE_ENABLED=false it logs so and does nothing. A
 * failure fails the invocation (after the other repositories are done), so it shows in the
 * monitoring; the next run tries again.
 */
export function reconcileTimer(getServices: ServicesProvider) {
  return async (_timer: unknown, context: InvocationContext): Promise<void> => {
    const services = await getServices();
    if (!services.config.reconcile.enabled) {
      context.info('reconcile is off (PROMOTER_RECONCILE_ENABLED=false): nothing compared');
      return;
    }
    const failures = logReconcile(await runReconcile(services, { dryRun: false }), context);
    if (failures > 0)
      throw new Error(
        `reconcile: ${failures} actions or repositories failed (see the log lines above); the next run tries them again`,
      );
  };
}
