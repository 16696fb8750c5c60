import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { promotionsTableName } from '../../src/composition/azureClients.js';
import type { PromotionLedger } from '../../src/ports/promotionLedger.js';
import { legacyCounters, seedLegacyState } from '../support/legacyPromotionState.js';
import { approve, outcomeOf, pushBuild, tagDigest, unique } from '../support/stack.js';

// rc counters for years: the state row once kept every counter in one property, and the
// 2,118th rc version of a repository failed for good (the property passed 64 KiB). Counters
// are rows of their own now; ledgers of the old format are moved on the first write.

let work: string;
/** A repository whose 2,998 rc versions were promoted already. */
const big = unique('rc3000');
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-counters-'));
  await seedRcCounters(createTablesPromotionLedger({ client: client() }), big, 2998);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The suite host's promotions table. */
const client = () =>
  createTablesClient({
    connectionString: inject('tablesConnectionString'),
    tableName: promotionsTableName(inject('tablePrefix')),
  });

/** Counters one seeding commit moves (with the state row: a transaction's 100 rows). */
const PER_COMMIT = 99;

/**
 * Records, through the port as promotions would (but `PER_COMMIT` versions per commit, to
 * seed fast), that rc versions `1.0.0` to `1.0.<count - 1>` were promoted: each version's
 * counter at 1. (Their promotion rows are rows of their own, bounded whatever their number;
 * the counters are what once piled up in the state row.)
 */
async function seedRcCounters(ledger: PromotionLedger, repository: string, count: number) {
  for (let from = 0; from < count; from += PER_COMMIT) {
    const versions = Array.from(
      { length: Math.min(PER_COMMIT, count - from) },
      (_, i) => `1.0.${String(from + i)}`,
    );
    const state = await ledger.getRepositoryState(repository);
    const result = await ledger.commit(repository, {
      expectedEtag: state.etag,
      heads: state.heads,
      counters: versions.map((version) => ({ stage: 'rc', version, n: 1 })),
      promotions: [],
    });
    expect(result).toEqual({ kind: 'committed' });
  }
}

const approveRc = async (repository: string, sha: string, version: string) =>
  outcomeOf(
    repository,
    await approve({ repository, build: { gitSha: sha }, stage: 'rc', version }),
  );

describe('rc counters on the local stack', () => {
  it('promotes the 2,999th and 3,000th rc version of one repository, and numbers an old version on from its counter', async () => {
    const repo = big;
    const builds = [await pushBuild(work, repo), await pushBuild(work, repo)];

    for (const [i, build] of builds.entries()) {
      const version = `1.0.${String(2998 + i)}`;
      const outcome = await approveRc(repo, build.sha, version);
      expect(outcome).toMatchObject({
        outcome: 'promoted',
        tags: [`${version}-rc1`],
        digest: build.digest,
      });
      expect(await tagDigest(repo, `${version}-rc1`)).toBe(build.digest);
    }
    // 1.0.5's counter says 1: the next rc of it is rc2.
    const again = await approveRc(repo, builds[0]?.sha ?? '', '1.0.5');
    expect(again).toMatchObject({ outcome: 'promoted', tags: ['1.0.5-rc2'] });
    expect(again.reason).toBeUndefined();
  });

  it('promotes on a ledger of the old format (2,001 counters in the state row), numbering on from its counters', async () => {
    const repo = unique('legacy');
    const counters = { ...legacyCounters(2000), 'rc|4.2.0': 7 };
    await seedLegacyState(client(), repo, { counters });
    // The push's dev promotion is the first write: it moves the counters to their rows.
    const first = await pushBuild(work, repo);
    const second = await pushBuild(work, repo);

    expect(await approveRc(repo, first.sha, '4.2.0')).toMatchObject({
      outcome: 'promoted',
      tags: ['4.2.0-rc8'],
      digest: first.digest,
    });
    // 1.0.3's counter was 1 + 3 % 9 = 4.
    expect(await approveRc(repo, second.sha, '1.0.3')).toMatchObject({
      outcome: 'promoted',
      tags: ['1.0.3-rc5'],
      digest: second.digest,
    });
    expect(await tagDigest(repo, '4.2.0-rc8')).toBe(first.digest);
    const state = await client().getEntity(repo, 'state');
    expect(state['counters']).toBeUndefined();
  });
});
