import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { notifyWithRetries } from '../../src/local/localNotifications.js';
import type { Notifier } from '../../src/ports/notifier.js';
const event: OutcomeEvent = {
  type: 'promotion.outcome',
  id: 'outcome-m1',
  outcome: 'pending',
  repository: 'myapp',
  stage: 'release',
  messageId: 'm1',
  at: '2026-11-27T10:00:00.000Z',
};

/** A notifier that fails with `failures` in turn, then succeeds; counts its calls. */
function flaky(...failures: Error[]): Notifier & { calls: number } {
  const notifier = {
    calls: 0,
    notify: () => {
      notifier.calls += 1;
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
  };
  return notifier;
}

const outage = () => new TransientError('posting to the Slack webhook (hooks.slack.com): HTTP 503');

describe('notifyWithRetries (the local host)', () => {
  it('retries a transient failure and logs that the notification got through', async () => {
    const notifier = flaky(outage(), outage());
    const logs: string[] = [];
    await notifyWithRetries(notifier, event, { backoffMs: 1, log: (l) => logs.push(l) });
    expect(notifier.calls).toBe(3);
    expect(logs).toEqual([
      'notification of pending myapp release (message m1) failed (attempt 1 of 5), retrying in 1 ms: posting to the Slack webhook (hooks.slack.com): HTTP 503',
      expect.stringContaining('(attempt 2 of 5), retrying in 2 ms'),
      'notification of pending myapp release (message m1) posted on attempt 3',
    ]);
  });

  it('gives up after the last attempt, logs why, and resolves', async () => {
    const notifier = flaky(outage(), outage(), outage(), outage());
    const logs: string[] = [];
    await expect(
      notifyWithRetries(notifier, event, { attempts: 3, backoffMs: 1, log: (l) => logs.push(l) }),
    ).resolves.toBeUndefined();
    expect(notifier.calls).toBe(3);
    expect(logs.at(-1)).toBe(
      'notification of pending myapp release (message m1) failed; gave up after 3 attempts: posting to the Slack webhook (hooks.slack.com): HTTP 503',
    );
  });

  it('does not retry a failure no retry can fix (a 4xx), and still resolves', async () => {
    const notifier = flaky(
      new Error('posting to the Teams webhook (x.logic.azure.com): HTTP 400: bad card'),
    );
    const logs: string[] = [];
    await notifyWithRetries(notifier, event, { backoffMs: 1, log: (l) => logs.push(l) });
    expect(notifier.calls).toBe(1);
    expect(logs).toEqual([expect.stringMatching(/failed, not retried: .*HTTP 400: bad card$/)]);
  });

  it('resolves when the notifier throws synchronously and the log itself throws', async () => {
    const notifier: Notifier = {
      notify: () => {
        throw new TransientError('boom');
      },
    };
    const log = () => {
      throw new Error('log is broken');
    };
    await expect(
      notifyWithRetries(notifier, event, { attempts: 2, backoffMs: 1, log }),
    ).resolves.toBeUndefined();
  });

  it('posts once without logging when the first attempt succeeds', async () => {
    const notifier = flaky();
    const logs: string[] = [];
    await notifyWithRetries(notifier, event, { log: (l) => logs.push(l) });
    expect(notifier.calls).toBe(1);
    expect(logs).toEqual([]);
  });
});
