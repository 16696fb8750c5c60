import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForHost } from '../../tools/postdeploy.js';

// azd's postdeploy hook waits for the deployed host with retries (issue: no nested azd, no
// listKeys): against a real HTTP server answering what a Functions host answers while it starts.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function hostAnswering(statuses: number[]): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(statuses.shift() ?? 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, paths };
}

const noWait = () => Promise.resolve();

describe('the postdeploy hook waiting for the host', () => {
  it('retries 503 and 404 with growing delays until the host refuses a keyless request with 401', async () => {
    const host = await hostAnswering([503, 404, 502]);
    const delays: number[] = [];
    const lines: string[] = [];
    const state = await waitForHost(host.url, {
      initialDelayMs: 1000,
      maxDelayMs: 3000,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      log: (line) => lines.push(line),
    });
    expect(state).toEqual({ kind: 'up', status: 401, attempts: 4 });
    expect(host.paths).toEqual(Array(4).fill('/api/health'));
    expect(delays).toEqual([1000, 2000, 3000]);
    expect(lines[1]).toMatch(/HTTP 404 \(functions not loaded yet\); retrying in 2 s$/);
  });

  it('gives up after its attempts and says what it saw last', async () => {
    const host = await hostAnswering([503, 503, 503]);
    expect(await waitForHost(host.url, { attempts: 3, sleep: noWait })).toEqual({
      kind: 'down',
      last: 'HTTP 503',
      attempts: 3,
    });
  });

  it('retries a refused connection', async () => {
    const host = await hostAnswering([]);
    await closers.splice(0)[0]?.();
    const state = await waitForHost(host.url, { attempts: 2, sleep: noWait });
    expect(state).toMatchObject({ kind: 'down', attempts: 2 });
    expect(state.kind === 'down' && state.last).toMatch(/fetch failed/);
  });
});
