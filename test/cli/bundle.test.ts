import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../tools/bundleCli.js';
import { FakePromoterApi } from './fakePromoterApi.js';

/** The files `node promoter.js` reads before its first request: the entry, what it imports statically, and runCli's chunk with the same. */
function loadedOnStart(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string, dynamicToo: boolean) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? [])
      if (!imported.external && (imported.kind === 'import-statement' || dynamicToo))
        visit(imported.path, false);
  };
  visit(entry, true);
  return seen;
}

let dir: string;
let metafile: Metafile;
let api: FakePromoterApi;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'promoter-cli-bundle-'));
  metafile = await bundleCli(dir);
  api = await new FakePromoterApi().start();
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const promoter = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [path.join(dir, 'promoter.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_DISABLE_COMPILE_CACHE: '1', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );

describe('the bundled CLI (npm run build: dist/cli/promoter.js)', () => {
  it('prints its help and exits 0', async () => {
    const { code, stdout } = await promoter(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: promoter [options] [command]');
  });

  it('approves and waits for the outcome, with the exit code of the outcome', async () => {
    api.historyAnswer = (repository) => ({
      status: 200,
      body: {
        repository,
        outcomes: [
          {
            id: 'o-1',
            outcome: 'rejected',
            repository,
            stage: 'rc',
            reason: 'no such build',
            messageId: 'b-1',
            at: '2026-11-27T10:00:00.000Z',
          },
        ],
      },
    });
    const env = { PROMOTER_URL: api.url, PROMOTER_APPROVALS_HMAC_SECRET: api.secret };
    const args = ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', '--id', 'b-1'];
    const result = await promoter([...args, '--wait', '5'], env);
    expect(result).toMatchObject({
      code: 3,
      stdout: expect.stringContaining('rejected: no such build') as unknown,
    });
    expect(api.requests.map((r) => r.path)).toEqual([
      '/api/approvals',
      '/api/repositories/myapp/outcomes/b-1',
    ]);
  });

  it('names what is wrong when the host cannot be reached, and exits 1', async () => {
    const result = await promoter(['status', 'myapp', '--url', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cannot reach http://127.0.0.1:9 (--url): connect ECONNREFUSED',
    );
  });

  it('loads no Azure SDK, Service Bus or Tables code until a command needs it', () => {
    const entry = Object.keys(metafile.outputs).find((file) => file.endsWith('/promoter.js'));
    expect(entry).toBeDefined();
    const inputs = [...loadedOnStart(metafile, entry ?? '')].flatMap((file) =>
      Object.keys(metafile.outputs[file]?.inputs ?? {}),
    );
    expect(inputs.some((input) => input.includes('src/cli/runCli.ts'))).toBe(true);
    const packages = new Set(
      inputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []),
    );
    expect([...packages].sort()).toEqual(['commander', 'semver', 'zod']);
  });
});
