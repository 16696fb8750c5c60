import type { InvocationContext } from '@azure/functions';
import { applyRetention, type RetentionReport } from '../app/retention/applyRetention.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { durationOfDays } from '../domain/duration.js';

/**
 * Logs a retention report, one structured line per deleted (or, on a dry run, doomed) build,
 * per failure and per unreadable repository, then a summary. Returns how many builds or
 * repositories failed.
 */
export function logRetention(report: RetentionReport, context: InvocationContext): number {
  let failures = 0;
  let deleted = 0;
  let kept = 0;
  for (const repo of report.repositories) {
    const { repository } = repo;
    deleted += repo.deleted.length;
    kept += repo.kept.length;
    for (const build of repo.deleted)
      context.info(report.dryRun ? 'retention would delete' : 'retention deleted', {
        repository,
        digest: build.digest,
        gitShas: build.gitShas,
        reason: build.reason,
      });
    for (const build of repo.failed)
      context.error('retention could not delete; the next run tries again', {
        repository,
        digest: build.digest,
        error: build.error,
      });
    if (repo.error !== undefined)
      context.error('retention could not read the repository', { repository, error: repo.error });
    failures += repo.failed.length + (repo.error === undefined ? 0 : 1);
  }
  context.info(
    `retention${report.dryRun ? ' (dry run)' : ''}: ${report.dryRun ? 'would delete' : 'deleted'} ${deleted}, kept ${kept}, failed ${failures} in ${report.repositories.length} repositories (older than ${report.age.label})`,
    { olderThan: report.age.label, olderThanMs: report.age.ms, deleted, kept, failures },
  );
  return failures;
}

/**
 * The `retention` timer (schedule PROMOTER_RETENTION_SCHEDULE): deletes the builds older than
 * PROMOTER_RETENTION_DAYS (always the setting: an operator's `olderThan` is for one run of
 * `POST /api/retention` only) that never went past the first stage, in every repository. With
 * the setting unset, retention is off: it logs so and deletes nothing. A build that could not be
 * deleted or recorded fails the invocation (after the others are done), so it shows in the
 * monitoring; the next run tries it again.
 */
export function retentionTimer(getServices: ServicesProvider) {
  return async (_timer: unknown, context: InvocationContext): Promise<void> => {
    const services = await getServices();
    const days = services.config.retention.days;
    if (days === undefined) {
      context.info('retention is off (PROMOTER_RETENTION_DAYS is not set): nothing deleted');
      return;
    }
    const report = await applyRetention(services, { age: durationOfDays(days), dryRun: false });
    const failures = logRetention(report, context);
    if (failures > 0)
      throw new Error(
        `retention: ${failures} builds or repositories failed (see the log lines above); the next run tries them again`,
      );
  };
}
