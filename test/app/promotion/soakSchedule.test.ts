import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import type { PromotionMessage } from '../../../src/domain/promotionMessage.js';
import { stageWorld } from '../../support/stageWorld.js';

const SHA = 'a1b2c3d';

function soaking(): unknown {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages = json.stages.map((s) => (s.name === 'release' ? { ...s, soak: '24h' } : s));
  return json;
}

describe('soak', () => {
  it('a release waiting only on its soak schedules a re-evaluation for the end, and is promoted by itself then', async () => {
    const world = stageWorld(soaking());
    const scheduled: { message: PromotionMessage; at: Date }[] = [];
    const deps = {
      ...world.deps,
      approvals: {
        send: () => Promise.resolve(),
        schedule: (message: PromotionMessage, at: Date) => {
          scheduled.push({ message, at });
          return Promise.resolve();
        },
      },
    };
    const digest = await world.build(SHA);
    await world.dev(SHA);
    await world.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
    const rcAt = (await world.head('rc'))?.promotedAt ?? '';
    world.tick(60);
    const { handlePromotionMessage } =
      await import('../../../src/app/promotion/handlePromotionMessage.js');
    const approved = await handlePromotionMessage(
      {
        type: 'approval',
        id: 'release-1',
        repository: world.repo,
        stage: 'release',
        build: { tag: '1.0.0-rc1' },
        decision: 'approve',
        approver: { id: 'bob' },
        source: 'cli',
      },
      deps,
    );
    expect(approved.outcome).toBe('pending');
    const due = new Date(Date.parse(rcAt) + 24 * 3_600_000).toISOString();
    expect(approved.reason).toBe(`waiting for: soaking in rc until ${due} (24 hours from ${rcAt})`);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.at.toISOString()).toBe(due);
    expect(scheduled[0]?.message).toMatchObject({
      type: 'reevaluate',
      stage: 'release',
      digest,
      due,
    });

    // Delivered early (a clock skew): still soaking, scheduled again for the same end.
    world.tick(60);
    const early = await handlePromotionMessage(scheduled[0]?.message, deps);
    expect(early.outcome).toBe('pending');
    expect(world.tag('1.0.0')).toBeUndefined();
    expect(scheduled).toHaveLength(2);
    expect(scheduled[1]?.at.toISOString()).toBe(due);
    expect(scheduled[1]?.message.id).not.toBe(scheduled[0]?.message.id);

    // The soak's end: the scheduled message promotes, with no second approval.
    world.tick(23 * 60);
    const fired = await handlePromotionMessage(scheduled[1]?.message, deps);
    expect(fired.outcome).toBe('promoted');
    expect(fired.tags).toEqual(['1.0.0']);
    expect(world.tag('1.0.0')).toBe(digest);
    // Redelivered after it promoted: its recorded outcome, nothing moves.
    const again = await handlePromotionMessage(scheduled[1]?.message, deps);
    expect(again.outcome).toBe('promoted');
  });
});
