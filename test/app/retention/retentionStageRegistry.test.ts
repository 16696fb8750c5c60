import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../src/app/retention/applyRetention.js';
import { durationOfDays } from '../../../src/domain/duration.js';
import { PROD, twoRegistryWorld } from '../../support/twoRegistryWorld.js';

const DAY_MS = 86_400_000;
const THIRTY_DAYS = durationOfDays(30);

/** dev kept in `dev/<repository>` of PROD, release in `<repository>` of PROD. */
const DEV_ELSEWHERE = {
  registries: { [PROD]: { signIn: 'azure' } },
  stages: [
    {
      name: 'dev',
      tag: 'dev-latest',
      immutable: false,
      approval: { required: 0 },
      registry: PROD,
      repository: 'dev/{repository}',
    },
    {
      name: 'release',
      tag: '{version}',
      immutable: true,
      latest: 'release-latest',
      approval: { required: 1 },
      registry: PROD,
    },
  ],
};

const system = { approver: { id: 'system:promoter' }, source: 'system' };

describe('retention with stages kept in another registry', () => {
  it('deletes an old build that only reached dev from the build registry and its copy where dev is, and keeps the others there', async () => {
    const w = twoRegistryWorld(DEV_ELSEWHERE);
    const old = await w.build('aaaaaaa');
    await w.approve('dev', 'aaaaaaa', system);
    const released = await w.build('bbbbbbb');
    await w.approve('dev', 'bbbbbbb', system);
    await w.approve('release', 'bbbbbbb', { version: '1.2.3' });
    const head = await w.build('ccccccc');
    await w.approve('dev', 'ccccccc', system);
    expect(w.prod.manifests.has(`dev/myapp@${old}`)).toBe(true);
    w.tick(40 * DAY_MS);

    const report = await applyRetention(w.deps, { age: THIRTY_DAYS, dryRun: false });

    const [myapp] = report.repositories;
    expect(myapp?.failed).toEqual([]);
    expect(myapp?.deleted.map((b) => b.digest)).toEqual([old]);
    // Gone from both places; the build's record and history say so.
    expect(w.registry.manifests.has(`myapp@${old}`)).toBe(false);
    expect(w.prod.manifests.has(`dev/myapp@${old}`)).toBe(false);
    expect((await w.ledger.getBuildByDigest('myapp', old))?.deletedAt).toBeDefined();
    // The released build and dev's head stay, in every registry; the reasons say where.
    for (const digest of [released, head]) {
      expect(w.registry.manifests.has(`myapp@${digest}`)).toBe(true);
      expect(w.prod.manifests.has(`dev/myapp@${digest}`)).toBe(true);
    }
    expect(w.prod.manifests.has(`myapp@${released}`)).toBe(true);
    const kept = new Map(myapp?.kept.map((b) => [b.digest, b.reasons]));
    expect(kept.get(released)).toContain(
      `release head (${PROD}/myapp:1.2.3, ${PROD}/myapp:release-latest)`,
    );
    expect(kept.get(head)).toContain(`dev head (${PROD}/dev/myapp:dev-latest)`);
  });

  it('a run that failed after deleting the copy finishes on the next one', async () => {
    const w = twoRegistryWorld(DEV_ELSEWHERE);
    const old = await w.build('aaaaaaa');
    await w.approve('dev', 'aaaaaaa', system);
    await w.build('ccccccc');
    await w.approve('dev', 'ccccccc', system);
    w.tick(40 * DAY_MS);
    w.registry.failNext.set('deleteManifest', 1);

    const first = await applyRetention(w.deps, { age: THIRTY_DAYS, dryRun: false });
    expect(first.repositories[0]?.failed.map((b) => b.digest)).toEqual([old]);
    expect(w.prod.manifests.has(`dev/myapp@${old}`)).toBe(false);
    expect(w.registry.manifests.has(`myapp@${old}`)).toBe(true);

    const second = await applyRetention(w.deps, { age: THIRTY_DAYS, dryRun: false });
    expect(second.repositories[0]?.deleted.map((b) => b.digest)).toEqual([old]);
    expect(w.registry.manifests.has(`myapp@${old}`)).toBe(false);
  });
});
