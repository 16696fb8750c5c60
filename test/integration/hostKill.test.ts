import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { spawnManaged, type ManagedProcess } from '../../src/local/services/processes.js';
import { projectRoot } from '../../src/local/services/projectRoot.js';
import { freePort, waitForPort } from '../../src/local/services/tcpPorts.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { approve, listTags, outcomeOf, pushBuild, stack, unique } from '../support/stack.js';

// `kill -9` of the local host with approvals it acknowledged (202) still queued, and one in
// flight: the host's `promotions` queue is kept in Azurite, so the next host delivers every
// one of them, and each gets exactly one outcome. The host runs as `npm start` runs it, a
// child process (src/local/hostMain.ts, through tsx), sharing the suite's ledger; it reaches
// the registry through a proxy that passes the first approvals' tag writes on to the registry
// but never their answers: the host dies after the tag is written, before it is recorded.

let work: string;
let proxy: FaultProxy;
let port: number;
let logDir: string;
const hosts: ManagedProcess[] = [];

/** Starts the host process on `port` and resolves once it serves (its queue restored). */
async function startHost(): Promise<ManagedProcess> {
  const child = await spawnManaged({
    name: 'host',
    command: process.execPath,
    args: ['--import', 'tsx', path.join('src', 'local', 'hostMain.ts')],
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      PROMOTER_LOCAL_PORT: String(port),
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: proxy.host,
    },
    logFile: path.join(logDir, 'host.log'),
  });
  hosts.push(child);
  await waitForPort(port, { process: child, timeoutMs: 30_000 });
  return child;
}

/** Polls until the registry holds exactly `tags` among the repository's rc tags. */
async function waitForTags(repo: string, tags: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = (await listTags(repo)).filter((t) => t.includes('-rc'));
    if (last.join() === tags.join()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${repo} has rc tags ${last.join(', ') || 'none'}, not ${tags.join(', ')}`);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-kill-'));
  logDir = path.join(work, 'logs');
  proxy = await startFaultProxy({ upstream: stack.registry, certFile: inject('registryCertFile') });
  port = await freePort();
});

afterAll(async () => {
  for (const host of hosts) await host.stop();
  await proxy.close();
  await rm(work, { recursive: true, force: true });
});

// Its budget is its work, not a race: two host processes each compile src/ through tsx
// (several seconds each on a loaded 2-core machine), three skopeo pushes, twelve approvals.
const BUDGET_MS = 120_000;

describe('kill -9 of the local host', () => {
  it(
    'loses none of the approvals it acknowledged: each is handled once after the restart',
    { timeout: BUDGET_MS },
    async () => {
      const repos = [unique('killed'), unique('killed'), unique('killed')];
      const builds = await Promise.all(repos.map((repo) => pushBuild(work, repo)));
      const url = `http://localhost:${port}`;
      const first = await startHost();

      // Each repository's first approval writes its tag and waits for an answer that never
      // comes; the others wait behind it in their session.
      proxy.failNext(repos.length, { kind: 'swallow' }, (r) => r.method === 'PUT');
      const sent: { repo: string; id: string }[] = [];
      for (const [i, repo] of repos.entries()) {
        for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) {
          const build = { gitSha: builds[i]?.sha };
          const id = await approve({ repository: repo, build, stage: 'rc', version }, url);
          sent.push({ repo, id });
        }
      }
      for (const repo of repos) await waitForTags(repo, ['1.0.0-rc1']);
      process.kill(first.pid, 'SIGKILL');
      expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
      proxy.reset();

      await startHost();
      for (const { repo, id } of sent) await outcomeOf(repo, id, url);
      for (const repo of repos) {
        const response = await fetch(`${url}/api/repositories/${repo}/history?limit=100`);
        const { outcomes } = (await response.json()) as { outcomes: OutcomeEvent[] };
        const mine = sent.filter((s) => s.repo === repo).map((s) => s.id);
        const settled = outcomes.filter((o) => mine.includes(o.messageId));
        // Exactly one outcome per approval, each promoted, each to the rc of its version.
        expect(settled.map((o) => o.messageId).sort()).toEqual([...mine].sort());
        expect(settled.every((o) => o.outcome === 'promoted')).toBe(true);
        expect((await listTags(repo)).filter((t) => t.includes('-rc'))).toEqual([
          '1.0.0-rc1',
          '1.1.0-rc1',
          '1.2.0-rc1',
          '1.3.0-rc1',
        ]);
      }
      const dead = await fetch(`${url}/api/local/deadletters`);
      expect(await dead.json()).toEqual({ deadLetters: [] });
      // All 12 were still queued when the host died; the three in flight came back as delivery 2,
      // found their tag written and recorded it (no second rc number).
      const log = await readFile(path.join(logDir, 'host.log'), 'utf8');
      expect(log).toContain('restored 12 queued message(s)');
      expect(log.match(/^delivering \S+ \(session \S+, delivery 2\)$/gm)).toHaveLength(3);
    },
  );
});
