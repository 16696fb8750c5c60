import { createHash, randomUUID } from 'node:crypto';
import { RestError, type TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { TransientError, ValidationError } from '../../src/domain/errors.js';
import type { OutcomeEvent, RecordedApproval } from '../../src/domain/outcomeEvent.js';
import type { Promotion, StageHead } from '../../src/domain/promotion.js';
import { azuriteConnectionString } from '../../src/local/services/azurite.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import type { PromotionCommit, PromotionLedger } from '../../src/ports/promotionLedger.js';
/** The suite's Azurite (test/globalSetup.ts); each test uses a fresh table in it. */
const connectionString = () => inject('tablesConnectionString');

function newClient(): TableClient {
  const tableName = `p${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return createTablesClient({ connectionString: connectionString(), tableName });
}

const newStore = (): PromotionLedger => createTablesPromotionLedger({ client: newClient() });

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString();

function approval(approverId: string, messageId: string): RecordedApproval {
  return {
    approverId,
    approverName: `${approverId} (name)`,
    decision: 'approve',
    at: at(1),
    messageId,
    source: 'slack',
    comment: 'ship it',
  };
}

function promotion(overrides: Partial<Promotion> & { digest: string }): Promotion {
  return {
    repository: 'myapp',
    stage: 'rc',
    version: '1.2.3',
    status: 'promoted',
    tags: [],
    approvals: [],
    createdAt: at(1),
    updatedAt: at(2),
    ...overrides,
  };
}

function outcome(messageId: string, minute: number, repository = 'myapp'): OutcomeEvent {
  return {
    type: 'promotion.outcome',
    id: `outcome-${messageId}`,
    outcome: 'promoted',
    repository,
    stage: 'rc',
    version: '1.2.3',
    digest: digestOf('one'),
    tags: ['1.2.3-rc1'],
    approvals: [approval('alice', messageId)],
    required: 1,
    messageId,
    at: at(minute),
  };
}

const RC = { stage: 'rc', version: '1.2.3' };
const rc123 = (n: number) => ({ ...RC, n });

function change(overrides: Partial<PromotionCommit> = {}): PromotionCommit {
  return { expectedEtag: undefined, heads: {}, promotions: [], ...overrides };
}

/** What a commit left behind, as a reader sees it. */
async function traces(store: PromotionLedger, repository: string, p: Promotion, messageId: string) {
  return {
    promotion: await store.getPromotion(repository, p),
    byTag: await Promise.all(p.tags.map((tag) => store.findPromotionByTag(repository, tag))),
    outcome: await store.getOutcome(repository, messageId),
    history: (await store.listHistory(repository, { limit: 10 })).outcomes,
  };
}

describe('Tables promotion store on Azurite', () => {
  it('answers an empty state, and nothing found, for a repository it never saw', async () => {
    const store = newStore();
    expect(await store.getRepositoryState('myapp')).toEqual({
      heads: {},
      etag: undefined,
    });
    expect(await store.getPromotion('myapp', { stage: 'dev', digest: digestOf('x') })).toBe(
      undefined,
    );
    expect(await store.listPromotionsOfDigest('myapp', digestOf('x'))).toEqual([]);
    expect(await store.findPromotionByTag('myapp', 'dev-latest')).toBeUndefined();
    expect(await store.getOutcome('myapp', 'm1')).toBeUndefined();
    expect(await store.listHistory('myapp', { limit: 5 })).toEqual({ outcomes: [] });
  });

  it('appends an event to the history once, findable by its message id, without touching the state', async () => {
    const store = newStore();
    const drift: OutcomeEvent = {
      ...outcome('drift:event-1', 5),
      outcome: 'drift',
      tags: ['1.2.3'],
      previousDigest: digestOf('two'),
      restored: false,
      actor: 'mallory',
    };
    expect(await store.appendHistory('myapp', drift)).toEqual({ kind: 'recorded' });
    expect(await store.appendHistory('myapp', { ...drift, id: 'again', at: at(9) })).toEqual({
      kind: 'duplicate',
    });
    expect(await store.getOutcome('myapp', 'drift:event-1')).toEqual(drift);
    expect((await store.listHistory('myapp', { limit: 10 })).outcomes).toEqual([drift]);
    expect((await store.getRepositoryState('myapp')).etag).toBeUndefined();
  });

  it('lists every promotion of a repository, any stage and status, and only that repository', async () => {
    const store = newStore();
    const dev = promotion({
      stage: 'dev',
      version: undefined,
      digest: digestOf('a'),
      tags: ['dev-latest'],
    });
    const rc = promotion({ digest: digestOf('b'), status: 'pending' });
    await store.commit('myapp', change({ promotions: [dev, rc] }));
    await store.commit('other', change({ promotions: [{ ...dev, repository: 'other' }] }));
    const listed = await store.listPromotions('myapp');
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(expect.arrayContaining([dev, rc]));
  });

  it('creates the state on the first commit; a commit with the stale etag conflicts and writes none of its rows', async () => {
    const store = newStore();
    const first = await store.commit('myapp', change({ counters: [rc123(1)] }));
    expect(first).toEqual({ kind: 'committed' });
    const state = await store.getRepositoryState('myapp');
    expect(await store.getCounter('myapp', RC)).toBe(1);
    expect(state.etag).toEqual(expect.any(String));

    const next = change({ expectedEtag: state.etag });
    expect(await store.commit('myapp', next)).toEqual({ kind: 'committed' });
    const stale = promotion({ digest: digestOf('stale'), tags: ['1.2.3-rc2'] });
    const late = await store.commit(
      'myapp',
      change({
        expectedEtag: state.etag,
        counters: [rc123(2)],
        promotions: [stale],
        outcome: outcome('late', 3),
      }),
    );
    expect(late).toEqual({ kind: 'conflict' });
    expect(await store.getCounter('myapp', RC)).toBe(1);
    expect(await traces(store, 'myapp', stale, 'late')).toEqual({
      promotion: undefined,
      byTag: [undefined],
      outcome: undefined,
      history: [],
    });
  });

  it('conflicts when creating a state that another commit created first', async () => {
    const store = newStore();
    await store.commit('myapp', change());
    expect(await store.commit('myapp', change())).toEqual({ kind: 'conflict' });
  });

  it('conflicts when the outcome’s message id was recorded meanwhile, keeping the first outcome', async () => {
    const store = newStore();
    await store.commit('myapp', change({ outcome: outcome('m1', 1) }));
    const state = await store.getRepositoryState('myapp');
    const again = promotion({ digest: digestOf('again'), tags: ['1.2.3-rc9'] });
    const second = await store.commit(
      'myapp',
      change({
        expectedEtag: state.etag,
        promotions: [again],
        outcome: { ...outcome('m1', 2), outcome: 'rejected' },
      }),
    );

    expect(second).toEqual({ kind: 'conflict' });
    expect((await store.getRepositoryState('myapp')).etag).toBe(state.etag);
    expect(await traces(store, 'myapp', again, 'm1')).toEqual({
      promotion: undefined,
      byTag: [undefined],
      outcome: outcome('m1', 1),
      history: [outcome('m1', 1)],
    });
  });

  it('reads back the promotions, heads, counters, tags and outcomes it committed', async () => {
    const store = newStore();
    const digest = digestOf('one');
    const dev = promotion({
      stage: 'dev',
      version: undefined,
      digest,
      tags: ['dev-latest'],
      approvals: [approval('system', 'm0')],
      promotedAt: at(2),
    });
    const rc = promotion({
      digest,
      status: 'promoting',
      tags: ['1.2.3-rc1'],
      n: 1,
      approvals: [approval('alice', 'm1'), { ...approval('bob', 'm2'), decision: 'reject' }],
      requestedBy: 'carol',
      reason: 'testing every field',
    });
    const other = promotion({ stage: 'dev', version: undefined, digest: digestOf('two') });
    const head: StageHead = { stage: 'dev', digest, tags: ['dev-latest'], promotedAt: at(2) };
    await store.commit(
      'myapp',
      change({
        heads: { dev: head },
        counters: [rc123(1)],
        promotions: [dev, rc, other],
        outcome: outcome('m1', 2),
      }),
    );

    const state = await store.getRepositoryState('myapp');
    expect(state).toEqual({ heads: { dev: head }, etag: state.etag });
    expect(await store.getCounter('myapp', RC)).toBe(1);
    expect(await store.getPromotion('myapp', { stage: 'dev', digest })).toEqual(dev);
    expect(await store.getPromotion('myapp', { stage: 'rc', version: '1.2.3', digest })).toEqual(
      rc,
    );
    expect(await store.getPromotion('myapp', { stage: 'rc', version: '1.2.4', digest })).toBe(
      undefined,
    );
    const ofDigest = await store.listPromotionsOfDigest('myapp', digest);
    expect([...ofDigest].sort((a, b) => a.stage.localeCompare(b.stage))).toEqual([dev, rc]);
    expect(await store.findPromotionByTag('myapp', '1.2.3-rc1')).toEqual(rc);
    expect(await store.findPromotionByTag('myapp', 'dev-latest')).toEqual(dev);
    expect(await store.getOutcome('myapp', 'm1')).toEqual(outcome('m1', 2));

    // A floating tag moves to the promotion that holds it last.
    const moved = { ...other, tags: ['dev-latest'] };
    await store.commit('myapp', change({ expectedEtag: state.etag, promotions: [moved] }));
    expect(await store.findPromotionByTag('myapp', 'dev-latest')).toEqual(moved);
  });

  it('keeps ids and versions with characters keys forbid apart', async () => {
    const store = newStore();
    const digest = digestOf('odd');
    const plus = promotion({ digest, version: '1.2.3+build/7', tags: ['1.2.3-rc1'] });
    const hash = promotion({ digest, version: '1.2.3+build#7' });
    await store.commit(
      'myapp',
      change({ promotions: [plus, hash], outcome: outcome('a/b\\c#d?e', 1) }),
    );

    expect(await store.getPromotion('myapp', plus)).toEqual(plus);
    expect(await store.getPromotion('myapp', hash)).toEqual(hash);
    expect(await store.getOutcome('myapp', 'a/b\\c#d?e')).toEqual(outcome('a/b\\c#d?e', 1));
    expect(await store.getOutcome('myapp', 'a/b\\c#d?f')).toBeUndefined();
  });

  it.each([
    { outcomes: 7, limit: 3, pages: [3, 3, 1] },
    { outcomes: 6, limit: 3, pages: [3, 3] },
    { outcomes: 2, limit: 5, pages: [2] },
  ])(
    'lists $outcomes outcomes newest first in pages of $limit, nothing repeated or lost',
    async ({ outcomes, limit, pages }) => {
      const store = newStore();
      // Committed out of time order: the history follows the outcomes' times.
      const minutes = Array.from({ length: outcomes }, (_, i) => i).sort((a, b) =>
        digestOf(`order-${a}`).localeCompare(digestOf(`order-${b}`)),
      );
      for (const minute of minutes) {
        const { etag } = await store.getRepositoryState('myapp');
        await store.commit(
          'myapp',
          change({ expectedEtag: etag, outcome: outcome(`m${minute}`, minute) }),
        );
      }

      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listHistory('myapp', { limit, cursor });
        seen.push(page.outcomes.map((o) => o.messageId));
        cursor = page.nextCursor;
      } while (cursor !== undefined);

      expect(seen.map((p) => p.length)).toEqual(pages);
      expect(seen.flat()).toEqual(
        Array.from({ length: outcomes }, (_, i) => `m${outcomes - 1 - i}`),
      );
    },
  );

  it('rejects a bad history cursor, a builds cursor among them, and a bad limit with a ValidationError', async () => {
    const store = newStore();
    const ledger = createTablesBuildLedger({ client: newClient() });
    const digest = digestOf('b');
    for (const minute of [1, 2])
      await ledger.recordBuild({
        eventId: randomUUID(),
        repository: 'myapp',
        digest: digestOf(`b${minute}`),
        gitSha: 'a'.repeat(40),
        tag: `git-${String(minute)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'myacr.azurecr.io',
        at: new Date(at(minute)),
      });
    const buildsCursor = (await ledger.listBuilds('myapp', { limit: 1 })).nextCursor;
    expect(buildsCursor).toEqual(expect.any(String));

    for (const cursor of [
      'not a cursor!',
      '',
      buildsCursor,
      Buffer.from(`history|1|${digest}`).toString('base64url'),
    ])
      await expect(store.listHistory('myapp', { limit: 5, cursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
    await expect(store.listHistory('myapp', { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it.each([
    { from: 'no state yet', etag: false },
    { from: 'the same etag', etag: true },
  ])('commits exactly one of two concurrent commits from $from', async ({ etag }) => {
    const store = newStore();
    if (etag) await store.commit('myapp', change());
    const { etag: expectedEtag } = await store.getRepositoryState('myapp');
    const racers = ['a', 'b'].map((name) =>
      promotion({ digest: digestOf(name), tags: ['1.2.3-rc1'], n: 1 }),
    );
    const results = await Promise.all(
      racers.map((p, i) =>
        store.commit(
          'myapp',
          change({
            expectedEtag,
            counters: [rc123(1)],
            promotions: [p],
            outcome: outcome(`m${String(i)}`, i),
          }),
        ),
      ),
    );

    expect(results.map((r) => r.kind).sort()).toEqual(['committed', 'conflict']);
    const winner = racers[results.findIndex((r) => r.kind === 'committed')];
    expect(await store.findPromotionByTag('myapp', '1.2.3-rc1')).toEqual(winner);
    expect((await store.listHistory('myapp', { limit: 10 })).outcomes).toHaveLength(1);
  });

  it('keeps the nested repository team/backend apart from team', async () => {
    const store = newStore();
    const digest = digestOf('shared');
    const team = promotion({ repository: 'team', digest, tags: ['1.2.3-rc1'] });
    const backend = promotion({ repository: 'team/backend', digest, tags: ['1.2.3-rc1'], n: 1 });
    await store.commit(
      'team',
      change({
        counters: [rc123(1)],
        promotions: [team],
        outcome: outcome('m1', 1, 'team'),
      }),
    );
    await store.commit('team/backend', change({ counters: [rc123(7)], promotions: [backend] }));

    expect(await store.getCounter('team', RC)).toBe(1);
    expect(await store.getCounter('team/backend', RC)).toBe(7);
    expect(await store.findPromotionByTag('team/backend', '1.2.3-rc1')).toEqual(backend);
    expect(await store.listPromotionsOfDigest('team', digest)).toEqual([team]);
    expect(await store.getOutcome('team/backend', 'm1')).toBeUndefined();
    expect((await store.listHistory('team/backend', { limit: 5 })).outcomes).toEqual([]);
  });

  it('refuses, writing nothing, a commit beyond Table Storage’s limits', async () => {
    const store = newStore();
    const many = Array.from({ length: 60 }, (_, i) =>
      promotion({ digest: digestOf(`many-${String(i)}`), tags: [`1.2.3-rc${String(i + 1)}`] }),
    );
    await expect(store.commit('myapp', change({ promotions: many }))).rejects.toThrow(
      /^committing promotions of myapp: the commit needs 181 row writes .*at most 100 fit in one transaction/,
    );
    const approvals = Array.from({ length: 400 }, (_, i) =>
      approval(`approver-${String(i)}`, `m${String(i)}`),
    );
    const big = promotion({ digest: digestOf('big'), approvals });
    await expect(store.commit('myapp', change({ promotions: [big] }))).rejects.toThrow(
      /row promotion\|rc\|1\.2\.3\|sha256:[0-9a-f]{64}: property approvals is \d+ bytes, at most 65536/,
    );
    expect(await store.getRepositoryState('myapp')).toEqual({
      heads: {},
      etag: undefined,
    });
    expect(await store.listPromotionsOfDigest('myapp', digestOf('big'))).toEqual([]);
  });

  it('refuses a promotion of another repository with a ValidationError', async () => {
    const store = newStore();
    const stranger = promotion({ repository: 'other', digest: digestOf('x') });
    await expect(store.commit('myapp', change({ promotions: [stranger] }))).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('answers committed when its transaction landed but the answer was lost and the retry conflicted', async () => {
    const client = newClient();
    const store = createTablesPromotionLedger({ client });
    const submit = client.submitTransaction.bind(client);
    let lose = true;
    client.submitTransaction = async (actions) => {
      const response = await submit(actions);
      if (!lose) return response;
      lose = false;
      throw new RestError('The specified entity already exists.', {
        statusCode: 409,
        code: 'EntityAlreadyExists',
      });
    };

    expect(await store.commit('myapp', change({ outcome: outcome('m1', 1) }))).toEqual({
      kind: 'committed',
    });
    expect(await store.commit('myapp', change({ outcome: outcome('m2', 2) }))).toEqual({
      kind: 'conflict',
    });
  });

  it('throws a TransientError naming the operation within seconds when the store is unreachable', async () => {
    const port = await freePort();
    const client = createTablesClient({
      connectionString: azuriteConnectionString(port),
      tableName: 'closed',
    });
    const store = createTablesPromotionLedger({ client });
    const started = Date.now();
    const read = await store.getRepositoryState('myapp').catch((e: unknown) => e);
    const write = await store
      .commit('myapp', change({ outcome: outcome('m1', 1) }))
      .catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(read).toBeInstanceOf(TransientError);
    expect((read as Error).message).toMatch(
      /^reading the promotion state of myapp: ledger unavailable: .*ECONNREFUSED/,
    );
    expect(write).toBeInstanceOf(TransientError);
    expect((write as Error).message).toMatch(/^committing promotions of myapp: ledger unavailable/);
    expect((write as Error).cause).toBeDefined();
  });
});
