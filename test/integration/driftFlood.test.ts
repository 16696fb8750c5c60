import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { promotionsTableName } from '../../src/composition/azureClients.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON, floatingTags, parsePipeline } from '../../src/domain/pipeline.js';
import type { Promotion } from '../../src/domain/promotion.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { startRegistry, type RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import type { PromotionLedger } from '../../src/ports/promotionLedger.js';
import type { Registry } from '../../src/ports/registry.js';
import { EventFlood } from '../support/eventFlood.js';
import { buildImage, push } from '../support/images.js';
import { approve, newSha } from '../support/stack.js';

// One repository flooded with builds on the real stack: a registry of its own, whose
// notifications go through an EventFlood (every event delivered three times, each copy up to a
// second late, shuffled, 16 concurrent senders) to a host on the run's Azurite, while approvals take builds on to rc and
// release. None of promoter's own writes may be reported as drift, and at the end every stage
// tag in the registry holds what the ledger says. Once with the default pipeline, once with
// restoreOnDrift (which would otherwise "restore" over newer promotions).

const BUILDS = 120;
const QUARTER = Math.floor(BUILDS / 4);
const COPIES = 3;
const SENDERS = 16;
const secret = randomBytes(16).toString('hex');

let work: string;
let registryService: RegistryService;
let registry: Registry;
let flood: EventFlood;
const hosts = new Map<string, { host: LocalHost; ledger: PromotionLedger }>();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-flood-'));
  flood = new EventFlood({
    webhookFor: (e) => {
      const host = hosts.get(e.target?.repository ?? '')?.host;
      return host && `${host.url}/api/hooks/registry`;
    },
    secret,
    copies: COPIES,
    senders: SENDERS,
    spreadMs: 1000,
  });
  registryService = await startRegistry({
    stateDir: path.join(work, 'registry'),
    port: await freePort(),
    notifyUrl: await flood.start(),
    notifyHeaders: {},
  });
  tls.setDefaultCACertificates([
    ...tls.getCACertificates('default'),
    readFileSync(registryService.certFile, 'utf8'),
  ]);
  registry = createAcrRegistry({ registry: registryService.host });
});
afterAll(async () => {
  // The sender stops first (its loops finish their deliveries), then the hosts it delivers to:
  // the other way round a copy still due reaches a closed host (ECONNREFUSED, an unhandled
  // rejection that fails the suite after both tests passed).
  await flood.stop();
  for (const { host } of hosts.values()) await host.close();
  await registryService.stop();
  await rm(work, { recursive: true, force: true });
});

/** A host of its own (own tables) for `repository`, with `restoreOnDrift` as given. */
async function hostFor(repository: string, restoreOnDrift: boolean) {
  const prefix = `flood${randomBytes(4).toString('hex')}`;
  const pipelineFile = path.join(work, `${repository}.pipeline.json`);
  await writeFile(pipelineFile, JSON.stringify({ ...DEFAULT_PIPELINE_JSON, restoreOnDrift }));
  const connectionString = inject('tablesConnectionString');
  const host = await startLocalHost({
    port: await freePort(),
    log: () => undefined,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: connectionString,
      PROMOTER_TABLE_PREFIX: prefix,
      PROMOTER_WEBHOOK_SECRET: secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: registryService.host,
      PROMOTER_PIPELINE_FILE: pipelineFile,
    },
  });
  const ledger = createTablesPromotionLedger({
    client: createTablesClient({ connectionString, tableName: promotionsTableName(prefix) }),
  });
  hosts.set(repository, { host, ledger });
  return { host, ledger };
}

/** Manifests of one image that differ by an annotation: as many builds as wanted, fast. */
async function buildMaker(repository: string) {
  const image = await buildImage(path.join(work, repository), { content: repository });
  const base = await push(
    image.reference,
    `${registryService.host}/${repository}:base`,
    registryService.certDir,
  );
  const { content, mediaType } = await registry.getManifest(repository, base);
  const json = JSON.parse(Buffer.from(content).toString('utf8')) as Record<string, unknown>;
  return async (i: number) => {
    const bytes = Buffer.from(JSON.stringify({ ...json, annotations: { 'flood.build': `${i}` } }));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await registry.putManifest(repository, `git-${newSha()}`, {
      content: bytes,
      mediaType,
      digest,
    });
    return digest;
  };
}

async function until(what: string, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const reached = async (ledger: PromotionLedger, repo: string, digest: string, stage: string) =>
  (await ledger.listPromotionsOfDigest(repo, digest)).some(
    (p) => p.stage === stage && p.status === 'promoted',
  );

/** Waits until nothing moves: every event delivered, every promotion done. */
async function settle(repository: string, host: LocalHost): Promise<void> {
  for (let round = 1; round <= 20; round++) {
    await flood.drained();
    await host.queue.idle();
    // The registry notifies in order: once this marker's event is here, so are those of every
    // write before it. Its tag is neither a build tag nor a stage tag.
    const marker = `marker-${randomBytes(3).toString('hex')}`;
    const base = await registry.resolveTag(repository, 'base');
    await registry.putManifest(
      repository,
      marker,
      await registry.getManifest(repository, base ?? ''),
    );
    await flood.until((e) => e.target?.repository === repository && e.target.tag === marker);
    await flood.drained();
    await host.queue.idle();
    if (flood.idle) return;
  }
  throw new Error(`${repository} kept moving after 20 rounds`);
}

async function allHistory(ledger: PromotionLedger, repository: string): Promise<OutcomeEvent[]> {
  const all: OutcomeEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listHistory(repository, { limit: 1000, cursor });
    all.push(...page.outcomes);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return all;
}

describe('a flood of pushes to one repository', () => {
  it.concurrent.for([false, true])(
    'reports no drift for promoter’s own writes, and leaves every stage tag on the ledger’s head (restoreOnDrift %s)',
    { timeout: 180_000 },
    async (restoreOnDrift, { expect }) => {
      const repo = `flood-${restoreOnDrift ? 'restore' : 'default'}-${randomBytes(3).toString('hex')}`;
      const { host, ledger } = await hostFor(repo, restoreOnDrift);
      const build = await buildMaker(repo);
      const digests: string[] = [];
      const pushAll = async (from: number, to: number) => {
        // Four pushes at a time, as parallel CI jobs would.
        for (let i = from; i < to; i += 4) {
          const batch = [];
          for (let j = i; j < Math.min(i + 4, to); j++) batch.push(build(j));
          digests.push(...(await Promise.all(batch)));
        }
      };
      const approveOnce = async (
        message: Record<string, unknown>,
        stage: string,
        digest: string,
      ) => {
        await approve({ repository: repo, ...message }, host.url);
        await until(`${digest} in ${stage}`, () => reached(ledger, repo, digest, stage));
      };

      // Builds keep coming while rc and release promotions of earlier ones run in between.
      await pushAll(0, QUARTER);
      const first = digests[0] ?? '';
      await until('the first build in dev', () => reached(ledger, repo, first, 'dev'));
      const rc1 = approveOnce(
        { build: { digest: first }, stage: 'rc', version: '1.0.0' },
        'rc',
        first,
      );
      await pushAll(QUARTER, 2 * QUARTER);
      await rc1;
      const release = approveOnce(
        { build: { tag: '1.0.0-rc1' }, stage: 'release', approver: { id: 'bob' } },
        'release',
        first,
      );
      const second = digests[QUARTER] ?? '';
      await until('a later build in dev', () => reached(ledger, repo, second, 'dev'));
      const rc2 = approveOnce(
        { build: { digest: second }, stage: 'rc', version: '1.0.0' },
        'rc',
        second,
      );
      await pushAll(2 * QUARTER, BUILDS);
      await Promise.all([release, rc2]);
      await settle(repo, host);

      // Every event went out at least COPIES times, and none was refused.
      const mine = flood.received.filter((e) => e.target?.repository === repo);
      expect(mine.length).toBeGreaterThan(2 * BUILDS); // each build's push and its dev-latest
      expect(flood.failures).toEqual([]);
      expect(host.queue.deadLetters()).toEqual([]);

      // No drift, neither answered nor recorded.
      const answered = flood.results.filter((r) => mine.some((e) => e.id === r.id));
      expect(answered.filter((r) => r.outcome === 'drift')).toEqual([]);
      const history = await allHistory(ledger, repo);
      expect(history.filter((o) => o.outcome === 'drift')).toEqual([]);
      expect(history.filter((o) => o.outcome === 'promoted' && o.stage === 'dev').length).toBe(
        BUILDS,
      );

      // Every stage tag in the registry holds what the ledger says.
      const state = await ledger.getRepositoryState(repo);
      const pipeline = parsePipeline(DEFAULT_PIPELINE_JSON);
      const expected = new Map<string, string>();
      for (const stage of pipeline.stages) {
        const head = state.heads[stage.name];
        for (const tag of floatingTags(stage)) if (head) expected.set(tag, head.digest);
      }
      const promoted = (await ledger.listPromotions(repo)).filter(
        (p: Promotion) => p.status === 'promoted' && p.stage !== 'dev',
      );
      for (const p of promoted) for (const tag of p.tags) expected.set(tag, p.digest);
      expect([...expected.keys()].sort()).toEqual(
        ['1.0.0', '1.0.0-rc1', '1.0.0-rc2', 'dev-latest', 'release-latest'].sort(),
      );
      for (const [tag, digest] of expected)
        expect(await registry.resolveTag(repo, tag), tag).toBe(digest);
      expect(state.heads.release?.digest).toBe(first);
    },
  );
});
