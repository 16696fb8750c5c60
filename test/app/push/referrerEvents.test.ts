import { describe, expect, it } from 'vitest';
import { handleRegistryEvents, type PushDeps } from '../../../src/app/push/handleRegistryEvents.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import type { RegistryEvent } from '../../../src/domain/registryEvents.js';
import { stageWorld } from '../../support/stageWorld.js';

// A referrer's push (a signature, an SBOM) re-evaluates the promotions of its subject waiting
// on evidence: the use cases over the memory fakes, whose registry lists referrers by `subject`
// as ACR's referrers API does.

const SHA = 'a1b2c3d';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** The seed pipeline with an SBOM required on rc (or `gates` instead). */
function world(rc: Record<string, unknown> = { evidence: ['sbom'] }) {
  const w = stageWorld(
    {
      ...DEFAULT_PIPELINE_JSON,
      stages: DEFAULT_PIPELINE_JSON.stages.map((s) => (s.name === 'rc' ? { ...s, ...rc } : s)),
    },
    'myapp',
    { queue: true },
  );
  const approvals = w.deps.approvals;
  if (!approvals) throw new Error('the world has no queue');
  const push: PushDeps = { ...w.deps, approvals, defaultRegistry: 'localhost:5000' };
  return { ...w, push };
}

const pushed = (digest: string, id: string, tag?: string): RegistryEvent => ({
  kind: 'push',
  id,
  timestamp: '2026-11-27T10:05:00Z',
  registry: 'localhost:5000',
  repository: 'myapp',
  digest,
  mediaType: MANIFEST,
  tag,
});

/** An SBOM artifact whose subject is `digest`, stored as pushed by digest. */
const sbomOf = (w: ReturnType<typeof world>, digest: string) =>
  w.registry.add(
    'myapp',
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      artifactType: 'application/spdx+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: `sha256:${'0'.repeat(64)}`,
        size: 2,
      },
      layers: [],
      subject: { mediaType: MANIFEST, digest, size: 100 },
    }),
  );

describe('a referrer pushed for a digest waiting on evidence', () => {
  it('an artifact with subject, pushed by digest, re-evaluates the pending rc: promoted, no build recorded', async () => {
    const w = world();
    const digest = await w.build(SHA);
    await w.dev(SHA);
    const rc = await w.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
    expect(rc).toMatchObject({ outcome: 'pending', reason: 'waiting for: no sbom referrer' });
    const builds = w.ledger.builds.size;

    const sbom = sbomOf(w, digest);
    const [report] = await handleRegistryEvents([pushed(sbom, 'ev-1')], w.push);
    expect(report?.result).toMatchObject({
      outcome: 'ignored',
      reason: `pushed by digest, without a tag; a referrer of ${digest}: re-evaluating its pending promotion to rc`,
    });
    expect(w.ledger.builds.size).toBe(builds);
    const [reevaluated] = await w.drain();
    expect(reevaluated).toMatchObject({ outcome: 'promoted', stage: 'rc', tags: ['1.0.0-rc1'] });
    expect(reevaluated?.messageId).toMatch(/^evidence-/);
    expect(w.tag('1.0.0-rc1')).toBe(digest);
  });

  it('a redelivered event asks under the same id; cosign’s tag names the subject without a read', async () => {
    const w = world({ evidence: ['signature'] });
    const digest = await w.build(SHA);
    await w.dev(SHA);
    await w.approve('rc', { gitSha: SHA }, { version: '1.0.0' });
    const sig = `${digest.replace(':', '-')}.sig`;
    const signature = w.registry.add('myapp', JSON.stringify({ schemaVersion: 2, layers: [] }));
    w.registry.tags.set(`myapp:${sig}`, signature);
    const reads = w.count('getManifest');
    await handleRegistryEvents([pushed(signature, 'ev-2', sig)], w.push);
    await handleRegistryEvents([pushed(signature, 'ev-2', sig)], w.push);
    expect(w.count('getManifest')).toBe(reads);
    expect(w.sent.map((s) => s.message.id)).toHaveLength(2);
    expect(new Set(w.sent.map((s) => s.message.id)).size).toBe(1);
    const outcomes = await w.drain();
    expect(outcomes[0]).toMatchObject({ outcome: 'promoted', stage: 'rc' });
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it('nothing waiting: the event says so and asks for nothing', async () => {
    const w = world();
    const digest = await w.build(SHA);
    const [report] = await handleRegistryEvents(
      [pushed(sbomOf(w, digest), 'ev-3', digest.replace(':', '-'))],
      w.push,
    );
    expect(report?.result.reason).toContain(
      `a referrer of ${digest}: no pending promotion of it waits on evidence`,
    );
    expect(w.sent).toEqual([]);
  });

  it('a pipeline without evidence reads nothing for a push by digest and asks for nothing', async () => {
    const w = world({});
    const digest = await w.build(SHA);
    const reads = w.count('getManifest');
    const [report] = await handleRegistryEvents([pushed(sbomOf(w, digest), 'ev-4')], w.push);
    expect(report?.result).toMatchObject({
      outcome: 'ignored',
      reason: 'pushed by digest, without a tag',
    });
    expect(w.count('getManifest')).toBe(reads);
    expect(w.sent).toEqual([]);
  });
});
