import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { startAzurite } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { TablesQueueStore } from '../src/local/tablesQueueStore.js';

/**
 * `npx tsx bench/azuriteKill.ts`: how many acknowledged local-queue messages a `kill -9` of
 * Azurite loses. Azurite (tables on disk, as `npm start` runs it) saves its database on an
 * interval and on SIGINT, not on each write. The queue's table is created and saved first;
 * then N messages are stored `spacingMs` apart (each one acknowledged: the write resolved,
 * as an approval's 202), Azurite is killed with SIGKILL `delayMs` after the last
 * acknowledgment, started again on the same files, and the messages still there are counted.
 * Prints one line per run.
 */

const N = Number(process.env.BENCH_KILL_MESSAGES ?? '40');
const RUNS = [
  { spacingMs: 0, delayMs: 0 },
  { spacingMs: 250, delayMs: 0 },
  { spacingMs: 250, delayMs: 2000 },
  { spacingMs: 250, delayMs: 6000 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function once(
  spacingMs: number,
  delayMs: number,
): Promise<{ stored: number; survived: number }> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'promoter-azurite-kill-'));
  try {
    const port = await freePort();
    const logDir = path.join(stateDir, 'logs');
    let azurite = await startAzurite({ stateDir: path.join(stateDir, 'tables'), port, logDir });
    const client = () =>
      createTablesClient({ connectionString: azurite.connectionString, tableName: 'killqueue' });
    const store = new TablesQueueStore(client());
    await store.load(new Date(), 3_600_000); // creates the table
    await sleep(6000); // saved
    for (let i = 0; i < N; i += 1) {
      await sleep(spacingMs);
      const sequence = Date.now() * 1000 + i;
      const message = { body: { i }, messageId: `m-${i}`, sessionId: `s-${i % 4}` };
      const stored = { ...message, sequence, enqueuedTimeUtc: new Date(), deliveryCount: 0 };
      await store.add(stored, 3_600_000);
    }
    await sleep(delayMs);
    process.kill(azurite.process.pid, 'SIGKILL');
    await azurite.process.exited;
    azurite = await startAzurite({ stateDir: path.join(stateDir, 'tables'), port, logDir });
    try {
      const { pending } = await new TablesQueueStore(client()).load(new Date(), 3_600_000);
      return { stored: N, survived: pending.length };
    } finally {
      await azurite.stop();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

for (const { spacingMs, delayMs } of RUNS) {
  const { stored, survived } = await once(spacingMs, delayMs);
  console.log(
    `${N} messages ${spacingMs} ms apart, kill -9 of Azurite ${delayMs} ms after the last: ${stored - survived} of ${stored} acknowledged messages lost`,
  );
}
