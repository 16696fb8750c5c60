import functions from '@azure/functions';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { TimerFunction } from '../../src/functions/functionTable.js';
import { startLocalHost } from '../../src/local/host.js';
import { nextRun, startTimers } from '../../src/local/localTimers.js';
import { resolveSchedule, scheduleProblem } from '../../src/domain/timerSchedule.js';

const { InvocationContext } = functions;

/** A timer function that records when it ran; a run lasts `runMs` of (fake) time. */
function recordingTimer(schedule: string, runMs = 0) {
  const runs: { at: string; timer: unknown }[] = [];
  const entry: TimerFunction = {
    name: 'retentionTimer',
    trigger: { type: 'timer', schedule },
    handler: async (timer) => {
      runs.push({ at: new Date().toISOString(), timer });
      if (runMs > 0) await new Promise((resolve) => setTimeout(resolve, runMs));
    },
  };
  return { entry, runs };
}

function start(entries: TimerFunction[], env: Record<string, string> = {}) {
  const lines: string[] = [];
  const timers = startTimers(entries, {
    env,
    log: (line) => lines.push(line),
    context: (entry) => new InvocationContext({ functionName: entry.name }),
  });
  return { timers, lines };
}

describe('the local host’s timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-27T03:29:58.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('run a timer function at each occurrence of its schedule, in UTC', async () => {
    const { entry, runs } = recordingTimer('0 30 3 * * *');
    const { timers, lines } = start([entry]);
    expect(lines).toEqual([
      'timer retentionTimer: 0 30 3 * * * (UTC), next 2026-11-27T03:30:00.000Z',
    ]);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(2 * 86_400_000);
    expect(runs.map((r) => r.at)).toEqual([
      '2026-11-27T03:30:00.000Z',
      '2026-11-28T03:30:00.000Z',
      '2026-11-29T03:30:00.000Z',
    ]);
    expect(runs[1]?.timer).toMatchObject({
      isPastDue: false,
      scheduleStatus: { last: '2026-11-27T03:30:00.000Z', next: '2026-11-29T03:30:00.000Z' },
    });
    await timers.close();
  });

  it('read the schedule from the setting the entry names, or its default', async () => {
    const { entry } = recordingTimer('%PROMOTER_RETENTION_SCHEDULE%');
    const custom = start([entry], { PROMOTER_RETENTION_SCHEDULE: '0 */15 * * * *' });
    expect(custom.timers.schedules).toEqual({ retentionTimer: '0 */15 * * * *' });
    await custom.timers.close();
    const fallback = start([entry]);
    expect(fallback.timers.schedules).toEqual({ retentionTimer: '0 30 3 * * *' });
    await fallback.timers.close();
  });

  it('refuse to start on a bad schedule setting, naming it', () => {
    const { entry } = recordingTimer('%PROMOTER_RETENTION_SCHEDULE%');
    expect(() => start([entry], { PROMOTER_RETENTION_SCHEDULE: '30 3 * * *' })).toThrow(
      'PROMOTER_RETENTION_SCHEDULE must be an NCRONTAB expression with six fields',
    );
    expect(() => start([recordingTimer('%PROMOTER_UNKNOWN%').entry])).toThrow(
      'the setting PROMOTER_UNKNOWN is not set',
    );
  });

  it('never overlap two runs of one function: a long run delays the next occurrence', async () => {
    vi.setSystemTime(new Date('2026-11-27T03:29:59.500Z'));
    const { entry, runs } = recordingTimer('* * * * * *', 2_500);
    const { timers } = start([entry]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs.map((r) => r.at)).toEqual(['2026-11-27T03:30:00.000Z', '2026-11-27T03:30:03.000Z']);
    const closing = timers.close();
    await vi.advanceTimersByTimeAsync(2_500);
    await closing;
  });

  it('stop on close, after the run in progress has finished', async () => {
    vi.setSystemTime(new Date('2026-11-27T03:29:59.500Z'));
    const { entry, runs } = recordingTimer('* * * * * *', 1_500);
    const { timers } = start([entry]);
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toHaveLength(1);

    let closed = false;
    const closing = timers.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    await closing;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
  });

  it('log a run that fails and keep the schedule', async () => {
    const entry: TimerFunction = {
      name: 'retentionTimer',
      trigger: { type: 'timer', schedule: '0 30 3 * * *' },
      handler: () => Promise.reject(new Error('registry unavailable')),
    };
    const { timers, lines } = start([entry]);
    await vi.advanceTimersByTimeAsync(86_400_000 + 2_000);
    expect(lines.filter((l) => l.includes('error'))).toEqual([
      '[retentionTimer] error: registry unavailable',
      '[retentionTimer] error: registry unavailable',
    ]);
    await timers.close();
  });
});

describe('timer schedules', () => {
  it.each([
    ['0 30 3 * * *', '2026-11-27T10:00:00Z', '2026-11-28T03:30:00.000Z'],
    ['0 */5 * * * *', '2026-11-27T10:02:00Z', '2026-11-27T10:05:00.000Z'],
    ['0 0 9 * * mon-fri', '2026-11-27T10:00:00Z', '2026-11-30T09:00:00.000Z'],
  ])('%s after %s fires at %s', (schedule, after, next) => {
    expect(nextRun(schedule, new Date(after)).toISOString()).toBe(next);
  });

  it('resolves a schedule given literally as it is', () => {
    expect(resolveSchedule(' 0 0  * * * * ', {})).toBe('0 0 * * * *');
  });

  it.each(['0 30 3 * * *', '*/10 * * * * *', '0 0 9-17/2 * jan-jun mon-fri', '0 0 0 1,15 * SUN'])(
    'accepts %s',
    (schedule) => {
      expect(scheduleProblem(schedule)).toBeUndefined();
    },
  );

  it.each([
    ['30 3 * * *', 'must be an NCRONTAB expression with six fields'],
    ['0 30 3 * * * *', 'must be an NCRONTAB expression with six fields'],
    ['0 60 3 * * *', '(minute: "60" is outside 0–59)'],
    ['0 0 0 0 * *', '(day: "0" is outside 1–31)'],
    ['0 0 0 * 13 *', '(month: "13" is outside 1–12)'],
    ['0 0 0 * * fri-mon', '(day-of-week: "fri-mon" runs backwards)'],
    ['0 */0 * * * *', '(minute: "*/0" steps by 0)'],
    ['0 0 12 ? * *', '(day: "?" is not a value, range or step)'],
    ['@daily x y z w v', '(second: "@daily" is not a value, range or step)'],
  ])('refuses %s: %s', (schedule, message) => {
    expect(scheduleProblem(schedule)).toContain(message);
  });
});

describe('the local host', () => {
  it('runs the retention timer on PROMOTER_RETENTION_SCHEDULE', async () => {
    const lines: string[] = [];
    const host = await startLocalHost({
      port: 0,
      // Retention off: the timer, run every second here, only says so.
      env: {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
        PROMOTER_WEBHOOK_SECRET: inject('webhookSecret'),
        PROMOTER_RETENTION_SCHEDULE: '* * * * * *',
      },
      log: (line) => lines.push(line),
    });
    const off =
      '[retentionTimer] information: retention is off (PROMOTER_RETENTION_DAYS is not set): nothing deleted';
    try {
      expect(lines[0]).toMatch(/^timer retentionTimer: \* \* \* \* \* \* \(UTC\), next /);
      await vi.waitFor(
        () => {
          expect(lines).toContain(off);
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await host.close();
    }
  });
});
