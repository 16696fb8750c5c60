import { describe, expect, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { LocalOutcomeLog } from '../../src/local/localOutcomeLog.js';

describe('LocalOutcomeLog', () => {
  const event = (id: string, repository: string, at: string): OutcomeEvent => ({
    type: 'promotion.outcome',
    id,
    outcome: 'promoted',
    repository,
    stage: 'rc',
    messageId: `m-${id}`,
    at,
  });

  it('keeps outcomes in publish order, ignores a republished id, and filters by repository and time', async () => {
    const shown: string[] = [];
    const log = new LocalOutcomeLog({ onEvent: (e) => shown.push(e.id) });
    await log.publish(event('1', 'myapp', '2025-01-01T10:00:00Z'));
    await log.publish(event('2', 'other', '2025-01-01T11:00:00Z'));
    await log.publish(event('3', 'myapp', '2025-01-01T12:00:00Z'));
    await log.publish(event('1', 'myapp', '2025-01-01T10:00:00Z'));
    expect(log.list().map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(shown).toEqual(['1', '2', '3']);
    expect(log.list({ repository: 'myapp' }).map((e) => e.id)).toEqual(['1', '3']);
    const since = new Date('2025-01-01T11:00:00Z');
    expect(log.list({ since }).map((e) => e.id)).toEqual(['2', '3']);
  });

  it('keeps only the newest outcomes up to its capacity', async () => {
    const log = new LocalOutcomeLog({ capacity: 2 });
    for (const id of ['1', '2', '3']) await log.publish(event(id, 'myapp', '2025-01-01T10:00:00Z'));
    expect(log.list().map((e) => e.id)).toEqual(['2', '3']);
  });

  it('still records an outcome when the listener throws', async () => {
    const log = new LocalOutcomeLog({
      onEvent: () => {
        throw new Error('terminal gone');
      },
    });
    await expect(log.publish(event('1', 'myapp', '2025-01-01T10:00:00Z'))).resolves.toBeUndefined();
    expect(log.list()).toHaveLength(1);
  });
});
