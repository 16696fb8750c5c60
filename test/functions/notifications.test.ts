import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { TransientError } from '../../src/domain/errors.js';
import { notifications } from '../../src/functions/notifications.js';
import { memoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;

const event: OutcomeEvent = {
  type: 'promotion.outcome',
  id: 'outcome-m1',
  outcome: 'promoted',
  repository: 'myapp',
  stage: 'rc',
  version: '1.2.3',
  digest: `sha256:${'a'.repeat(64)}`,
  gitShas: ['a1b2c3d'],
  tags: ['1.2.3-rc1'],
  messageId: 'm1',
  at: '2026-11-27T10:00:00.000Z',
};

/** Delivers a topic message the way the Functions host does; returns the logged lines. */
async function deliver(
  provider: ReturnType<typeof memoryServices>['provider'],
  body: unknown,
  retryDelays: number[] = [],
) {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'notifications',
    triggerMetadata: { deliveryCount: 2, messageId: 'outcome-m1' },
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  const handler = notifications(provider, {
    retryDelayMs: (deliveryCount) => {
      retryDelays.push(deliveryCount);
      return 0;
    },
  });
  const settled = await handler(body, context).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { settled, logs };
}

describe('the notifications topic function', () => {
  it('posts the outcome and logs its repository, stage, outcome and message id', async () => {
    const m = memoryServices();
    const { settled, logs } = await deliver(m.provider, event);
    expect(settled.ok).toBe(true);
    expect(m.notified).toEqual([event]);
    expect(logs).toEqual([
      expect.stringMatching(
        /^information notification of promoted posted .*"repository":"myapp","stage":"rc","outcome":"promoted","messageId":"m1"/,
      ),
    ]);
  });

  it('reads an event delivered as JSON text', async () => {
    const m = memoryServices();
    await deliver(m.provider, JSON.stringify(event));
    expect(m.notified).toEqual([event]);
  });

  it('completes a body that is not an outcome event without notifying, logging what is wrong', async () => {
    const m = memoryServices();
    const { settled, logs } = await deliver(m.provider, {
      ...event,
      outcome: 'maybe',
      repository: 7,
    });
    expect(settled.ok).toBe(true);
    expect(m.notified).toEqual([]);
    expect(logs.join('\n')).toMatch(
      /^error not an outcome event; completed without a notification/,
    );
    expect(logs.join('\n')).toContain('"path":"outcome"');
    expect(logs.join('\n')).toContain('"path":"repository"');
  });

  it('completes a body that is not JSON at all', async () => {
    const m = memoryServices();
    const { settled } = await deliver(m.provider, 'not json');
    expect(settled.ok).toBe(true);
    expect(m.notified).toEqual([]);
  });

  it('rethrows a failed post after a pause, so Service Bus redelivers the event', async () => {
    const m = memoryServices();
    const failure = new TransientError('posting to the Slack webhook (hooks.slack.com): HTTP 503');
    const services = { ...m.services, notifier: { notify: () => Promise.reject(failure) } };
    const delays: number[] = [];
    const { settled, logs } = await deliver(() => Promise.resolve(services), event, delays);
    expect(settled).toEqual({ ok: false, error: failure });
    expect(delays).toEqual([2]);
    expect(logs.join('\n')).toMatch(
      /^error notification failed; Service Bus will redeliver the event .*"outcome":"promoted".*"reason":"posting to the Slack webhook \(hooks.slack.com\): HTTP 503"/,
    );
  });
});
