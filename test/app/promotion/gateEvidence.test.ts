import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/domain/errors.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

const SHA = 'a1b2c3d';

/** The seed pipeline with `release` extended by `gates`. */
function pipeline(gates: Record<string, unknown>): unknown {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages = json.stages.map((s) => (s.name === 'release' ? { ...s, ...gates } : s));
  return json;
}

async function inRc(gates: Record<string, unknown>) {
  const world = stageWorld(pipeline(gates));
  const digest = await world.build(SHA);
  await world.dev(SHA);
  await world.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
  return { world, digest };
}

/** A cosign signature under the tag schema (`sha256-<hex>.sig`), as `cosign sign` stores it. */
function sign(world: ReturnType<typeof stageWorld>, digest: string) {
  const signature = world.registry.add(
    world.repo,
    JSON.stringify({ schemaVersion: 2, layers: [{ digest, note: 'simple signing payload' }] }),
  );
  world.registry.setTag(world.repo, `${digest.replace(':', '-')}.sig`, signature);
}

describe('gates: evidence in the registry', () => {
  it('a release without a signature referrer stays pending, saying so; a new approval after signing promotes it', async () => {
    const { world, digest } = await inRc({ evidence: ['signature'], approval: { required: 1 } });
    const before = world.count('listReferrers');
    const approved = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('pending');
    expect(approved.reason).toBe('waiting for: no signature referrer');
    expect(approved.conditions).toContainEqual(
      expect.objectContaining({ kind: 'evidence', name: 'signature', met: false }),
    );
    expect(world.count('listReferrers')).toBe(before + 1);
    expect(world.tag('1.0.0')).toBeUndefined();

    sign(world, digest);
    const again = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: { id: 'carol' } },
    );
    expect(again.outcome).toBe('promoted');
    expect(world.tag('1.0.0')).toBe(digest);
  });

  it('a check arriving after the signature was pushed re-evaluates and promotes', async () => {
    const { world, digest } = await inRc({ checks: ['trivy'], evidence: ['signature', 'sbom'] });
    await world.approve('release', { tag: '1.0.0-rc1' }, { approver: { id: 'bob' } });
    const checked = await world.check('trivy', { digest }, 'success');
    expect(checked.outcome).toBe('pending');
    expect(checked.reason).toBe('waiting for: no signature referrer; no sbom referrer');

    sign(world, digest);
    const signed = await world.check('trivy', { digest }, 'success');
    expect(signed.outcome).toBe('pending');
    expect(signed.reason).toBe('waiting for: no sbom referrer');
    expect(signed.conditions).toContainEqual({
      kind: 'evidence',
      name: 'signature',
      met: true,
      detail: 'signature referrer present (application/vnd.dev.cosign.artifact.sig.v1+json)',
    });
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1 };
    world.registry.add(
      world.repo,
      JSON.stringify({ schemaVersion: 2, artifactType: 'application/spdx+json', subject }),
    );
    const rerun = await world.check('trivy', { digest }, 'success');
    expect(rerun.outcome).toBe('promoted');
    expect(world.tag('1.0.0')).toBe(digest);
  });

  it('a registry failure while looking is transient: nothing is recorded, the redelivery decides', async () => {
    const { world, digest } = await inRc({ evidence: ['signature'] });
    sign(world, digest);
    world.registry.failNext.set('listReferrers', 1);
    const message = {
      type: 'approval',
      id: 'release-1',
      repository: world.repo,
      stage: 'release',
      build: { tag: '1.0.0-rc1' },
      decision: 'approve',
      approver: { id: 'bob' },
      source: 'cli',
    };
    await expect(world.handle(message)).rejects.toBeInstanceOf(TransientError);
    expect(await world.promotions.getOutcome(world.repo, 'release-1')).toBeUndefined();
    expect(
      await world.promotions.getPromotion(world.repo, {
        stage: 'release',
        version: '1.0.0',
        digest,
      }),
    ).toBeUndefined();

    const redelivered = await world.handle(message);
    expect(redelivered.outcome).toBe('promoted');
    expect(world.tag('1.0.0')).toBe(digest);
  });

  it('a failure that is not transient by itself is still not taken as missing evidence', async () => {
    const { world } = await inRc({ evidence: ['signature'] });
    world.registry.listReferrers = () => Promise.reject(new Error('HTTP 401: unauthorized'));
    const attempt = world.approve('release', { tag: '1.0.0-rc1' }, { approver: { id: 'bob' } });
    await expect(attempt).rejects.toThrow(
      /^listing the referrers of myapp@sha256:[0-9a-f]{64} for the evidence of stage release: HTTP 401: unauthorized$/,
    );
    await expect(attempt).rejects.toBeInstanceOf(TransientError);
  });

  it('a stage without evidence asks the registry for no referrers', async () => {
    const { world, digest } = await inRc({ checks: ['trivy'] });
    await world.check('trivy', { digest }, 'success');
    const approved = await world.approve(
      'release',
      { tag: '1.0.0-rc1' },
      { approver: { id: 'bob' } },
    );
    expect(approved.outcome).toBe('promoted');
    expect(world.count('listReferrers')).toBe(0);
  });
});
