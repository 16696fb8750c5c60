import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { buildImage, inspectDigest, push } from '../support/images.js';
import { startOwnRegistry } from '../support/ownRegistry.js';
import { approve, newSha, outcomeOf, stack, unique } from '../support/stack.js';

// Rollback, status, history and the reconciler end to end on two real distribution registries:
// builds are pushed to the first (its notifications → this test's host); release is promoted
// into prod/<repository> of the second ("production"), which sends no notifications, so what
// happens there by hand only the reconciler can find.

let work: string;
let builds: RegistryService;
let production: RegistryService;
let host: LocalHost;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-two-registries-ops-'));
  const hostPort = await freePort();
  const notify = { url: `http://127.0.0.1:${hostPort}/api/hooks/registry`, secret: stack.secret };
  [builds, production] = await Promise.all([
    startOwnRegistry(path.join(work, 'builds'), notify),
    startOwnRegistry(path.join(work, 'production'), undefined),
  ]);
  const pipelineFile = path.join(work, 'two-registries.pipeline.json');
  writeFileSync(
    pipelineFile,
    JSON.stringify({
      registries: { [production.host]: { signIn: 'anonymous' } },
      stages: [
        { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
        { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
        {
          name: 'release',
          tag: '{version}',
          immutable: true,
          sameVersion: true,
          latest: 'release-latest',
          approval: { required: 1 },
          registry: production.host,
          repository: 'prod/{repository}',
        },
      ],
    }),
  );
  host = await startLocalHost({
    port: hostPort,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: builds.host,
      PROMOTER_PIPELINE_FILE: pipelineFile,
    },
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await host.close();
  await Promise.all([production.stop(), builds.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function promoter(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      PROMOTER_URL: host.url,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
    },
    cwd: work,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const digestAt = (ref: string) =>
  inspectDigest(ref, stack.certDir).catch((error: unknown) => {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN/i.test(String(error))) return undefined;
    throw error;
  });

async function waitFor(ref: string, digest: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await digestAt(ref).catch(() => undefined)) === digest) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${ref} is not ${digest}`);
}

/** A build pushed to the build registry, in dev, approved into rc and released into production. */
async function release(repo: string, version: string) {
  const sha = newSha();
  const image = await buildImage(path.join(work, unique('image')), { content: `image ${sha}` });
  const digest = await push(image.reference, `${builds.host}/${repo}:git-${sha}`, stack.certDir);
  await waitFor(`${builds.host}/${repo}:dev-latest`, digest);
  for (const stage of ['rc', 'release']) {
    const message = { repository: repo, build: { gitSha: sha }, stage, version };
    const outcome = await outcomeOf(repo, await approve(message, host.url), host.url);
    expect(outcome.outcome, outcome.reason).toBe('promoted');
  }
  return digest;
}

async function history(repo: string): Promise<OutcomeEvent[]> {
  const response = await fetch(`${host.url}/api/repositories/${repo}/history?limit=100`);
  return ((await response.json()) as { outcomes: OutcomeEvent[] }).outcomes;
}

describe('a stage kept in a second registry', () => {
  it('rolls back there: release-latest moves back in production only, and status and history show the full references', async () => {
    const repo = unique('myapp');
    const prod = `${production.host}/prod/${repo}`;
    const old = await release(repo, '1.2.2');
    const current = await release(repo, '1.2.3');
    expect(await digestAt(`${prod}:release-latest`)).toBe(current);

    const rolled = await promoter(
      'rollback',
      repo,
      '--stage',
      'release',
      '--to',
      '1.2.2',
      '--reason',
      '1.2.3 breaks checkout',
      '--as',
      'alice',
      '--wait',
      '20',
    );
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain(
      `rolled back ${repo} release 1.2.2: ${prod}:release-latest → ${old}`,
    );

    expect(await digestAt(`${prod}:release-latest`)).toBe(old);
    expect(await digestAt(`${prod}:1.2.2`)).toBe(old);
    expect(await digestAt(`${prod}:1.2.3`)).toBe(current);
    // Nothing of release's is written in the build registry.
    expect(await digestAt(`${builds.host}/${repo}:release-latest`)).toBeUndefined();
    expect(await digestAt(`${builds.host}/${repo}:1.2.2`)).toBeUndefined();

    const status = await promoter('status', repo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^release \\(pinned\\) +${prod}:1\\.2\\.2,${prod}:release-latest +1\\.2\\.2 `,
        'm',
      ),
    );
    expect(status.stdout).toMatch(new RegExp(`^rc +1\\.2\\.3-rc1 +1\\.2\\.3 `, 'm'));
    const shown = await promoter('history', repo);
    expect(shown.stdout.split('\n')[1]).toMatch(
      new RegExp(`rolled-back +release +${prod}:release-latest +sha256:\\w{12} +alice `),
    );
    expect((await history(repo))[0]).toMatchObject({
      outcome: 'rolled-back',
      digest: old,
      previousDigest: current,
      registry: production.host,
      stageRepository: `prod/${repo}`,
    });

    // The reconciler finds both registries as the ledger says: nothing to do.
    const reconciled = await promoter('reconcile', '--repository', repo);
    expect(reconciled.code, reconciled.stdout + reconciled.stderr).toBe(0);
    expect(reconciled.stdout).toContain('1 repository and 1 stage place elsewhere');
    expect(reconciled.stdout).toContain('registry and ledger agree: nothing to do');
  });

  it('a tag moved by hand in production, of which no event tells, is drift the reconciler finds there', async () => {
    const repo = unique('myapp');
    const prod = `${production.host}/prod/${repo}`;
    const released = await release(repo, '1.2.3');
    const other = await buildImage(path.join(work, unique('other')), { content: unique('other') });
    const otherDigest = await push(other.reference, `${prod}:release-latest`, stack.certDir);
    expect((await history(repo)).filter((o) => o.outcome === 'drift')).toEqual([]);

    const reconciled = await promoter('reconcile', '--repository', repo);

    expect(reconciled.code, reconciled.stdout + reconciled.stderr).toBe(0);
    expect(reconciled.stdout).toContain(`${repo} (in ${prod})`);
    expect(reconciled.stdout).toMatch(/\ndrift +release-latest +sha256:\w{12} /);
    const [drift] = (await history(repo)).filter((o) => o.outcome === 'drift');
    expect(drift).toMatchObject({
      stage: 'release',
      digest: otherDigest,
      previousDigest: released,
      registry: production.host,
      stageRepository: `prod/${repo}`,
      restored: false,
    });
    expect(drift?.reason).toContain(`${prod}:release-latest was moved from the promoted`);
    // Left as it is (no restoreOnDrift), and nothing was written in the build registry.
    expect(await digestAt(`${prod}:release-latest`)).toBe(otherDigest);
    expect(await digestAt(`${builds.host}/${repo}:release-latest`)).toBeUndefined();
  });
});
