import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { runCli } from '../../src/cli/runCli.js';
import { buildsTableName } from '../../src/composition/azureClients.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { approve, newSha, outcomeOf, pushBuild, stack, unique } from '../support/stack.js';

// `promoter retention` against a local host. The suite's host has retention off; this file
// starts a second one on the same ledger and registry with PROMOTER_RETENTION_DAYS=30; the
// tests only ever ask it for dry runs.

const DAY_MS = 86_400_000;

let work: string;
let host: LocalHost;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-cli-retention-'));
  host = await startLocalHost({
    port: 0,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: stack.registry,
      PROMOTER_RETENTION_DAYS: '30',
      // Its timer must not run during the suite: once a year, at midnight on New Year's Day.
      PROMOTER_RETENTION_SCHEDULE: '0 0 0 1 1 *',
    },
    log: () => undefined,
  });
});
afterAll(async () => {
  await host.close();
  await rm(work, { recursive: true, force: true });
});

async function promoter(url: string, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { PROMOTER_URL: url },
    cwd: work,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('promoter retention', () => {
  it('--dry-run lists what would go and why each other build stays, and deletes nothing', async () => {
    const repo = unique('cli-retention');
    const rc = await pushBuild(work, repo);
    const head = await pushBuild(work, repo);
    await outcomeOf(
      repo,
      await approve({ repository: repo, build: { gitSha: rc.sha }, stage: 'rc', version: '1.2.3' }),
    );
    // A build recorded 60 days ago that never went past dev, written to the ledger as the
    // webhook would have then.
    const ledger = createTablesBuildLedger({
      client: createTablesClient({
        connectionString: inject('tablesConnectionString'),
        tableName: buildsTableName(inject('tablePrefix')),
      }),
    });
    const oldSha = newSha();
    const oldDigest = `sha256:${newSha(40)}${newSha(24)}`;
    await ledger.recordBuild({
      eventId: unique('old-push'),
      repository: repo,
      digest: oldDigest,
      gitSha: oldSha,
      tag: `git-${oldSha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: stack.registry,
      at: new Date(Date.now() - 60 * DAY_MS),
    });

    const { code, stdout, stderr } = await promoter(
      host.url,
      'retention',
      '--dry-run',
      '--repository',
      repo,
    );
    expect(code, stderr).toBe(0);
    const short = (digest: string) => `sha256:${digest.slice(7, 19)}`;
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^retention: builds recorded before .+ \(older than 30 days\) go unless a stage uses them$/,
    );
    expect(lines).toContain(repo);
    expect(lines.find((l) => l.includes(short(oldDigest)))).toMatch(
      new RegExp(
        `^would delete +${short(oldDigest)} +${oldSha} +.+Z +older than 30 days \\(recorded \\d{4}-\\d\\d-\\d\\d\\), never past dev$`,
      ),
    );
    expect(lines.find((l) => l.includes(short(rc.digest)))).toMatch(
      /^kept +.+ rc head \(1\.2\.3-rc1\); newer than 30 days$/,
    );
    expect(lines.find((l) => l.includes(short(head.digest)))).toMatch(
      /^kept +.+ dev head \(dev-latest\); newer than 30 days$/,
    );
    expect(lines.at(-2)).toBe(
      'dry run: 1 build would be deleted in 1 repository; nothing was deleted (run it without --dry-run to delete them)',
    );
    expect((await ledger.getBuildByDigest(repo, oldDigest))?.deletedAt).toBeUndefined();

    const json = await promoter(host.url, 'retention', '--dry-run', '--repository', repo, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      age: { ms: 30 * DAY_MS, label: '30 days' },
      repositories: [{ repository: repo, deleted: [{ digest: oldDigest }], failed: [] }],
    });
  });

  it('--older-than runs with that age, even on a host with retention off', async () => {
    const repo = unique('cli-older-than');
    const ledger = createTablesBuildLedger({
      client: createTablesClient({
        connectionString: inject('tablesConnectionString'),
        tableName: buildsTableName(inject('tablePrefix')),
      }),
    });
    // Two builds as the webhook records them: one 5 minutes ago, one just now.
    const record = async (msAgo: number) => {
      const sha = newSha();
      const digest = `sha256:${newSha(40)}${newSha(24)}`;
      await ledger.recordBuild({
        eventId: unique('push'),
        repository: repo,
        digest,
        gitSha: sha,
        tag: `git-${sha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: stack.registry,
        at: new Date(Date.now() - msAgo),
      });
      return { sha, digest };
    };
    const older = await record(5 * 60_000);
    await record(0);

    const { code, stdout, stderr } = await promoter(
      stack.hostUrl,
      'retention',
      '--dry-run',
      '--older-than',
      '2m',
      '--repository',
      repo,
    );
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^retention: builds recorded before .+ \(older than 2 minutes\) go unless a stage uses them$/,
    );
    expect(lines.find((l) => l.includes(older.digest.slice(7, 19)))).toMatch(
      new RegExp(
        `^would delete +sha256:${older.digest.slice(7, 19)} +${older.sha} +.+Z +older than 2 minutes \\(recorded \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ\\), never past dev$`,
      ),
    );
    expect(lines).toContain('and 1 build kept: newer than 2 minutes');
    expect(lines.at(-2)).toBe(
      'dry run: 1 build would be deleted in 1 repository; nothing was deleted (run it without --dry-run to delete them)',
    );
    expect((await ledger.getBuildByDigest(repo, older.digest))?.deletedAt).toBeUndefined();
  });

  it.each([['5x'], ['0m'], ['1.5h'], ['3651d']])(
    'refuses --older-than %s before asking the host, and exits 2',
    async (value) => {
      // Nothing listens on this port: a request would fail with exit 1.
      const { code, stdout, stderr } = await promoter(
        'http://127.0.0.1:9',
        'retention',
        '--older-than',
        value,
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        `option '--older-than <duration>' argument '${value}' is invalid. must be a duration from 1m to 3650d: a whole number followed by m (minutes), h (hours) or d (days), e.g. 30d, 12h or 10m`,
      );
    },
  );

  it('says how to turn retention on when the host has it off, and exits 1', async () => {
    const { code, stdout, stderr } = await promoter(stack.hostUrl, 'retention', '--dry-run');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('409 Retention Off: retention is off: set PROMOTER_RETENTION_DAYS');
  });

  it('refuses a repository name that is not one before asking the host, and exits 2', async () => {
    const { code, stderr } = await promoter(host.url, 'retention', '--repository', 'My App');
    expect(code).toBe(2);
    expect(stderr).toContain('promoter: repository: "My App" is not a repository name');
  });
});
