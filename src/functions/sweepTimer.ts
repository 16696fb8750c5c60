import type { InvocationContext } from '@azure/functions';
import { sweepMarkers, type SweepReport } from '../app/sweep/sweepMarkers.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { durationOfDays } from '../domain/duration.js';

/**
 * Logs a sweep report: one structured line per repository that had markers removed or could
 * not be swept, then a summary. Returns how many parts failed.
 */
export function logSweep(report: SweepReport, context: InvocationContext): number {
  let failures = 0;
  let eventMarkers = 0;
  for (const repo of report.repositories) {
    if ('error' in repo) {
      failures++;
      context.error('sweep could not sweep the repository; the next run tries again', repo);
      continue;
    }
    eventMarkers += repo.eventMarkers;
    if (repo.eventMarkers > 0) context.info('sweep removed event markers', repo);
  }
  if (report.error !== undefined) {
    failures++;
    context.error('sweep could not list the repositories', { error: report.error });
  }
  const replays = 'removed' in report.replays ? report.replays.removed : 0;
  if ('error' in report.replays) {
    failures++;
    context.error('sweep could not remove expired replay rows', { error: report.replays.error });
  }
  context.info(
    `sweep: removed ${eventMarkers} registry event markers handled before ${report.before} (kept ${report.window.label}) in ${report.repositories.length} repositories, and ${replays} expired replay rows; the history is kept`,
    {
      before: report.before,
      windowMs: report.window.ms,
      eventMarkers,
      replays,
      failures,
    },
  );
  return failures;
}

/**
 * The `sweep` timer (schedule PROMOTER_SWEEP_SCHEDULE): removes registry event markers older
 * than PROMOTER_MARKER_DAYS and the replay guard's expired rows (see
 * `sweepMarkers`). A part that failed fails the invocation (after the others are done), so it
 * shows in the monitoring; the next run tries again.
 */
export function sweepTimer(getServices: ServicesProvider) {
  return async (_timer: unknown, context: InvocationContext): Promise<void> => {
    const services = await getServices();
    const report = await sweepMarkers(services, {
      window: durationOfDays(services.config.sweep.markerDays),
    });
    const failures = logSweep(report, context);
    if (failures > 0)
      throw new Error(
        `sweep: ${failures} parts failed (see the log lines above); the next run tries them again`,
      );
  };
}
