import { describe, expect, it } from 'vitest';
import {
  detectDriftOnPush,
  VISIBILITY_GRACE_MS,
  type DriftDeps,
} from '../../../src/app/push/detectDriftOnPush.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import type { Promotion } from '../../../src/domain/promotion.js';
import type { PromotionLedger } from '../../../src/ports/promotionLedger.js';
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
  const { promotions } = world;
  /** Someone else pushes `digest` under `t`, as skopeo would. */
  const push = (t: string, digest: string) => world.registry.tags.set(`${repo}:${t}`, digest);
  const check = (t: string, digest: string, eventId = `event-${t}`, at?: string) =>
    detectDriftOnPush({ eventId, repository: repo, tag: t, digest, pushedBy: 'mallory', at }, deps);
  const devPromotion = (digest: string, status: 'promoting' | 'promoted'): Promotion => ({
    repository: repo,
    stage: 'dev',
    digest,
    status,
    tags: ['dev-latest'],
    approvals: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(status === 'promoted' ? { promotedAt: now.toISOString() } : {}),
  });
  return {
    deps,
    registry: world.registry,
    a,
    b,
    c: world.registry.add(repo, 'manifest of c'),
    d: world.registry.add(repo, 'manifest of d'),
    tag: world.tag,
    push,
    check,
    published: world.published,
    /** What retagPromotion does first: a dev promotion committed `promoting`, then written. */
    startDev: async (digest: string) => {
      const state = await promotions.getRepositoryState(repo);
      await promotions.commit(repo, {
        expectedEtag: state.etag,
        heads: state.heads,
        promotions: [devPromotion(digest, 'promoting')],
      });
      push('dev-latest', digest);
    },
    /** What it does last: the promotion committed `promoted`, with the stage head. */
    finishDev: async (digest: string) => {
      const state = await promotions.getRepositoryState(repo);
      await promotions.commit(repo, {
        expectedEtag: state.etag,
        heads: {
          ...state.heads,
          dev: { stage: 'dev', digest, tags: ['dev-latest'], promotedAt: now.toISOString() },
        },
        promotions: [devPromotion(digest, 'promoted')],
      });
    },
    drifts: async () =>
      (await promotions.listHistory(repo, { limit: 50 })).outcomes.filter(
        (o) => o.outcome === 'drift',
      ),
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

  it('calls a late event of an earlier promotion stale: the registry holds another digest now', async () => {
    const t = await promotedRepository();
    // dev-latest went a → b; the event of the write of a arrives only now.
    const check = await t.check('dev-latest', t.a);
    expect(check).toEqual({
      kind: 'stale',
      reason: `an earlier write of promoter's (a dev promotion): dev-latest holds ${t.b} now`,
    });
    expect(t.published).toEqual([]);
  });

  it('reports a push under an rc tag promoter never allocated as drift, also when the registry no longer shows it', async () => {
    const t = await promotedRepository();
    const check = await t.check('1.2.3-rc7', t.c);
    expect(check).toMatchObject({
      kind: 'drift',
      event: {
        restored: false,
        reason: `1.2.3-rc7 was pushed by mallory to ${t.c}, but promoter never promoted anything as 1.2.3-rc7; the registry does not show it under 1.2.3-rc7 (it holds nothing), so nothing was put back`,
      },
    });
  });

  it('calls the write of a promotion still in progress its own', async () => {
    const t = await promotedRepository();
    await t.startDev(t.c);
    expect(await t.check('dev-latest', t.c)).toMatchObject({ kind: 'ours' });
  });
});

describe('detectDriftOnPush while promotions run back to back', () => {
  it.each([false, true])(
    'calls late events of earlier promotions promoter’s own while a newer one has written dev-latest but not its head (restoreOnDrift %s)',
    async (restoreOnDrift) => {
      const t = await promotedRepository(restoreOnDrift);
      await t.startDev(t.c); // written: the registry holds c, the head is still b
      for (const digest of [t.a, t.b, t.a, t.b])
        expect((await t.check('dev-latest', digest, `late-${digest}`)).kind).toBe('stale');
      expect((await t.check('dev-latest', t.c, 'own')).kind).toBe('ours');
      expect(t.tag('dev-latest')).toBe(t.c);
      expect(t.published).toEqual([]);
      expect(await t.drifts()).toEqual([]);
    },
  );

  it('calls an event read while its promotion commits the head promoter’s own (the check reads the state again)', async () => {
    const t = await promotedRepository();
    await t.startDev(t.c);
    // The promotion of c commits its head between the check's read of the state and its read of
    // c's promotions: the first read says b holds dev, the second that c's promotion is done.
    const { promotions } = t.deps;
    let finished = false;
    const hooked = async (repository: string, digest: string) => {
      if (!finished) {
        finished = true;
        await t.finishDev(t.c);
      }
      return promotions.listPromotionsOfDigest(repository, digest);
    };
    const racing = {
      ...t.deps,
      // The same ledger, with that one read hooked.
      promotions: Object.assign(Object.create(promotions) as PromotionLedger, {
        listPromotionsOfDigest: hooked,
      }),
    };
    const push = { eventId: 'own', repository: repo, tag: 'dev-latest', digest: t.c };
    expect((await detectDriftOnPush(push, racing)).kind).toBe('ours');
    expect(finished).toBe(true);
    expect(await t.drifts()).toEqual([]);
  });

  it('calls the registry’s old digest during a rollback promoter’s own until the rollback has moved the tags', async () => {
    const t = await promotedRepository();
    // A rollback of dev to a has pinned the head; dev-latest still holds b.
    const { promotions } = t.deps;
    const state = await promotions.getRepositoryState(repo);
    const head = state.heads.dev;
    if (!head) throw new Error('dev holds nothing');
    await promotions.commit(repo, {
      expectedEtag: state.etag,
      heads: {
        ...state.heads,
        dev: {
          ...head,
          digest: t.a,
          pinned: {
            by: 'alice',
            at: now.toISOString(),
            reason: 'r',
            messageId: 'rb-1',
            previousDigest: t.b,
          },
        },
      },
      promotions: [],
    });
    expect((await t.check('dev-latest', t.b, 'late-b')).kind).toBe('ours');
  });

  it.each([false, true])(
    'reports a hand move of dev-latest back onto an earlier dev build as drift (restoreOnDrift %s)',
    async (restoreOnDrift) => {
      const t = await promotedRepository(restoreOnDrift);
      t.push('dev-latest', t.a);
      const check = await t.check('dev-latest', t.a, 'hand');
      expect(check).toMatchObject({
        kind: 'drift',
        event: { digest: t.a, previousDigest: t.b, restored: restoreOnDrift },
      });
      expect(t.tag('dev-latest')).toBe(restoreOnDrift ? t.b : t.a);
    },
  );

  it('puts dev-latest back on the promotion in flight, not on the older head, when a hand move landed after its write', async () => {
    const t = await promotedRepository(true);
    await t.startDev(t.c);
    t.push('dev-latest', t.d);
    const check = await t.check('dev-latest', t.d, 'hand');
    expect(check).toMatchObject({ kind: 'drift', event: { previousDigest: t.b, restored: true } });
    expect(t.tag('dev-latest')).toBe(t.c);
    await t.finishDev(t.c);
    expect(t.tag('dev-latest')).toBe(
      (await t.deps.promotions.getRepositoryState(repo)).heads.dev?.digest,
    );
  });

  it('writes the newer promotion back when one landed between its reads and its restore', async () => {
    const t = await promotedRepository(true);
    t.push('dev-latest', t.d);
    let raced = false;
    t.registry.beforeCall = async (op) => {
      // The restore fetches b's manifest to write it: a whole promotion of c lands first.
      if (op !== 'getManifest' || raced) return;
      raced = true;
      await t.startDev(t.c);
      await t.finishDev(t.c);
    };
    const check = await t.check('dev-latest', t.d, 'hand');
    expect(raced).toBe(true);
    expect(check).toMatchObject({ kind: 'drift', event: { restored: true } });
    expect(t.tag('dev-latest')).toBe(t.c);
    expect((await t.deps.promotions.getRepositoryState(repo)).heads.dev?.digest).toBe(t.c);
  });
});

describe('detectDriftOnPush when the event comes before the registry shows the write', () => {
  it('records a hand move at once with the default pipeline', async () => {
    const t = await promotedRepository();
    t.push('dev-latest', t.c);
    t.registry.answerBefore(repo, 'dev-latest', t.b);
    const check = await t.check('dev-latest', t.c, 'hand', now.toISOString());
    expect(check).toMatchObject({
      kind: 'drift',
      event: { digest: t.c, previousDigest: t.b, restored: false },
    });
    expect(await t.drifts()).toHaveLength(1);
  });

  it('has the event redelivered with restoreOnDrift, then records and restores it once the registry shows it', async () => {
    const t = await promotedRepository(true);
    t.push('1.2.3', t.c);
    t.registry.answerBefore(repo, '1.2.3', t.a);
    await expect(t.check('1.2.3', t.c, 'hand', now.toISOString())).rejects.toThrow(
      /does not show .* under it yet/,
    );
    expect(await t.drifts()).toEqual([]);
    expect(t.tag('1.2.3')).toBe(t.c);

    const check = await t.check('1.2.3', t.c, 'hand', now.toISOString()); // the redelivery
    expect(check).toMatchObject({ kind: 'drift', event: { previousDigest: t.a, restored: true } });
    expect(t.tag('1.2.3')).toBe(t.a);
    // Delivered once more after the restore: the recorded drift, announced again.
    expect(await t.check('1.2.3', t.c, 'hand', now.toISOString())).toMatchObject({
      kind: 'drift',
    });
    expect(await t.drifts()).toHaveLength(1);
  });

  it('records an event still invisible past the grace as not restored', async () => {
    const t = await promotedRepository(true);
    const old = new Date(now.getTime() - VISIBILITY_GRACE_MS - 1000).toISOString();
    const check = await t.check('dev-latest', t.c, 'hand', old);
    expect(check).toMatchObject({ kind: 'drift', event: { restored: false } });
    expect(t.tag('dev-latest')).toBe(t.b);
  });
});
