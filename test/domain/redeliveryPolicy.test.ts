import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REDELIVERY_POLICY,
  redeliveryPauseMs,
  totalPauseMs,
} from '../../src/domain/redeliveryPolicy.js';

const pauses = (maxDeliveryCount: number) =>
  Array.from({ length: maxDeliveryCount }, (_, i) =>
    redeliveryPauseMs(DEFAULT_REDELIVERY_POLICY, {
      deliveryCount: i + 1,
      maxDeliveryCount,
      elapsedMs: 0,
    }),
  );

describe('the redelivery policy', () => {
  it('doubles from 15 s to at most 3 min, and does not pause on the last delivery', () => {
    expect(pauses(10).map((ms) => ms / 1000)).toEqual([
      15, 30, 60, 120, 180, 180, 180, 180, 180, 0,
    ]);
  });

  it('pauses 18 min 45 s in all over the promotions queue’s 10 deliveries: more than a 10-minute outage', () => {
    expect(totalPauseMs(DEFAULT_REDELIVERY_POLICY, 10)).toBe((18 * 60 + 45) * 1000);
    // Deliveries 1–7 fall in the first 10 minutes of an outage; 8, 9 and 10 come after it.
    const upTo = (n: number) =>
      pauses(10)
        .slice(0, n)
        .reduce((a, b) => a + b, 0);
    expect(upTo(6)).toBeLessThan(10 * 60_000);
    expect(upTo(7)).toBeGreaterThan(10 * 60_000);
  });

  it('cuts a pause short so that the invocation stays within its budget', () => {
    const policy = DEFAULT_REDELIVERY_POLICY;
    const delivery = { deliveryCount: 6, maxDeliveryCount: 10 };
    expect(redeliveryPauseMs(policy, { ...delivery, elapsedMs: 100_000 })).toBe(140_000);
    expect(redeliveryPauseMs(policy, { ...delivery, elapsedMs: 300_000 })).toBe(0);
  });

  it('keeps an invocation within host.json’s lock renewal and function timeout', () => {
    const host = JSON.parse(readFileSync('host.json', 'utf8')) as {
      functionTimeout: string;
      extensions: { serviceBus: { maxAutoLockRenewalDuration: string } };
    };
    const ms = (span: string) => {
      const [h, m, s] = span.split(':').map(Number);
      return (((h ?? 0) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000;
    };
    const { invocationBudgetMs, maxPauseMs } = DEFAULT_REDELIVERY_POLICY;
    expect(maxPauseMs).toBeLessThan(invocationBudgetMs);
    expect(invocationBudgetMs).toBeLessThan(
      ms(host.extensions.serviceBus.maxAutoLockRenewalDuration),
    );
    expect(invocationBudgetMs).toBeLessThan(ms(host.functionTimeout));
  });
});
