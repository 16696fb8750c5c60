import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { partitionKeyOf } from '../../src/adapters/tables/tablesKeys.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { automaticPromotionId } from '../../src/app/push/requestAutomaticPromotion.js';
import { runCli } from '../../src/cli/runCli.js';
import { buildsTableName, promotionsTableName } from '../../src/composition/azureClients.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { buildImage, inspectDigest, push } from '../support/images.js';
import {
  startDroppingProxy,
  startOwnRegistry,
  type DroppingProxy,
} from '../support/ownRegistry.js';
import { newSha, stack, unique } from '../support/stack.js';

// The reconciler end to end, on registries of this file's own (the suite's registry notifies
// the suite's host, which would record and promote what these tests want lost):
// - `silent` sends no notification at all: promoter learns of its pushes only by reconciling;
// - `lossy` notifies its host through a proxy that loses the deliveries of chosen builds.
// Three hosts: one per registry with the timer off (the tests run `promoter reconcile`), and
// one on `silent` whose timer reconciles one repository every second.

const tables = inject('tablesConnectionString');
const silentPrefix = `rsilent${randomBytes(3).toString('hex')}`;
const lossyPrefix = `rlossy${randomBytes(3).toString('hex')}`;
const timerRepo = unique('reconcile/timer');
/** Builds whose deliveries the proxy loses (their tags are added before they are pushed). */
const lost = new Set<string>();

let work: string;
let silent: RegistryService;
let lossy: RegistryService;
let proxy: DroppingProxy;
let silentHost: LocalHost;
let timerHost: LocalHost;
let lossyHost: LocalHost;

const hostEnv = (prefix: string, registry: string) => ({
  PROMOTER_TABLES_CONNECTION_STRING: tables,
  PROMOTER_TABLE_PREFIX: prefix,
  PROMOTER_WEBHOOK_SECRET: stack.secret,
  PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
  PROMOTER_REGISTRY: registry,
  PROMOTER_RECONCILE_ENABLED: 'false',
});

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-reconcile-'));
  proxy = await startDroppingProxy((tag) => lost.has(tag));
  [silent, lossy] = await Promise.all([
    startOwnRegistry(path.join(work, 'silent'), undefined),
    startOwnRegistry(path.join(work, 'lossy'), { url: proxy.url, secret: stack.secret }),
  ]);
  const log = () => undefined;
  [silentHost, timerHost, lossyHost] = await Promise.all([
    startLocalHost({ port: await freePort(), env: hostEnv(silentPrefix, silent.host), log }),
    startLocalHost({
      port: await freePort(),
      env: {
        ...hostEnv(silentPrefix, silent.host),
        PROMOTER_RECONCILE_ENABLED: 'true',
        PROMOTER_RECONCILE_SCHEDULE: '* * * * * *',
        PROMOTER_RECONCILE_REPOSITORIES: timerRepo,
      },
      log,
    }),
    startLocalHost({ port: await freePort(), env: hostEnv(lossyPrefix, lossy.host), log }),
  ]);
  proxy.target = `${lossyHost.url}/api/hooks/registry`;
}, 60_000);

afterAll(async () => {
  await Promise.all([silentHost.close(), timerHost.close(), lossyHost.close()]);
  await Promise.all([silent.stop(), lossy.stop(), proxy.close()]);
  await rm(work, { recursive: true, force: true });
});

const ledgers = (prefix: string) => {
  const client = (name: string) =>
    createTablesClient({ connectionString: tables, tableName: name });
  return {
    builds: createTablesBuildLedger({ client: client(buildsTableName(prefix)) }),
    promotions: createTablesPromotionLedger({ client: client(promotionsTableName(prefix)) }),
    buildsTable: client(buildsTableName(prefix)),
  };
};

/** CI's push: a new image as `<repository>:git-<sha>` in `registry`, by skopeo. */
async function pushTo(registry: RegistryService, repository: string, sha = newSha()) {
  const image = await buildImage(path.join(work, unique('b')), { content: `image ${sha}` });
  const digest = await push(
    image.reference,
    `${registry.host}/${repository}:git-${sha}`,
    stack.certDir,
  );
  return { sha, digest };
}

async function tagOf(registry: RegistryService, repository: string, tag: string) {
  try {
    return await inspectDigest(`${registry.host}/${repository}:${tag}`, stack.certDir);
  } catch (error) {
    if (/manifest unknown|not found/i.test(String(error))) return undefined;
    throw error;
  }
}

/** Polls until `check` holds. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function promoter(host: LocalHost, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { PROMOTER_URL: host.url },
    cwd: work,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The dev promotions of each digest in a repository. */
async function devPromotions(prefix: string, repository: string) {
  const all = await ledgers(prefix).promotions.listPromotions(repository);
  const byDigest = new Map<string, string[]>();
  for (const p of all.filter((x) => x.stage === 'dev'))
    byDigest.set(p.digest, [...(byDigest.get(p.digest) ?? []), p.status]);
  return byDigest;
}

describe('the reconciler', () => {
  it('records a build pushed to a registry that sends no notification, after `promoter reconcile`, and it reaches dev-latest', async () => {
    const repo = unique('reconcile/silent');
    const { sha, digest } = await pushTo(silent, repo);
    const { builds } = ledgers(silentPrefix);
    expect(await builds.getBuildByDigest(repo, digest)).toBeUndefined();

    const { code, stdout } = await promoter(silentHost, 'reconcile', '--repository', repo);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`recorded\\s+git-${sha}`));
    expect(stdout).toContain('who pushed it is unknown');
    expect(await builds.getBuildByDigest(repo, digest)).toMatchObject({ gitShas: [sha] });
    await eventually(
      'dev-latest on the build',
      async () => (await tagOf(silent, repo, 'dev-latest')) === digest,
    );
    const history = await fetch(`${silentHost.url}/api/repositories/${repo}/history`);
    const { outcomes } = (await history.json()) as {
      outcomes: { outcome: string; reason?: string }[];
    };
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['promoted', 'reconciled']);
  });

  it('records it after the timer’s next run too, and it reaches dev-latest', async () => {
    const { digest } = await pushTo(silent, timerRepo);

    await eventually(
      'dev-latest on the build',
      async () => (await tagOf(silent, timerRepo, 'dev-latest')) === digest,
    );

    const build = await ledgers(silentPrefix).builds.getBuildByDigest(timerRepo, digest);
    expect(build?.pushedBy).toBeUndefined();
  });

  it('--dry-run lists what it would do and changes nothing', async () => {
    const repo = unique('reconcile/dry');
    const { sha, digest } = await pushTo(silent, repo);

    const { code, stdout } = await promoter(
      silentHost,
      'reconcile',
      '--dry-run',
      '--repository',
      repo,
    );

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`would record\\s+git-${sha}`));
    expect(stdout).toContain('nothing was changed');
    await silentHost.queue.idle();
    expect(await ledgers(silentPrefix).builds.getBuildByDigest(repo, digest)).toBeUndefined();
    expect(await tagOf(silent, repo, 'dev-latest')).toBeUndefined();
    const history = await fetch(`${silentHost.url}/api/repositories/${repo}/history`);
    expect(((await history.json()) as { outcomes: unknown[] }).outcomes).toEqual([]);
  });

  it('with 30% of webhook deliveries lost, ends with every build recorded once, the newest on dev-latest, and dev never moved back', async () => {
    const repo = unique('reconcile/lossy');
    const shas = Array.from({ length: 10 }, () => newSha());
    // Deterministic: the deliveries of the 1st, 4th and 10th build are lost.
    for (const i of [0, 3, 9]) lost.add(`git-${shas[i] ?? ''}`);
    const pushed: { sha: string; digest: string }[] = [];
    for (const sha of shas) pushed.push(await pushTo(lossy, repo, sha));
    const { builds } = ledgers(lossyPrefix);
    const recorded = async () =>
      (await builds.listBuilds(repo, { limit: 100 })).builds.map((b) => b.digest);
    await eventually(
      'the 7 delivered builds recorded',
      async () => (await recorded()).length === 7,
    );
    await eventually(
      'their dev promotions done',
      async () => (await devPromotions(lossyPrefix, repo)).size === 7,
    );
    await lossyHost.queue.idle();
    expect(proxy.dropped.filter((tags) => tags.some((t) => lost.has(t)))).toHaveLength(3);
    const ninth = pushed[8];
    const newest = pushed[9];
    expect(await tagOf(lossy, repo, 'dev-latest')).toBe(ninth?.digest);

    const { code, stdout } = await promoter(lossyHost, 'reconcile', '--repository', repo);
    await eventually(
      'the newest build on dev-latest',
      async () => (await tagOf(lossy, repo, 'dev-latest')) === newest?.digest,
    );
    await lossyHost.queue.idle();
    const again = await promoter(lossyHost, 'reconcile', '--repository', repo);
    await lossyHost.queue.idle();

    expect(code).toBe(0);
    expect(stdout).toContain(
      `not promoted to dev: older than the dev head git-${ninth?.sha ?? ''}`,
    );
    expect(again.stdout).toContain('registry and ledger agree: nothing to do');
    expect((await recorded()).sort()).toEqual(pushed.map((p) => p.digest).sort());
    const dev = await devPromotions(lossyPrefix, repo);
    // The two lost builds older than the dev head are recorded, not promoted: dev moved forward only.
    for (const [i, { digest }] of pushed.entries())
      expect(dev.get(digest)).toEqual(i === 0 || i === 3 ? undefined : ['promoted']);
    expect(await tagOf(lossy, repo, 'dev-latest')).toBe(newest?.digest);
    const history = await fetch(`${lossyHost.url}/api/repositories/${repo}/history?limit=100`);
    const { outcomes } = (await history.json()) as {
      outcomes: { outcome: string; digest: string; reason?: string }[];
    };
    const reconciled = outcomes.filter((o) => o.outcome === 'reconciled');
    expect(reconciled).toHaveLength(3);
    for (const i of [0, 3])
      expect(reconciled.find((o) => o.digest === pushed[i]?.digest)?.reason).toContain(
        'not promoted to dev: older than the dev head',
      );
    expect(outcomes.filter((o) => o.outcome === 'promoted')).toHaveLength(8);
  }, 90_000);

  it('asks again for the dev promotion of a build recorded half an hour ago whose request was lost, under the id the push asked with, once', async () => {
    const repo = unique('reconcile/lostrequest');
    const { sha, digest } = await pushTo(silent, repo);
    // The webhook recorded it 31 minutes ago, then the queue send failed (and ACR never retries).
    const { builds, promotions } = ledgers(silentPrefix);
    const eventId = `acr-event-${newSha().slice(0, 12)}`;
    const recordedAt = new Date(Date.now() - 31 * 60_000);
    await builds.recordBuild({
      eventId,
      repository: repo,
      digest,
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: silent.host,
      at: recordedAt,
      pushedAt: recordedAt.toISOString(),
    });
    const id = automaticPromotionId('dev', repo, eventId);

    const { code, stdout } = await promoter(silentHost, 'reconcile', '--repository', repo);
    await eventually(
      'dev-latest on the build',
      async () => (await tagOf(silent, repo, 'dev-latest')) === digest,
    );
    await silentHost.queue.idle();
    const again = await promoter(silentHost, 'reconcile', '--repository', repo);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`asked for again\\s+git-${sha}`));
    expect(stdout).toContain(id);
    expect(await promotions.getOutcome(repo, id)).toMatchObject({ outcome: 'promoted', digest });
    expect(again.stdout).toContain('registry and ledger agree: nothing to do');
    expect(await devPromotions(silentPrefix, repo)).toEqual(new Map([[digest, ['promoted']]]));
  });

  it('brings back builds whose ledger rows were lost (as with a kill of Azurite’s last seconds), and promotes none twice', async () => {
    const repo = unique('reconcile/lostrows');
    const pushed: { sha: string; digest: string }[] = [];
    for (let i = 0; i < 4; i += 1) pushed.push(await pushTo(lossy, repo));
    const { builds, buildsTable } = ledgers(lossyPrefix);
    await eventually(
      '4 dev promotions',
      async () => (await devPromotions(lossyPrefix, repo)).size === 4,
    );
    await lossyHost.queue.idle();
    // Azurite saves on an interval: the last two builds' rows (and every event marker) go.
    const gone = pushed.slice(2).map((p) => p.digest);
    const filter = odata`PartitionKey eq ${partitionKeyOf(repo)}`;
    for await (const row of buildsTable.listEntities({ queryOptions: { filter } })) {
      const key = row.rowKey ?? '';
      if (gone.some((d) => key.endsWith(d)) || key.startsWith('event|'))
        await buildsTable.deleteEntity(row.partitionKey ?? '', key);
    }
    for (const digest of gone) expect(await builds.getBuildByDigest(repo, digest)).toBeUndefined();

    const { code, stdout } = await promoter(lossyHost, 'reconcile', '--repository', repo);
    await lossyHost.queue.idle();

    expect(code).toBe(0);
    for (const { sha, digest } of pushed.slice(2)) {
      expect(stdout).toContain(`git-${sha}`);
      expect(await builds.getBuildByDigest(repo, digest)).toMatchObject({ gitShas: [sha] });
    }
    const dev = await devPromotions(lossyPrefix, repo);
    for (const { digest } of pushed) expect(dev.get(digest)).toEqual(['promoted']);
  }, 60_000);
});
