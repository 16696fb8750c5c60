import { describe, expect, it } from 'vitest';
import { stageWorld } from '../../support/stageWorld.js';

describe('handlePromotionMessage', () => {
  it('hands an approval to the promotion', async () => {
    const w = stageWorld();
    const digest = await w.build('a1b2c3d');
    expect(await w.dev('a1b2c3d')).toMatchObject({ outcome: 'promoted', digest });
    expect(w.tag('dev-latest')).toBe(digest);
  });

  it('rejects a message of an unknown type, naming the types there are, and records it', async () => {
    const w = stageWorld();
    const outcome = await w.handle({
      type: 'promote',
      id: 'x1',
      repository: 'myapp',
      stage: 'release',
    });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      messageId: 'x1',
      reason:
        'invalid promotion message: type: must be one of approval, rollback, unpin, check, reevaluate; got "promote"',
    });
    expect(await w.promotions.getOutcome('myapp', 'x1')).toEqual(outcome);
    expect(w.published).toEqual([outcome]);
  });

  it('rejects a rollback without a reason, naming the field', async () => {
    const w = stageWorld();
    const message = w.rollbackMessage('release', { tag: '1.2.2' });
    const outcome = await w.handle({ ...message, reason: undefined });
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(/^invalid rollback message: reason: /);
    expect(await w.promotions.getOutcome('myapp', message.id)).toEqual(outcome);
  });

  it('announces, without recording, a message that names no valid repository', async () => {
    const w = stageWorld();
    const outcome = await w.handle({ type: 'unpin', id: 'x2', repository: 'My App' });
    expect(outcome).toMatchObject({ outcome: 'rejected', repository: 'My App' });
    expect(outcome.reason).toMatch(/^invalid unpin message: .*repository/);
    expect(w.published).toEqual([outcome]);
  });
});
