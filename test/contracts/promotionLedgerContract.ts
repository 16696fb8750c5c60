import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { OutcomeEvent, RecordedApproval } from '../../src/domain/outcomeEvent.js';
import type { Promotion, StageHead } from '../../src/domain/promotion.js';
import type { PromotionCommit, PromotionLedger } from '../../src/ports/promotionLedger.js';
import { digestOf, minute } from './samples.js';

const REPO = 'team/app';
const iso = (n: number) => minute(n).toISOString();

function approvalOf(approverId: string, messageId: string): RecordedApproval {
  return {
    approverId,
    approverName: `${approverId} (name)`,
    decision: 'approve',
    at: iso(1),
    messageId,
    source: 'slack',
    comment: 'ship it',
  };
}

function promotionOf(overrides: Partial<Promotion> & { digest: string }): Promotion {
  return {
    repository: REPO,
    stage: 'rc',
    version: '1.2.3',
    status: 'promoted',
    tags: [],
    approvals: [],
    createdAt: iso(1),
    updatedAt: iso(2),
    ...overrides,
  };
}

function outcomeOf(
  messageId: string,
  at: number,
  overrides: Partial<OutcomeEvent> = {},
): OutcomeEvent {
  return {
    type: 'promotion.outcome',
    id: `outcome-${messageId}`,
    outcome: 'promoted',
    repository: REPO,
    stage: 'rc',
    version: '1.2.3',
    digest: digestOf('one'),
    gitShas: ['a'.repeat(40)],
    tags: ['1.2.3-rc1'],
    approvals: [approvalOf('alice', messageId)],
    required: 1,
    messageId,
    at: iso(at),
    ...overrides,
  };
}

const changeOf = (overrides: Partial<PromotionCommit> = {}): PromotionCommit => ({
  expectedEtag: undefined,
  heads: {},
  promotions: [],
  ...overrides,
});

const RC = { stage: 'rc', version: '1.2.3' };
const rc123 = (n: number) => ({ ...RC, n });

const committed = { kind: 'committed' };
const conflict = { kind: 'conflict' };

/** Commits `change` on top of the repository's state as read now. */
async function commitOnTop(
  ledger: PromotionLedger,
  change: Partial<PromotionCommit>,
  repository = REPO,
) {
  const state = await ledger.getRepositoryState(repository);
  return ledger.commit(
    repository,
    changeOf({ heads: state.heads, ...change, expectedEtag: state.etag }),
  );
}

/** What a reader sees of a promotion and an outcome. */
async function tracesOf(ledger: PromotionLedger, p: Promotion, messageId: string) {
  return {
    promotion: await ledger.getPromotion(p.repository, p),
    byTag: await Promise.all(p.tags.map((tag) => ledger.findPromotionByTag(p.repository, tag))),
    outcome: await ledger.getOutcome(p.repository, messageId),
  };
}

/** The message ids of every history page, following the cursors to the end. */
async function pageThrough(ledger: PromotionLedger, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listHistory(REPO, { limit, cursor });
    pages.push(page.outcomes.map((o) => o.messageId));
    cursor = page.nextCursor;
    if (pages.length > 50) throw new Error('listHistory never ends');
  } while (cursor !== undefined);
  return pages;
}

/** Promotions in a fixed order (the port leaves it unspecified). */
const byStage = (promotions: readonly Promotion[]) => {
  const key = (p: Promotion) => `${p.stage}|${p.version ?? ''}|${p.digest}`;
  return [...promotions].sort((a, b) => key(a).localeCompare(key(b)));
};

/**
 * What every `PromotionLedger` does (src/ports/promotionLedger.ts), stated once for the
 * in-memory fake and the Tables adapter. `makeLedger` gives an empty ledger of its own each
 * call.
 */
export function promotionLedgerContract(name: string, makeLedger: () => PromotionLedger): void {
  describe(`PromotionLedger contract: ${name}`, () => {
    it('answers an empty state without an etag, and finds nothing, in a repository it never saw', async () => {
      const ledger = makeLedger();
      const digest = digestOf('x');

      expect(await ledger.getRepositoryState(REPO)).toEqual({ heads: {}, etag: undefined });
      expect(await ledger.getCounter(REPO, RC)).toBe(0);
      expect(await ledger.getPromotion(REPO, { stage: 'dev', digest })).toBeUndefined();
      expect(await ledger.listPromotions(REPO)).toEqual([]);
      expect(await ledger.listPromotionsOfDigest(REPO, digest)).toEqual([]);
      expect(await ledger.findPromotionByTag(REPO, 'dev-latest')).toBeUndefined();
      expect(await ledger.getOutcome(REPO, 'm1')).toBeUndefined();
      expect(await ledger.listHistory(REPO, { limit: 5 })).toEqual({ outcomes: [] });
    });

    it('creates the state on a commit expecting none; a second such commit conflicts and changes nothing', async () => {
      const ledger = makeLedger();
      const head: StageHead = {
        stage: 'dev',
        digest: digestOf('a'),
        tags: ['dev-latest'],
        promotedAt: iso(2),
      };

      expect(
        await ledger.commit(REPO, changeOf({ heads: { dev: head }, counters: [rc123(1)] })),
      ).toEqual(committed);
      const state = await ledger.getRepositoryState(REPO);
      expect(state).toEqual({ heads: { dev: head }, etag: expect.any(String) as string });
      expect(await ledger.getCounter(REPO, RC)).toBe(1);

      expect(await ledger.commit(REPO, changeOf({ counters: [rc123(5)] }))).toEqual(conflict);
      expect(await ledger.getRepositoryState(REPO)).toEqual(state);
      expect(await ledger.getCounter(REPO, RC)).toBe(1);
    });

    it('commits on the etag as read and gives the state a new one; a commit on the stale etag conflicts and writes none of its rows', async () => {
      const ledger = makeLedger();
      await ledger.commit(REPO, changeOf());
      const read = await ledger.getRepositoryState(REPO);

      expect(
        await ledger.commit(REPO, changeOf({ expectedEtag: read.etag, counters: [rc123(1)] })),
      ).toEqual(committed);
      const now = await ledger.getRepositoryState(REPO);
      expect(now.etag).toEqual(expect.any(String));
      expect(now.etag).not.toBe(read.etag);

      const late = promotionOf({ digest: digestOf('late'), tags: ['1.2.3-rc2'] });
      const stale = changeOf({
        expectedEtag: read.etag,
        counters: [rc123(2)],
        promotions: [late],
        outcome: outcomeOf('late', 3),
      });
      expect(await ledger.commit(REPO, stale)).toEqual(conflict);
      expect(await ledger.getRepositoryState(REPO)).toEqual(now);
      expect(await ledger.getCounter(REPO, RC)).toBe(1);
      expect(await tracesOf(ledger, late, 'late')).toEqual({
        promotion: undefined,
        byTag: [undefined],
        outcome: undefined,
      });
      expect((await ledger.listHistory(REPO, { limit: 5 })).outcomes).toEqual([]);
    });

    it('keeps one rc counter per stage and version: a commit moves those it names (the last of a counter named twice) and keeps the others', async () => {
      const ledger = makeLedger();
      await commitOnTop(ledger, { counters: [rc123(2)] });
      await commitOnTop(ledger, { counters: [{ stage: 'rc', version: '1.2.4', n: 1 }] });
      await commitOnTop(ledger, { counters: [{ stage: 'beta', version: '1.2.3', n: 4 }] });
      await commitOnTop(ledger, { counters: [{ stage: 'nightly', n: 9 }] });
      await commitOnTop(ledger, { outcome: outcomeOf('m1', 1) });

      expect(await ledger.getCounter(REPO, RC)).toBe(2);
      expect(await ledger.getCounter(REPO, { stage: 'rc', version: '1.2.4' })).toBe(1);
      expect(await ledger.getCounter(REPO, { stage: 'beta', version: '1.2.3' })).toBe(4);
      expect(await ledger.getCounter(REPO, { stage: 'nightly' })).toBe(9);
      expect(await ledger.getCounter(REPO, { stage: 'nightly', version: '' })).toBe(9);
      expect(await ledger.getCounter(REPO, { stage: 'rc', version: '1.2.5' })).toBe(0);
      await commitOnTop(ledger, {
        counters: [rc123(3), { stage: 'rc', version: '1.2.6', n: 2 }, rc123(4)],
      });
      expect(await ledger.getCounter(REPO, RC)).toBe(4);
      expect(await ledger.getCounter(REPO, { stage: 'rc', version: '1.2.6' })).toBe(2);
      const odd = { stage: 'rc', version: '1.0.0+build/7 ü' };
      await commitOnTop(ledger, { counters: [{ ...odd, n: 3 }] });
      expect(await ledger.getCounter(REPO, odd)).toBe(3);
    });

    it('lets exactly one of two commits racing from the same read land', async () => {
      const ledger = makeLedger();
      const race = (etag: string | undefined) =>
        Promise.all(
          [1, 2].map((n) =>
            ledger.commit(REPO, changeOf({ expectedEtag: etag, counters: [rc123(n)] })),
          ),
        );

      const created = await race(undefined);
      const first = await ledger.getRepositoryState(REPO);
      const updated = await race(first.etag);

      for (const results of [created, updated])
        expect(results.map((r) => r.kind).sort()).toEqual(['committed', 'conflict']);
      const winner = updated.findIndex((r) => r.kind === 'committed') + 1;
      expect(await ledger.getCounter(REPO, RC)).toBe(winner);
    });

    it('conflicts when the outcome’s message id was recorded meanwhile, by a commit or by appendHistory, keeping the first outcome', async () => {
      const ledger = makeLedger();
      const m1 = outcomeOf('m1', 1);
      const drift = outcomeOf('drift:e1', 2, { outcome: 'drift', actor: 'mallory' });
      await ledger.commit(REPO, changeOf({ outcome: m1 }));
      await ledger.appendHistory(REPO, drift);
      const read = await ledger.getRepositoryState(REPO);
      const again = promotionOf({ digest: digestOf('again'), tags: ['1.2.3-rc9'] });

      for (const messageId of ['m1', 'drift:e1'])
        expect(
          await ledger.commit(
            REPO,
            changeOf({
              expectedEtag: read.etag,
              promotions: [again],
              outcome: outcomeOf(messageId, 5, { outcome: 'rejected' }),
            }),
          ),
        ).toEqual(conflict);

      expect(await ledger.getRepositoryState(REPO)).toEqual(read);
      expect(await tracesOf(ledger, again, 'm1')).toEqual({
        promotion: undefined,
        byTag: [undefined],
        outcome: m1,
      });
      expect(await ledger.getOutcome(REPO, 'drift:e1')).toEqual(drift);
      expect((await ledger.listHistory(REPO, { limit: 5 })).outcomes).toEqual([drift, m1]);
    });

    it('finds a committed outcome by its message id and in the history', async () => {
      const ledger = makeLedger();
      const pending = outcomeOf('m1', 2, {
        outcome: 'pending',
        required: 2,
        eligible: { ids: ['alice', 'bob'], groups: ['release-managers'] },
      });

      await ledger.commit(REPO, changeOf({ outcome: pending }));

      expect(await ledger.getOutcome(REPO, 'm1')).toEqual(pending);
      expect(await ledger.getOutcome(REPO, 'm2')).toBeUndefined();
      expect(await ledger.getOutcome('team', 'm1')).toBeUndefined();
      expect(await ledger.listHistory(REPO, { limit: 5 })).toEqual({ outcomes: [pending] });
    });

    it('finds a promotion by its key: stage, version (none for a version-less stage) and digest', async () => {
      const ledger = makeLedger();
      const digest = digestOf('one');
      const dev = promotionOf({ stage: 'dev', version: undefined, digest, tags: ['dev-latest'] });
      const rc = promotionOf({
        digest,
        status: 'promoting',
        tags: ['1.2.3-rc1'],
        n: 1,
        approvals: [approvalOf('alice', 'm1'), { ...approvalOf('bob', 'm2'), decision: 'reject' }],
        requestedBy: 'carol',
        reason: 'every field',
      });
      const rcNext = promotionOf({ digest, version: '1.3.0', status: 'pending' });
      await ledger.commit(REPO, changeOf({ promotions: [dev, rc, rcNext] }));

      expect(await ledger.getPromotion(REPO, { stage: 'dev', digest })).toEqual(dev);
      expect(await ledger.getPromotion(REPO, { stage: 'dev', version: '', digest })).toEqual(dev);
      expect(await ledger.getPromotion(REPO, { stage: 'rc', version: '1.2.3', digest })).toEqual(
        rc,
      );
      expect(await ledger.getPromotion(REPO, { stage: 'rc', version: '1.3.0', digest })).toEqual(
        rcNext,
      );
      for (const key of [
        { stage: 'rc', digest },
        { stage: 'rc', version: '1.2.4', digest },
        { stage: 'release', version: '1.2.3', digest },
        { stage: 'rc', version: '1.2.3', digest: digestOf('two') },
      ])
        expect(await ledger.getPromotion(REPO, key)).toBeUndefined();
      expect(await ledger.getPromotion('team', rc)).toBeUndefined();
    });

    it('replaces a promotion committed again under its key', async () => {
      const ledger = makeLedger();
      const pending = promotionOf({ digest: digestOf('one'), status: 'pending' });
      await ledger.commit(REPO, changeOf({ promotions: [pending] }));
      const promoted: Promotion = {
        ...pending,
        status: 'promoted',
        tags: ['1.2.3-rc1'],
        n: 1,
        promotedAt: iso(3),
      };

      expect(await commitOnTop(ledger, { promotions: [promoted] })).toEqual(committed);

      expect(await ledger.getPromotion(REPO, pending)).toEqual(promoted);
      expect(await ledger.listPromotions(REPO)).toEqual([promoted]);
      expect(await ledger.findPromotionByTag(REPO, '1.2.3-rc1')).toEqual(promoted);
    });

    it('finds a promotion by a tag it allocated; a tag committed on another promotion later finds that one', async () => {
      const ledger = makeLedger();
      const first = promotionOf({
        stage: 'dev',
        version: undefined,
        digest: digestOf('a'),
        tags: ['dev-latest'],
      });
      const rc = promotionOf({ digest: digestOf('a'), tags: ['1.2.3-rc1', 'rc-latest'] });
      await ledger.commit(REPO, changeOf({ promotions: [first, rc] }));

      expect(await ledger.findPromotionByTag(REPO, 'dev-latest')).toEqual(first);
      expect(await ledger.findPromotionByTag(REPO, '1.2.3-rc1')).toEqual(rc);
      expect(await ledger.findPromotionByTag(REPO, 'rc-latest')).toEqual(rc);
      expect(await ledger.findPromotionByTag(REPO, '1.2.3-rc2')).toBeUndefined();
      expect(await ledger.findPromotionByTag('team', 'dev-latest')).toBeUndefined();

      const next = { ...first, digest: digestOf('b') };
      await commitOnTop(ledger, { promotions: [next] });
      expect(await ledger.findPromotionByTag(REPO, 'dev-latest')).toEqual(next);
    });

    it('lists a digest’s promotions as last committed, one per stage and version, apart from a digest that shares its prefix', async () => {
      const ledger = makeLedger();
      const digest = digestOf('p');
      const pending = promotionOf({ digest, status: 'pending', version: '2.0.0' });
      const other = promotionOf({ digest, version: '2.0.1', tags: ['2.0.1-rc1'] });
      const longer = promotionOf({ digest: `${digest}0`, version: '2.0.0' });
      await ledger.commit(REPO, changeOf({ promotions: [pending, other, longer] }));
      const promoted: Promotion = { ...pending, status: 'promoted', tags: ['2.0.0-rc1'] };
      await commitOnTop(ledger, { promotions: [promoted] });

      expect(byStage(await ledger.listPromotionsOfDigest(REPO, digest))).toEqual([promoted, other]);
      expect(await ledger.listPromotionsOfDigest(REPO, `${digest}0`)).toEqual([longer]);
      expect(await ledger.listPromotionsOfDigest(REPO, digest.slice(0, 20))).toEqual([]);
    });

    it('lists the promotions of one digest, every stage, and none of another digest or repository', async () => {
      const ledger = makeLedger();
      const digest = digestOf('one');
      const dev = promotionOf({ stage: 'dev', version: undefined, digest });
      const rc = promotionOf({ digest, status: 'rejected', reason: 'no' });
      const release = promotionOf({ stage: 'release', digest, status: 'pending' });
      const other = promotionOf({ digest: digestOf('two') });
      await ledger.commit(REPO, changeOf({ promotions: [dev, rc, release, other] }));
      await ledger.commit('team', changeOf({ promotions: [{ ...dev, repository: 'team' }] }));

      expect(byStage(await ledger.listPromotionsOfDigest(REPO, digest))).toEqual([
        dev,
        rc,
        release,
      ]);
      expect(await ledger.listPromotionsOfDigest(REPO, digestOf('three'))).toEqual([]);
      expect(byStage(await ledger.listPromotions(REPO))).toEqual(
        byStage([dev, rc, release, other]),
      );
    });

    it('keeps repositories apart: another one’s state, etag, promotions and outcomes are not this one’s', async () => {
      const ledger = makeLedger();
      await ledger.commit(
        'team',
        changeOf({
          counters: [rc123(3)],
          promotions: [promotionOf({ repository: 'team', digest: digestOf('t'), tags: ['t1'] })],
          outcome: outcomeOf('m1', 1, { repository: 'team' }),
        }),
      );
      const team = await ledger.getRepositoryState('team');

      expect(await ledger.getRepositoryState(REPO)).toEqual({ heads: {}, etag: undefined });
      expect(await ledger.getCounter(REPO, RC)).toBe(0);
      expect(await ledger.getCounter('team', RC)).toBe(3);
      expect(await ledger.commit(REPO, changeOf({ expectedEtag: team.etag }))).toEqual(conflict);
      expect(await ledger.listPromotions(REPO)).toEqual([]);
      expect(await ledger.findPromotionByTag(REPO, 't1')).toBeUndefined();
      expect(await ledger.listHistory(REPO, { limit: 5 })).toEqual({ outcomes: [] });
      // The same message id is another message in another repository.
      expect(await ledger.commit(REPO, changeOf({ outcome: outcomeOf('m1', 2) }))).toEqual(
        committed,
      );
    });

    it('refuses a promotion or outcome of another repository with a ValidationError, writing nothing', async () => {
      const ledger = makeLedger();
      const stray = promotionOf({ repository: 'team', digest: digestOf('x'), tags: ['x1'] });

      await expect(ledger.commit(REPO, changeOf({ promotions: [stray] }))).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(
        ledger.commit(REPO, changeOf({ outcome: outcomeOf('m1', 1, { repository: 'team' }) })),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        ledger.appendHistory(REPO, outcomeOf('m2', 1, { repository: 'team' })),
      ).rejects.toBeInstanceOf(ValidationError);

      for (const repository of [REPO, 'team']) {
        expect((await ledger.getRepositoryState(repository)).etag).toBeUndefined();
        expect(await ledger.listPromotions(repository)).toEqual([]);
        expect(await ledger.listHistory(repository, { limit: 5 })).toEqual({ outcomes: [] });
      }
    });

    it('appends an event once: a second one with its message id is duplicate and changes nothing; the state is untouched', async () => {
      const ledger = makeLedger();
      const drift = outcomeOf('drift:e1', 5, {
        outcome: 'drift',
        tags: ['1.2.3'],
        previousDigest: digestOf('two'),
        restored: false,
        actor: 'mallory',
      });
      const promoted = outcomeOf('m1', 1);
      await ledger.commit(REPO, changeOf({ outcome: promoted }));
      const state = await ledger.getRepositoryState(REPO);

      expect(await ledger.appendHistory(REPO, drift)).toEqual({ kind: 'recorded' });
      expect(await ledger.appendHistory(REPO, { ...drift, id: 'again', at: iso(9) })).toEqual({
        kind: 'duplicate',
      });
      expect(await ledger.appendHistory(REPO, { ...promoted, outcome: 'failed' })).toEqual({
        kind: 'duplicate',
      });

      expect(await ledger.getOutcome(REPO, 'drift:e1')).toEqual(drift);
      expect(await ledger.getOutcome(REPO, 'm1')).toEqual(promoted);
      expect((await ledger.listHistory(REPO, { limit: 10 })).outcomes).toEqual([drift, promoted]);
      expect(await ledger.getRepositoryState(REPO)).toEqual(state);
    });

    it('records an appended event in a repository without state, and creates none', async () => {
      const ledger = makeLedger();
      const deleted = outcomeOf('retention:1', 1, { outcome: 'deleted', stage: 'dev' });

      expect(await ledger.appendHistory(REPO, deleted)).toEqual({ kind: 'recorded' });

      expect((await ledger.getRepositoryState(REPO)).etag).toBeUndefined();
      expect(await ledger.commit(REPO, changeOf())).toEqual(committed);
    });

    it.each([
      { outcomes: 5, limit: 2, pages: [2, 2, 1] },
      { outcomes: 4, limit: 2, pages: [2, 2] },
      { outcomes: 2, limit: 5, pages: [2] },
    ])(
      'lists $outcomes outcomes newest first by their time, whatever the order written, in pages of $limit',
      async ({ outcomes, limit, pages }) => {
        const ledger = makeLedger();
        // Written out of time order, by commits and appends alike.
        const order = [3, 0, 4, 1, 2].filter((m) => m < outcomes);
        for (const [i, m] of order.entries()) {
          const event = outcomeOf(`m${m}`, m);
          if (i % 2 === 0) await ledger.appendHistory(REPO, event);
          else await commitOnTop(ledger, { outcome: event });
        }

        const seen = await pageThrough(ledger, limit);

        expect(seen.map((p) => p.length)).toEqual(pages);
        expect(seen.flat()).toEqual(
          Array.from({ length: outcomes }, (_, i) => `m${outcomes - 1 - i}`),
        );
      },
    );

    it('starts the next history page after its cursor: an outcome recorded meanwhile is not repeated', async () => {
      const ledger = makeLedger();
      for (const m of [1, 2, 3, 4]) await ledger.appendHistory(REPO, outcomeOf(`m${m}`, m));
      const first = await ledger.listHistory(REPO, { limit: 2 });
      await ledger.appendHistory(REPO, outcomeOf('m5', 5));

      const second = await ledger.listHistory(REPO, { limit: 2, cursor: first.nextCursor });

      expect(first.outcomes.map((o) => o.messageId)).toEqual(['m4', 'm3']);
      expect(second.outcomes.map((o) => o.messageId)).toEqual(['m2', 'm1']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('pages through outcomes of the same millisecond without repeating or losing one', async () => {
      const ledger = makeLedger();
      const ids = ['s0', 's1', 's2', 's3', 's4'];
      for (const id of ids) await ledger.appendHistory(REPO, outcomeOf(id, 1));

      const seen = await pageThrough(ledger, 2);

      expect(seen.map((p) => p.length)).toEqual([2, 2, 1]);
      expect([...seen.flat()].sort()).toEqual(ids);
    });

    it.each(['not a cursor!', '', 'bm9wZQ'])(
      'rejects the history cursor %j, which it never handed out, with a ValidationError',
      async (cursor) => {
        const ledger = makeLedger();
        await ledger.appendHistory(REPO, outcomeOf('m1', 1));
        await expect(ledger.listHistory(REPO, { limit: 5, cursor })).rejects.toBeInstanceOf(
          ValidationError,
        );
      },
    );

    it.each([0, -1, 1.5, 1001])(
      'rejects the history page limit %j (1 to 1000) with a ValidationError',
      async (limit) => {
        const ledger = makeLedger();
        await expect(ledger.listHistory(REPO, { limit })).rejects.toBeInstanceOf(ValidationError);
      },
    );

    it('lists every pending promotion from its own range, whatever the history holds; one that is promoted or rejected leaves it', async () => {
      const ledger = makeLedger();
      const waiting = promotionOf({ digest: digestOf('wait'), status: 'pending' });
      const other = promotionOf({ digest: digestOf('other'), stage: 'release', status: 'pending' });
      const done = promotionOf({ digest: digestOf('done'), status: 'promoted' });
      await commitOnTop(ledger, {
        promotions: [waiting, other, done],
        outcome: outcomeOf('m0', 0, { outcome: 'pending' }),
      });
      // 150 newer outcomes: more than any page of the history a reader would look at.
      for (let m = 1; m <= 150; m++) await ledger.appendHistory(REPO, outcomeOf(`m${m}`, m));
      const team = { ...waiting, repository: 'team' };
      await commitOnTop(ledger, { promotions: [team] }, 'team');

      expect(byStage(await ledger.listPendingPromotions(REPO))).toEqual(byStage([waiting, other]));

      const promoted = { ...waiting, status: 'promoted' as const, tags: ['1.2.3-rc1'] };
      const rejected = { ...other, status: 'rejected' as const, reason: 'no' };
      expect(await commitOnTop(ledger, { promotions: [promoted] })).toEqual(committed);
      expect(await ledger.listPendingPromotions(REPO)).toEqual([other]);
      // Committed again as it is (not pending, no copy left): still nothing to remove.
      expect(await commitOnTop(ledger, { promotions: [promoted, rejected] })).toEqual(committed);
      expect(await ledger.listPendingPromotions(REPO)).toEqual([]);
      expect(await ledger.listPendingPromotions('team')).toEqual([team]);
      expect(await ledger.getPromotion(REPO, waiting)).toEqual(promoted);
    });

    it('keeps a pending promotion listed when a commit that would move it on conflicts', async () => {
      const ledger = makeLedger();
      const waiting = promotionOf({ digest: digestOf('wait'), status: 'pending' });
      await commitOnTop(ledger, { promotions: [waiting] });
      const stale = await ledger.getRepositoryState(REPO);
      await commitOnTop(ledger, { counters: [rc123(1)] });

      const moved = await ledger.commit(
        REPO,
        changeOf({ expectedEtag: stale.etag, promotions: [{ ...waiting, status: 'promoted' }] }),
      );

      expect(moved).toEqual(conflict);
      expect(await ledger.listPendingPromotions(REPO)).toEqual([waiting]);
    });

    it('lists dead letters (failed outcomes, appended or committed) newest first, however many newer outcomes there are, paged', async () => {
      const ledger = makeLedger();
      const failed = (m: number) => outcomeOf(`dead${m}`, m, { outcome: 'failed', reason: 'x' });
      await ledger.appendHistory(REPO, failed(1));
      await commitOnTop(ledger, { outcome: failed(2) });
      await ledger.appendHistory(REPO, failed(3));
      for (let m = 4; m <= 150; m++) await ledger.appendHistory(REPO, outcomeOf(`m${m}`, m));
      await ledger.appendHistory('team', { ...failed(5), repository: 'team' });

      const first = await ledger.listDeadLetters(REPO, { limit: 2 });
      const second = await ledger.listDeadLetters(REPO, { limit: 2, cursor: first.nextCursor });

      expect(first.outcomes).toEqual([failed(3), failed(2)]);
      expect(second).toEqual({ outcomes: [failed(1)] });
      expect((await ledger.listDeadLetters(REPO, { limit: 1000 })).outcomes).toHaveLength(3);
      // A duplicate append records no second dead letter.
      expect(await ledger.appendHistory(REPO, failed(1))).toEqual({ kind: 'duplicate' });
      expect((await ledger.listDeadLetters(REPO, { limit: 10 })).outcomes).toHaveLength(3);
      await expect(ledger.listDeadLetters(REPO, { limit: 0 })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(
        ledger.listDeadLetters(REPO, { limit: 5, cursor: 'not a cursor!' }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
