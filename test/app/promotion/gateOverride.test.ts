import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

const SHA = 'a1b2c3d';

/** The seed pipeline whose release needs trivy and a 24 h soak in rc, overridable by release-managers. */
function pipeline(): unknown {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages = json.stages.map((s) =>
    s.name === 'release'
      ? { ...s, checks: ['trivy'], soak: '24h', override: { groups: ['release-managers'] } }
      : s,
  );
  return json;
}

async function inRc() {
  const world = stageWorld(pipeline());
  const digest = await world.build(SHA);
  await world.dev(SHA);
  await world.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
  return { world, digest };
}

const carol = { id: 'carol', groups: ['release-managers'] };

describe('gates: soak and override', () => {
  it('a release soaking in rc waits, saying until when', async () => {
    const { world } = await inRc();
    await world.check('trivy', { tag: '1.0.0-rc1' }, 'success');
    const approved = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('pending');
    expect(approved.reason).toMatch(
      /^waiting for: soaking in rc until 2026-11-28T10:0\d:00\.000Z \(24 hours from /,
    );
    expect(world.tag('1.0.0')).toBeUndefined();
  });

  it('a member of an override group promotes past unmet checks and soak, recorded and announced as such', async () => {
    const { world, digest } = await inRc();
    const overridden = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: carol, override: { reason: 'hotfix for CVE-2026-1' } },
    );
    expect(overridden.outcome).toBe('promoted');
    expect(overridden.reason).toContain('overridden by carol: hotfix for CVE-2026-1 (passed: ');
    expect(overridden.reason).toContain('check trivy has not reported');
    expect(overridden.reason).toContain('soaking in rc until');
    expect(world.tag('1.0.0')).toBe(digest);
    const promotion = await world.promotions.getPromotion(world.repo, {
      stage: 'release',
      version: '1.0.0',
      digest,
    });
    expect(promotion?.reason).toContain('overridden by carol');
    const { outcomes } = await world.promotions.listHistory(world.repo, { limit: 10 });
    expect(outcomes[0]?.reason).toContain('overridden by carol');
  });

  it('refuses an override by someone outside the override groups, and changes nothing', async () => {
    const { world, digest } = await inRc();
    const refused = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: { id: 'dave', groups: ['developers'] }, override: { reason: 'please' } },
    );
    expect(refused.outcome).toBe('rejected');
    expect(refused.reason).toBe(
      'dave may not override stage release (override groups: release-managers)',
    );
    expect(world.tag('1.0.0')).toBeUndefined();
    expect(
      await world.promotions.getPromotion(world.repo, {
        stage: 'release',
        version: '1.0.0',
        digest,
      }),
    ).toBeUndefined();
  });

  it('refuses an override without a reason, naming the field', async () => {
    const { world } = await inRc();
    const refused = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: carol, override: { reason: ' ' } },
    );
    expect(refused.outcome).toBe('rejected');
    expect(refused.reason).toContain('override.reason: say why');
  });
});
