import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

/** The seed pipeline with fields added to the stage `name`. */
function gated(name: string, fields: Record<string, unknown>): unknown {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages = json.stages.map((s) => (s.name === name ? { ...s, ...fields } : s));
  return json;
}

const SHA = 'a1b2c3d';
const URL = 'https://ci.example/scan/42';

/** A world whose release needs check trivy, with `SHA` pushed, in dev and in rc as 1.0.0. */
async function inRc(pipeline = gated('release', { checks: ['trivy'] })) {
  const world = stageWorld(pipeline);
  const digest = await world.build(SHA);
  await world.dev(SHA);
  expect((await world.approve('rc', { gitSha: SHA }, { version: '1.0.0' })).outcome).toBe(
    'promoted',
  );
  return { world, digest };
}

describe('a release gated on a check', () => {
  it('waits for trivy, then is promoted by itself when trivy succeeds (no second approval)', async () => {
    const { world, digest } = await inRc();
    const approved = await world.approve(
      'release',
      { gitSha: SHA },
      { version: '1.0.0', approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('pending');
    expect(approved.reason).toBe('waiting for: check trivy has not reported');
    expect(approved.conditions?.map((c) => [c.name, c.met])).toEqual([
      ['approvals', true],
      ['trivy', false],
    ]);
    expect(world.tag('1.0.0')).toBeUndefined();

    const checked = await world.check('trivy', { digest }, 'success', { detailsUrl: URL });
    expect(checked.outcome).toBe('promoted');
    expect(checked.stage).toBe('release');
    expect(checked.tags).toEqual(['1.0.0']);
    expect(world.tag('1.0.0')).toBe(digest);
    expect((await world.head('release'))?.digest).toBe(digest);
  });

  it('a failure is announced like a rejection and blocks until a later success', async () => {
    const { world, digest } = await inRc();
    await world.approve('release', { gitSha: SHA }, { version: '1.0.0', approver: { id: 'bob' } });

    const failed = await world.check('trivy', { gitSha: SHA }, 'failure', {
      detailsUrl: URL,
      summary: '2 critical',
    });
    expect(failed.outcome).toBe('rejected');
    expect(failed.reason).toContain(`check trivy failed on ${digest} at `);
    expect(failed.reason).toContain(`(${URL})`);
    expect(failed.reason).toContain('the promotion to release stays pending until a later success');
    const trivy = failed.conditions?.find((c) => c.name === 'trivy');
    expect(trivy).toMatchObject({ met: false, reporter: 'ci:pipeline', url: URL });
    expect(world.tag('1.0.0')).toBeUndefined();
    const pending = await world.promotions.getPromotion(world.repo, {
      stage: 'release',
      version: '1.0.0',
      digest,
    });
    expect(pending?.status).toBe('pending');

    const passed = await world.check('trivy', { tag: '1.0.0-rc1' }, 'success');
    expect(passed.outcome).toBe('promoted');
    expect(world.tag('1.0.0')).toBe(digest);
  });

  it('keeps a result that arrives before the approval, and the approval then promotes at once', async () => {
    const { world, digest } = await inRc();
    const early = await world.check('trivy', { digest }, 'success');
    expect(early.outcome).toBe('pending');
    expect(early.reason).toContain('kept: it counts when');
    expect(world.tag('1.0.0')).toBeUndefined();

    const approved = await world.approve(
      'release',
      { gitSha: SHA },
      { version: '1.0.0', approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('promoted');
    expect(world.tag('1.0.0')).toBe(digest);
  });

  it('keeps a result for a digest not yet in from, and it counts once the digest gets there', async () => {
    const world = stageWorld(gated('release', { checks: ['trivy'] }));
    const digest = await world.build(SHA);
    await world.dev(SHA);
    expect((await world.check('trivy', { digest }, 'success')).outcome).toBe('pending');
    await world.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
    const approved = await world.approve(
      'release',
      { gitSha: SHA },
      { version: '1.0.0', approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('promoted');
  });

  it('counts a redelivered check message once', async () => {
    const { world, digest } = await inRc();
    await world.approve('release', { gitSha: SHA }, { version: '1.0.0', approver: { id: 'bob' } });
    const failure = world.checkMessage('trivy', { digest }, 'failure');
    await world.handle(failure);
    world.tick();
    await world.check('trivy', { digest }, 'success');
    expect(world.tag('1.0.0')).toBe(digest);
    // The failure redelivered after the success: its recorded outcome again, nothing changes.
    world.tick();
    const again = await world.handle(failure);
    expect(again.outcome).toBe('rejected');
    expect((await world.checks.listChecks(world.repo, digest))[0]?.conclusion).toBe('success');
  });

  it('a result that concluded before the recorded one does not count', async () => {
    const { world, digest } = await inRc();
    await world.check('trivy', { digest }, 'success', { at: '2026-11-27T09:30:00Z' });
    await world.check('trivy', { digest }, 'failure', { at: '2026-11-27T09:20:00Z' });
    const approved = await world.approve(
      'release',
      { gitSha: SHA },
      { version: '1.0.0', approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('promoted');
  });

  it('with approvals short, a passing check leaves it pending on approvals', async () => {
    const pipeline = gated('release', {
      checks: ['trivy'],
      approval: { required: 2 },
    });
    const { world, digest } = await inRc(pipeline);
    await world.approve('release', { gitSha: SHA }, { version: '1.0.0', approver: { id: 'bob' } });
    const checked = await world.check('trivy', { digest }, 'success');
    expect(checked.outcome).toBe('pending');
    expect(checked.conditions?.map((c) => [c.name, c.met])).toEqual([
      ['approvals', false],
      ['trivy', true],
    ]);
    const second = await world.approve(
      'release',
      { gitSha: SHA },
      { version: '1.0.0', approver: { id: 'carol' } },
    );
    expect(second.outcome).toBe('promoted');
  });
});

describe('an automatic stage with checks', () => {
  const pipeline = {
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      {
        name: 'qa',
        tag: 'qa-latest',
        immutable: false,
        approval: { required: 0 },
        checks: ['e2e'],
      },
    ],
  };

  it('promotes as soon as its checks pass, with nobody approving', async () => {
    const world = stageWorld(pipeline);
    const digest = await world.build(SHA);
    await world.dev(SHA);
    const failed = await world.check('e2e', { digest }, 'failure');
    expect(failed.outcome).toBe('rejected');
    expect(failed.stage).toBe('qa');
    expect(world.tag('qa-latest')).toBeUndefined();
    const passed = await world.check('e2e', { digest }, 'success');
    expect(passed.outcome).toBe('promoted');
    expect(passed.stage).toBe('qa');
    expect(world.tag('qa-latest')).toBe(digest);
  });

  it('counts a success that came before the digest reached dev: the dev promotion chains qa by itself', async () => {
    const world = stageWorld(pipeline, 'myapp', { queue: true });
    const digest = await world.build(SHA);
    const early = await world.check('e2e', { digest }, 'success');
    expect(early.outcome).toBe('pending');
    expect(early.reason).toContain('kept: it counts when');
    expect(world.tag('qa-latest')).toBeUndefined();

    expect((await world.dev(SHA)).outcome).toBe('promoted');
    const chained = await world.drain();
    expect(chained.map((o) => [o.stage, o.outcome])).toEqual([['qa', 'promoted']]);
    expect(world.tag('qa-latest')).toBe(digest);
    // Nothing further: qa is the last stage, and its outcome was not asked for twice.
    expect(await world.drain()).toEqual([]);
  });

  it('after dev, waits in qa for e2e (pending, saying so), and goes ahead when it passes', async () => {
    const world = stageWorld(pipeline, 'myapp', { queue: true });
    const digest = await world.build(SHA);
    await world.dev(SHA);
    const [waiting] = await world.drain();
    expect(waiting).toMatchObject({
      stage: 'qa',
      outcome: 'pending',
      reason: 'waiting for: check e2e has not reported',
    });
    const passed = await world.check('e2e', { digest }, 'success');
    expect(passed).toMatchObject({ stage: 'qa', outcome: 'promoted' });
    expect(world.tag('qa-latest')).toBe(digest);
  });

  it('a redelivered dev approval asks for qa once more under the same id, and nothing moves twice', async () => {
    const world = stageWorld(pipeline, 'myapp', { queue: true });
    const digest = await world.build(SHA);
    await world.check('e2e', { digest }, 'success');
    const first = await world.dev(SHA);
    await world.handle({
      type: 'approval',
      id: first.messageId,
      repository: world.repo,
      stage: 'dev',
      build: { gitSha: SHA },
      decision: 'approve',
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    expect(world.sent.map((s) => s.message.id)).toHaveLength(2);
    expect(new Set(world.sent.map((s) => s.message.id)).size).toBe(1);
    const outcomes = await world.drain();
    expect(outcomes.map((o) => [o.stage, o.outcome])).toEqual([
      ['qa', 'promoted'],
      ['qa', 'promoted'],
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(world.tag('qa-latest')).toBe(digest);
  });
});

describe('an automatic stage with a soak', () => {
  it('after dev, soaks in qa, and is promoted by itself when the scheduled re-evaluation comes', async () => {
    const world = stageWorld(
      {
        stages: [
          { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
          {
            name: 'qa',
            tag: 'qa-latest',
            immutable: false,
            from: 'dev',
            approval: { required: 0 },
            soak: '30m',
          },
        ],
      },
      'myapp',
      { queue: true },
    );
    const digest = await world.build(SHA);
    await world.dev(SHA);
    const [soaking] = await world.drain();
    expect(soaking).toMatchObject({ stage: 'qa', outcome: 'pending' });
    expect(soaking?.reason).toContain('soaking in dev until');
    expect(world.tag('qa-latest')).toBeUndefined();
    expect(world.sent.at(-1)?.at).toBeDefined();
    world.tick(29);
    expect(await world.drain()).toEqual([]);
    world.tick(1);
    const [ended] = await world.drain();
    expect(ended).toMatchObject({ stage: 'qa', outcome: 'promoted' });
    expect(world.tag('qa-latest')).toBe(digest);
  });
});

describe('bad check messages', () => {
  it.each([
    [
      'a check no stage requires',
      { name: 'lint' },
      'invalid check message: name: no stage requires check "lint"; the checks stages require: trivy',
    ],
    [
      'a conclusion other than success or failure',
      { conclusion: 'skipped' },
      'invalid check message: conclusion: the conclusion is success or failure',
    ],
    [
      'a build promoter does not know',
      { build: { gitSha: 'fffffff' } },
      'invalid check message: build: no build of myapp is recorded for git SHA fffffff',
    ],
    [
      'a details URL that is not http(s)',
      { detailsUrl: 'javascript:alert(1)' },
      'invalid check message: detailsUrl: must be an http(s) URL',
    ],
  ])('rejects %s, naming the field, and keeps nothing', async (_label, fields, reason) => {
    const { world, digest } = await inRc();
    const outcome = await world.handle({
      ...world.checkMessage('trivy', { digest }, 'success'),
      ...fields,
    });
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toBe(reason);
    expect(await world.checks.listChecks(world.repo, digest)).toEqual([]);
  });
});
