import { describe, expect, it } from 'vitest';
import { reconcileRegistry } from '../../../src/app/reconcile/reconcileRegistry.js';
import { compileRepositoryPatterns } from '../../../src/domain/repositoryPatterns.js';
import {
  BUILD,
  PROD,
  twoRegistryPipeline,
  twoRegistryWorld,
} from '../../support/twoRegistryWorld.js';

const every = compileRepositoryPatterns('**');
const run = (w: ReturnType<typeof twoRegistryWorld>, dryRun = false) =>
  reconcileRegistry(w.deps, { dryRun, patterns: every });

describe('the reconciler with release kept in another registry', () => {
  it('compares release’s tags in that registry: agreeing registries give nothing to do, and no release tag is written into the build registry', async () => {
    const w = twoRegistryWorld(twoRegistryPipeline({}, { restoreOnDrift: true }));
    const digest = await w.release('a1b2c3d', '1.2.3');
    w.published.length = 0;

    const report = await run(w);

    expect(report.repositories).toEqual([
      expect.objectContaining({ repository: 'myapp', actions: [], failed: [] }),
      expect.objectContaining({
        repository: 'myapp',
        location: `${PROD}/prod/myapp`,
        tagsListed: 2,
        actions: [],
        failed: [],
      }),
    ]);
    expect(report.repositories[0]?.location).toBeUndefined();
    // The build registry never gets release's tags, however often the reconciler runs.
    expect(await w.registry.resolveTag('myapp', '1.2.3')).toBeUndefined();
    expect(await w.registry.resolveTag('myapp', 'release-latest')).toBeUndefined();
    expect(await w.prod.resolveTag('prod/myapp', '1.2.3')).toBe(digest);
    expect(w.published).toEqual([]);
    expect((await w.history()).filter((o) => o.outcome === 'reconciled')).toEqual([]);
    // Its requests to the second registry count in the run's cost.
    expect(w.prod.calls).toContain('listTags');
    expect(report.cost.registryRequests).toBeGreaterThanOrEqual(2);
  });

  it('finds release-latest moved by hand in that registry (no event reached promoter) as drift there, and puts it back there with restoreOnDrift', async () => {
    const w = twoRegistryWorld(twoRegistryPipeline({}, { restoreOnDrift: true }));
    const released = await w.release('a1b2c3d', '1.2.3');
    const other = w.prod.add('prod/myapp', 'someone else’s image');
    w.prod.setTag('prod/myapp', 'release-latest', other);
    w.published.length = 0;

    const report = await run(w);

    const prod = report.repositories.find((r) => r.location === `${PROD}/prod/myapp`);
    expect(prod?.actions).toEqual([
      expect.objectContaining({
        kind: 'drift',
        tag: 'release-latest',
        digest: other,
        expected: released,
        restored: true,
      }),
    ]);
    expect(await w.prod.resolveTag('prod/myapp', 'release-latest')).toBe(released);
    expect(await w.registry.resolveTag('myapp', 'release-latest')).toBeUndefined();
    expect(w.published).toEqual([
      expect.objectContaining({
        outcome: 'drift',
        repository: 'myapp',
        stage: 'release',
        registry: PROD,
        stageRepository: 'prod/myapp',
        tags: ['release-latest'],
      }),
    ]);
    expect(w.published[0]?.reason).toContain(`${PROD}/prod/myapp:release-latest was moved`);
    // A second run finds the registries agreeing again.
    w.published.length = 0;
    expect((await run(w)).repositories.flatMap((r) => r.actions)).toEqual([]);
  });

  it('reports a release tag missing from that registry, naming where, and reports an unknown stage tag there', async () => {
    const w = twoRegistryWorld();
    const released = await w.release('a1b2c3d', '1.2.3');
    w.prod.tags.delete('prod/myapp:1.2.3');
    const stray = w.prod.add('prod/myapp', 'pushed by hand');
    w.prod.setTag('prod/myapp', '9.9.9', stray);
    w.published.length = 0;

    const report = await run(w);

    const prod = report.repositories.find((r) => r.location === `${PROD}/prod/myapp`);
    expect(prod?.actions).toEqual([
      expect.objectContaining({ kind: 'tag-unknown', tag: '9.9.9', stage: 'release' }),
      expect.objectContaining({ kind: 'tag-missing', tag: '1.2.3', digest: released }),
    ]);
    expect(prod?.actions[1]?.reason).toContain(`1.2.3 was missing from ${PROD}/prod/myapp`);
    expect(w.published).toEqual([
      expect.objectContaining({ reconciled: 'tag-unknown', registry: PROD, tags: ['9.9.9'] }),
      expect.objectContaining({ reconciled: 'tag-missing', registry: PROD, tags: ['1.2.3'] }),
    ]);
    // Without restoreOnDrift nothing is written, in either registry.
    expect(await w.prod.resolveTag('prod/myapp', '1.2.3')).toBeUndefined();
    expect(await w.registry.resolveTag('myapp', '1.2.3')).toBeUndefined();
  });

  it('never records a build from that registry, nor marks a build gone because that registry lacks it', async () => {
    const w = twoRegistryWorld();
    await w.release('a1b2c3d', '1.2.3');
    const copied = w.prod.add('prod/myapp', 'a build someone copied there');
    w.prod.setTag('prod/myapp', 'git-bbbbbbb', copied);
    const buildsBefore = w.ledger.builds.size;

    const report = await run(w);

    expect(report.repositories.flatMap((r) => r.actions)).toEqual([]);
    expect(w.ledger.builds.size).toBe(buildsBefore);
    expect(w.sent).toEqual([]);
  });

  it('a stage kept in the build registry under prod/{repository}: prod/myapp is compared as myapp’s release, not as a repository of its own', async () => {
    const w = twoRegistryWorld(twoRegistryPipeline({ registry: undefined }));
    const released = await w.release('a1b2c3d', '1.2.3');
    expect(await w.registry.resolveTag('prod/myapp', '1.2.3')).toBe(released);
    w.published.length = 0;

    const report = await run(w);

    expect(report.repositories.map((r) => [r.repository, r.location])).toEqual([
      ['myapp', undefined],
      ['myapp', `${BUILD}/prod/myapp`],
    ]);
    expect(report.repositories.flatMap((r) => r.actions)).toEqual([]);
    expect(w.published).toEqual([]);
  });

  it('keeps a mark per place: the second registry’s listing since its own watermark (ACR)', async () => {
    const w = twoRegistryWorld();
    w.prod.isAcr = true;
    await w.release('a1b2c3d', '1.2.3');
    await run(w);
    const marks = await w.deps.marks.readAll();
    expect([...marks.keys()].sort()).toEqual(['myapp', `myapp@${PROD}/prod/myapp`]);
    expect(marks.get(`myapp@${PROD}/prod/myapp`)?.fullSweepAt).toBeDefined();
  });
});
