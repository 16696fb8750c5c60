import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../src/local/services/processes.js';
import { writeSampleImage } from '../../src/local/services/sampleImage.js';
import { acceptsConnections } from '../../src/local/services/tcpPorts.js';
import { startLocalStack } from '../../src/local/startLocalStack.js';
import { push } from '../support/images.js';

const dirs: string[] = [];
async function stateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'promoter-stack-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Polls the host's read API until the build of `sha` is recorded. */
async function recordedBuild(hostUrl: string, sha: string): Promise<{ digest: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${hostUrl}/api/repositories/myapp/builds/${sha}`);
    if (response.ok) return (await response.json()) as { digest: string };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no build ${sha} on ${hostUrl}`);
}

describe('startLocalStack', () => {
  it('starts Azurite, the registry notifying the host, and the host; stop() stops them all', async () => {
    const children: ManagedProcess[] = [];
    const stack = await startLocalStack({
      stateDir: await stateDir(),
      tables: 'memory',
      env: { PROMOTER_TABLE_PREFIX: 'stacktest' },
      host: { run: 'in-process', log: () => undefined },
      sampleImages: true,
      onSpawn: (child) => children.push(child),
    });
    try {
      expect(children.map((c) => c.name)).toEqual(['azurite', 'registry']);
      expect(stack.sampleImages.map((i) => path.basename(i.layoutDir))).toEqual([
        'sample-image',
        'sample-image-2',
        'sample-image-3',
      ]);
      const image = await writeSampleImage(path.join(stack.stateDir, 'pushed'), {
        content: `stack test ${Date.now()}\n`,
      });
      const certDir = stack.registry?.certDir ?? '';
      const digest = await push(
        image.reference,
        `${stack.registryHost}/myapp:git-abc1234`,
        certDir,
      );
      expect((await recordedBuild(stack.hostUrl, 'abc1234')).digest).toBe(digest);
    } finally {
      await stack.stop();
    }
    expect(children.every((c) => c.hasExited())).toBe(true);
    expect(await acceptsConnections(stack.hostPort, '127.0.0.1')).toBe(false);
    await expect(stack.stop()).resolves.toBeUndefined();
  });

  it('stops what it had started when aborted while starting, and rejects', async () => {
    const abort = new AbortController();
    const children: ManagedProcess[] = [];
    const starting = startLocalStack({
      stateDir: await stateDir(),
      tables: 'memory',
      host: { run: 'in-process', log: () => undefined },
      signal: abort.signal,
      onSpawn: (child) => {
        children.push(child);
        if (child.name === 'registry') abort.abort();
      },
    });
    await expect(starting).rejects.toThrow();
    expect(children.map((c) => c.name)).toEqual(['azurite', 'registry']);
    expect(children.every((c) => c.hasExited())).toBe(true);
  });
});
