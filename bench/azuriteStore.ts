import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import {
  azuriteConnectionString,
  azuriteTableScript,
  startAzurite,
} from '../src/local/services/azurite.js';
import { spawnManaged } from '../src/local/services/processes.js';
import { freePort, waitForPort } from '../src/local/services/tcpPorts.js';
import { CountingProxy } from './countingProxy.js';

/*
 * A real Azurite holding a large seeded partition, loaded fast. Azurite (LokiJS) looks every
 * written row up in its partition first, so writing 60,000 rows into one partition takes
 * minutes and slows down as it grows (a transaction of 100 creates: 40 ms at 10,000 rows,
 * 2 s at 40,000). Into partitions of 100 rows each it takes seconds. So the ledgers' rows are
 * written through Azurite's own API into temporary partitions of 100 (`<key>~~seed<n>`; `~~`
 * cannot come from a repository name), Azurite is stopped (SIGINT: it saves its store), and in
 * its saved LokiJS store, with Azurite's own copy of LokiJS, each row gets its real partition
 * key back (the two places Azurite keeps it) and the key indexes are rebuilt. Every other byte
 * of each row is as Azurite stored it: its properties, ETag and Timestamp.
 */

/** Rows per transaction: Table Storage's limit. */
const PER_TRANSACTION = 100;
const STORE_FILE = '__azurite_db_table__.json';
const SEED_MARK = '~~seed';

/** A running Azurite on a store directory. */
export interface StoreAzurite {
  readonly connectionString: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface LokiDoc {
  PartitionKey?: unknown;
  properties: Record<string, unknown>;
}
interface LokiCollection {
  name: string;
  data: LokiDoc[];
  binaryIndices: Record<string, unknown>;
  ensureIndex(property: string, force: boolean): void;
}
interface LokiDb {
  collections: LokiCollection[];
  loadDatabase(options: object, done: (error: unknown) => void): void;
  saveDatabase(done: (error: unknown) => void): void;
}

/** Azurite's own LokiJS (the one its table store is written and read with). */
function azuriteLoki(): new (file: string) => LokiDb {
  return createRequire(azuriteTableScript())('lokijs') as new (file: string) => LokiDb;
}

const done =
  (resolve: () => void, reject: (error: Error) => void) =>
  (error: unknown): void => {
    if (error === null || error === undefined) resolve();
    else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
  };

/**
 * Writes `tables` (table name → the ledgers' row actions, creates and upserts of new rows)
 * into a new Azurite store in `dir`, as described above. Resolves with the rows stored.
 */
export async function seedStore(
  dir: string,
  tables: ReadonlyMap<string, readonly TransactionAction[]>,
  onProgress: (line: string) => void = () => undefined,
): Promise<number> {
  const began = performance.now();
  const took = () => `${((performance.now() - began) / 1000).toFixed(1)} s`;
  mkdirSync(dir, { recursive: true });
  const azurite = await startAzurite({ stateDir: dir, port: await freePort() });
  const realKeys = new Map<string, string>();
  let rows = 0;
  try {
    for (const [tableName, actions] of tables) {
      const client = createTablesClient({
        connectionString: azurite.connectionString,
        tableName,
        requestTimeoutInMs: 60_000,
      });
      await client.createTable();
      // The last write of a row wins, as the upserts it stands for would leave it.
      const byPartition = new Map<string, Map<string, TableEntity>>();
      for (const [kind, entity] of actions) {
        if (kind !== 'create' && kind !== 'upsert')
          throw new Error(`seeding writes new rows only, not a ${kind} of ${entity.rowKey}`);
        const rowsOf = byPartition.get(entity.partitionKey) ?? new Map<string, TableEntity>();
        rowsOf.set(entity.rowKey, entity);
        byPartition.set(entity.partitionKey, rowsOf);
      }
      const groups: TransactionAction[][] = [];
      for (const [partitionKey, rowsOf] of byPartition) {
        const list = [...rowsOf.values()];
        for (let i = 0; i < list.length; i += PER_TRANSACTION) {
          const temporary = `${partitionKey}${SEED_MARK}${groups.length}`;
          realKeys.set(temporary, partitionKey);
          groups.push(
            list
              .slice(i, i + PER_TRANSACTION)
              .map((entity): TransactionAction => [
                'create',
                { ...entity, partitionKey: temporary },
              ]),
          );
        }
        rows += list.length;
      }
      let next = 0;
      const worker = async () => {
        for (let g = groups[next++]; g !== undefined; g = groups[next++])
          await client.submitTransaction(g);
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    }
    onProgress(`  growth: ${rows} rows written in ${took()}`);
  } finally {
    await azurite.process.stop(120_000);
  }
  onProgress(`  growth: Azurite saved its store by ${took()}`);
  await restorePartitionKeys(path.join(dir, STORE_FILE), realKeys, rows);
  onProgress(`  growth: partition keys restored by ${took()}`);
  return rows;
}

/** Gives each seeded row in the saved store its real partition key, and rebuilds the indexes. */
async function restorePartitionKeys(
  file: string,
  realKeys: ReadonlyMap<string, string>,
  expected: number,
): Promise<void> {
  const Loki = azuriteLoki();
  const db = new Loki(file);
  await new Promise<void>((resolve, reject) => {
    db.loadDatabase({}, done(resolve, reject));
  });
  let moved = 0;
  for (const collection of db.collections) {
    let changed = false;
    for (const doc of collection.data) {
      if (typeof doc.PartitionKey !== 'string') continue; // not a row (e.g. a table's record)
      const real = realKeys.get(doc.PartitionKey);
      if (real === undefined) {
        if (doc.PartitionKey.includes(SEED_MARK))
          throw new Error(`row in ${collection.name} left in ${doc.PartitionKey}`);
        continue;
      }
      doc.PartitionKey = real;
      doc.properties.PartitionKey = real;
      changed = true;
      moved += 1;
    }
    if (changed)
      for (const property of Object.keys(collection.binaryIndices))
        collection.ensureIndex(property, true);
  }
  if (moved !== expected)
    throw new Error(`the seeded store holds ${moved} seeded rows, not ${expected}`);
  await new Promise<void>((resolve, reject) => {
    db.saveDatabase(done(resolve, reject));
  });
}

/**
 * Preloaded into the measured Azurite: turns off LokiJS's autosave (every 5 s Azurite would
 * serialize its whole store, some 100 MB at 10,000 promotions, stalling its requests
 * meanwhile), so that it serves as the in-memory Azurite of the rest of the bench does.
 * Nothing is saved on stop either. The same LokiJS module instance as Azurite's (its path).
 */
const NO_AUTOSAVE = `import { createRequire } from 'node:module';
const Loki = createRequire(process.argv[1])('lokijs');
Loki.prototype.autosaveEnable = function autosaveOff() { this.autosave = false; };
`;

/**
 * Starts Azurite's table service on the store in `dir` (as `startAzurite` does, with
 * `NO_AUTOSAVE` preloaded) and resolves once it listens.
 */
export async function startStoreAzurite(dir: string): Promise<StoreAzurite> {
  const port = await freePort();
  const script = azuriteTableScript();
  const preload = path.join(dir, 'no-autosave.mjs');
  await writeFile(preload, NO_AUTOSAVE);
  const child = await spawnManaged({
    name: 'azurite (seeded store)',
    command: process.execPath,
    args: [
      '--import',
      preload,
      script,
      ...['--tableHost', '127.0.0.1', '--tablePort', String(port)],
      ...['--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'],
      ...['--location', path.resolve(dir)],
    ],
    cwd: dir,
    logFile: path.join(dir, 'logs', 'azurite.log'),
    stopSignal: 'SIGINT',
  });
  try {
    await waitForPort(port, { hosts: ['127.0.0.1'], process: child, timeoutMs: 120_000 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    connectionString: azuriteConnectionString(port),
    port,
    stop: () => child.stop(30_000),
  };
}

/**
 * Seeds a store in `dir` (`seedStore`), runs `run` on an Azurite on it with a counting proxy in
 * front, then stops both and removes the store.
 */
export async function withStore<T>(
  dir: string,
  tables: ReadonlyMap<string, readonly TransactionAction[]>,
  onProgress: (line: string) => void,
  run: (store: { connectionString: string; proxy: CountingProxy; seedMs: number }) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  await seedStore(dir, tables, onProgress);
  const azurite = await startStoreAzurite(dir);
  const seedMs = performance.now() - started;
  onProgress(`  growth: Azurite serves the store after ${(seedMs / 1000).toFixed(1)} s`);
  let proxy: CountingProxy | undefined;
  try {
    proxy = await CountingProxy.start(azurite.port);
    return await run({ connectionString: azurite.connectionString, proxy, seedMs });
  } finally {
    await proxy?.close();
    await azurite.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
