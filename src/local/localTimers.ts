import type { InvocationContext } from '@azure/functions';
import { CronExpressionParser } from 'cron-parser';
import type { TimerFunction } from '../functions/functionTable.js';
import { resolveSchedule } from '../domain/timerSchedule.js';

/** The longest delay `setTimeout` takes (about 24.8 days); longer waits are taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The first time strictly after `after` that `schedule` (a valid NCRONTAB) fires, in UTC. */
export function nextRun(schedule: string, after: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
}

/** The timer functions of a local host, armed. */
export interface LocalTimers {
  /** The schedule each timer runs on, `%SETTING%` resolved, by function name. */
  readonly schedules: Readonly<Record<string, string>>;
  /** Stops every timer; resolves once a run in progress has finished. */
  close(): Promise<void>;
}

/**
 * Runs each timer function on its schedule (NCRONTAB with seconds, in UTC, as Azure does),
 * one run at a time per function: a run still going when the next occurrence comes delays it
 * to the first occurrence after the run, as Azure's timer trigger does. A run's error is logged.
 * Schedules are resolved at once (`%SETTING%` from `env`, or its default); a bad or missing
 * setting throws, naming it, before any timer is armed.
 */
export function startTimers(
  entries: readonly TimerFunction[],
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly log: (line: string) => void;
    readonly context: (entry: TimerFunction) => InvocationContext;
    /** The clock (tests move it with fake timers). */
    readonly now?: () => Date;
  },
): LocalTimers {
  const now = options.now ?? (() => new Date());
  const schedules = Object.fromEntries(
    entries.map((entry) => [entry.name, resolveSchedule(entry.trigger.schedule, options.env)]),
  );
  let closed = false;
  const timeouts = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  const arm = (entry: TimerFunction, schedule: string, last: Date | undefined): void => {
    if (closed) return;
    const due = nextRun(schedule, now());
    const wait = (at: Date) => {
      const delay = Math.min(Math.max(at.getTime() - now().getTime(), 0), MAX_DELAY_MS);
      timeouts.set(
        entry.name,
        setTimeout(() => {
          if (closed) return;
          if (now() < at) {
            wait(at);
            return;
          }
          const run = invoke(entry, { last, due, next: nextRun(schedule, at) }).finally(() => {
            running.delete(run);
            arm(entry, schedule, due);
          });
          running.add(run);
        }, delay),
      );
    };
    wait(due);
  };

  const invoke = async (
    entry: TimerFunction,
    times: { last: Date | undefined; due: Date; next: Date },
  ): Promise<void> => {
    const timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (times.last ?? times.due).toISOString(),
        next: times.next.toISOString(),
        lastUpdated: now().toISOString(),
      },
    };
    try {
      await entry.handler(timer, options.context(entry));
    } catch (error) {
      options.log(
        `[${entry.name}] error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  for (const entry of entries) {
    const schedule = schedules[entry.name] ?? '';
    options.log(
      `timer ${entry.name}: ${schedule} (UTC), next ${nextRun(schedule, now()).toISOString()}`,
    );
    arm(entry, schedule, undefined);
  }

  return {
    schedules,
    close: async () => {
      closed = true;
      for (const timeout of timeouts.values()) clearTimeout(timeout);
      timeouts.clear();
      await Promise.all(running);
    },
  };
}
