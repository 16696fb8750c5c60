import { describe, expect, it } from 'vitest';
import { detectDriftOnPush, type DriftDeps } from '../../../src/app/push/detectDriftOnPush.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

const repo = 'myapp';
const now = new Date('2026-11-27T10:00:00Z');

/** A repository where build A went dev → 1.2.3-rc1 → 1.2.3 (+ release-latest), and B is in dev. */
async function promotedRepository(restoreOnDrift = false) {
  const world = stageWorld({ ...DEFAULT_PIPELINE_JSON, restoreOnDrift }, repo);
  const a = await world.build('aaaaaaa');
  const b = await world.build('bbbbbbb');
  await world.dev('aaaaaaa');
  await world.approve('rc', { digest: a }, { version: '1.2.3' });
  await world.approve('release', { tag: '1.2.3-rc1' });
  await world.dev('bbbbbbb');
  world.published.length = 0;
  world.registry.calls.length = 0;
  const deps: DriftDeps = { ...world.deps, clock: { now: () => now } };
  /** Someone else pushes `digest` under `t`, as skopeo would. */
  const push = (t: string, digest: string) => world.registry.tags.set(`${repo}:${t}`, digest);
  const check = (t: string, digest: string, eventId = `event-${t}`) =>
    detectDriftOnPush({ eventId, repository: repo, tag: t, digest, pushedBy: 'mallory' }, deps);
  return {
    deps,
    a,
    b,
    c: world.registry.add(repo, 'manifest of c'),
    tag: world.tag,
    push,
    check,
    published: world.published,
  };
}

describe('detectDriftOnPush', () => {
  it.each([
    ['dev-latest', 'b'],
    ['1.2.3-rc1', 'a'],
    ['1.2.3', 'a'],
    ['release-latest', 'a'],
  ] as const)(
    'calls promoter’s own push of %s (the ledger’s digest) its own, and records nothing',
    async (tag, which) => {
      const t = await promotedRepository();
      const check = await t.check(tag, t[which]);
      expect(check.kind).toBe('ours');
      expect(t.published).toEqual([]);
      expect(
        (await t.deps.promotions.listHistory(repo, { limit: 50 })).outcomes.some(
          (o) => o.outcome === 'drift',
        ),
      ).toBe(false);
    },
  );

  it('reports another digest pushed under the immutable 1.2.3 as drift: recorded once, announced, left alone by default', async () => {
    const t = await promotedRepository();
    t.push('1.2.3', t.c);
    const check = await t.check('1.2.3', t.c);
    expect(check.kind).toBe('drift');
    const expected = {
      outcome: 'drift',
      stage: 'release',
      tags: ['1.2.3'],
      digest: t.c,
      previousDigest: t.a,
      restored: false,
      actor: 'mallory',
      messageId: 'drift:event-1.2.3',
      reason: `1.2.3 was moved by mallory from the promoted ${t.a} to ${t.c}; set "restoreOnDrift": true to have promoter put it back`,
    };
    expect(t.published).toMatchObject([expected]);
    expect(await t.deps.promotions.getOutcome(repo, 'drift:event-1.2.3')).toMatchObject(expected);
    expect(t.tag('1.2.3')).toBe(t.c);

    await t.check('1.2.3', t.c); // the registry redelivers the event
    const drifts = (await t.deps.promotions.listHistory(repo, { limit: 50 })).outcomes.filter(
      (o) => o.outcome === 'drift',
    );
    expect(drifts).toHaveLength(1);
  });

  it.each(['1.2.3', 'dev-latest', 'release-latest'])(
    'puts %s back on the ledger’s digest with restoreOnDrift, and the echo of that write is its own',
    async (tag) => {
      const t = await promotedRepository(true);
      const ledgerDigest = t.tag(tag) ?? '';
      t.push(tag, t.c);
      const check = await t.check(tag, t.c);
      expect(check).toMatchObject({ kind: 'drift', event: { restored: true } });
      expect(t.tag(tag)).toBe(ledgerDigest);
      expect((await t.check(tag, ledgerDigest, 'echo')).kind).toBe('ours');
    },
  );

  it('reports a push of a version promoter never promoted, with nothing to restore', async () => {
    const t = await promotedRepository(true);
    t.push('2.0.0', t.c);
    const check = await t.check('2.0.0', t.c);
    expect(check).toMatchObject({
      kind: 'drift',
      event: {
        stage: 'release',
        restored: false,
        reason: `2.0.0 was pushed by mallory to ${t.c}, but promoter never promoted anything as 2.0.0`,
      },
    });
    expect(t.tag('2.0.0')).toBe(t.c);
  });

  it('calls a late event stale when the registry holds the ledger’s digest again', async () => {
    const t = await promotedRepository();
    // dev-latest went a → b; the event of the write of a arrives only now.
    const check = await t.check('dev-latest', t.a);
    expect(check).toEqual({
      kind: 'stale',
      reason: "an earlier event: dev-latest holds the ledger's digest again",
    });
    expect(t.published).toEqual([]);
  });

  it('calls a stage tag that no longer exists stale', async () => {
    const t = await promotedRepository();
    expect((await t.check('1.2.3-rc7', t.c)).kind).toBe('stale');
  });

  it('calls the write of a promotion still in progress its own', async () => {
    const t = await promotedRepository();
    const { promotions } = t.deps;
    const state = await promotions.getRepositoryState(repo);
    await promotions.commit(repo, {
      expectedEtag: state.etag,
      heads: state.heads,
      counters: state.counters,
      promotions: [
        {
          repository: repo,
          stage: 'dev',
          digest: t.c,
          status: 'promoting',
          tags: ['dev-latest'],
          approvals: [],
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        },
      ],
    });
    t.push('dev-latest', t.c);
    expect(await t.check('dev-latest', t.c)).toMatchObject({ kind: 'ours' });
  });
});
