import * as functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { sweepTimer } from '../../src/functions/sweepTimer.js';
import { memoryServices, type MemoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;

// memoryServices' clock says 2026-11-27T10:00:00Z.
const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const DAY_MS = 86_400_000;

/** A push of `repository` handled `days` days ago, under event id `eventId`. */
function push(m: MemoryServices, repository: string, eventId: string, days: number) {
  const sha = eventId
    .padEnd(40, '0')
    .slice(0, 40)
    .replace(/[^0-9a-f]/g, 'a');
  return m.ledger.recordBuild({
    eventId,
    repository,
    digest: `sha256:${sha.padEnd(64, '0')}`,
    gitSha: sha,
    tag: `git-${sha.slice(0, 7)}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'myacr.azurecr.io',
    at: new Date(NOW - days * DAY_MS),
  });
}

function timerContext() {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'sweep',
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  return { context, logs };
}

describe('the sweep timer', () => {
  it('removes event markers past PROMOTER_MARKER_DAYS and expired replay rows, keeps the rest, and says so', async () => {
    const m = memoryServices({ PROMOTER_MARKER_DAYS: '10' });
    await push(m, 'myapp', 'e1', 11);
    await push(m, 'myapp', 'e2', 9);
    await push(m, 'team/app', 'e3', 40);
    // Replay rows expire by the sweep's clock (the services' clock, as in Azure).
    await m.replays.claim('approvals', 'old-signature', new Date(NOW - 60_000));
    await m.replays.claim('approvals', 'live-signature', new Date(NOW + 60_000));
    const { context, logs } = timerContext();

    await sweepTimer(m.provider)({}, context);

    expect([...m.ledger.events].sort()).toEqual(['myapp|e2']);
    expect(await push(m, 'myapp', 'e2', 9)).toMatchObject({ kind: 'duplicate-event' });
    expect(await m.ledger.listRepositories()).toEqual(['myapp', 'team/app']);
    expect([...m.replays.claimed.keys()]).toEqual([
      JSON.stringify(['approvals', 'live-signature']),
    ]);
    expect(logs.at(-1)).toContain(
      'sweep: removed 2 registry event markers handled before 2026-11-17T10:00:00.000Z (kept 10 days) in 2 repositories, and 1 expired replay rows; the history is kept',
    );
    expect(logs.filter((l) => l.includes('sweep removed event markers'))).toHaveLength(2);
  });

  it('fails the invocation, naming the cause, when the ledger is down, after trying the replays', async () => {
    const m = memoryServices();
    await m.replays.claim('slack', 'old', new Date(NOW - 60_000));
    m.ledger.down = true;
    const { context, logs } = timerContext();

    await expect(sweepTimer(m.provider)({}, context)).rejects.toThrow(
      'sweep: 1 parts failed (see the log lines above); the next run tries them again',
    );
    expect(logs.some((l) => l.startsWith('error sweep could not list the repositories'))).toBe(
      true,
    );
    expect(m.replays.claimed.size).toBe(0);
  });
});
