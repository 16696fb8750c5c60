import type { TableClient, TransactionAction } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import type { TransactionSeen } from './countingProxy.js';
import { quantile } from './stats.js';

/*
 * Azurite's own time for the kinds of request a ledger makes, on one partition as it stands,
 * so that what grows in Azurite (LokiJS scans the partition for each row a request touches:
 * Azure Table Storage does not) can be told from what grows in promoter. Each kind is timed
 * directly against Azurite, one request at a time, `PROBES` times:
 *
 * - point read: GET of an existing row by PartitionKey and RowKey;
 * - range query: a RowKey range of the partition holding no row (the ledger's ranges hold a
 *   few: a digest's promotions, the pending ones);
 * - transaction of N rows: N upserts of new rows (what most rows of a commit are; Azurite
 *   looks each up twice), deleted again afterwards, untimed.
 *
 * An approval's Azurite time at one size is then the sum, over its ledger requests on that
 * partition's table (as the counting proxy saw them), of the median of their kind.
 */

const PROBES = 15;

/** Medians of each kind of request on one partition, ms. */
export interface AzuriteProbe {
  readonly rows: number;
  readonly pointReadMs: number;
  readonly rangeQueryMs: number;
  /** By rows per transaction. */
  readonly transactionMs: ReadonlyMap<number, number>;
}

/** The ledger requests of one operation on one table: counts of each kind. */
export interface RequestMix {
  readonly pointReads: number;
  readonly queries: number;
  /** Rows of each transaction (a single-row write counts as a transaction of 1). */
  readonly transactions: readonly number[];
  /** Requests to other tables, not counted in the estimate. */
  readonly elsewhere: number;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function medianOf(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < PROBES; i++) times.push(await timed(run));
  return quantile(times, 0.5);
}

/**
 * Times each kind on `partitionKey` (which must hold the row `knownRowKey`), with
 * transactions of each size in `transactionRows`; counts the partition's rows first.
 */
export async function probeAzurite(
  client: TableClient,
  partitionKey: string,
  knownRowKey: string,
  transactionRows: readonly number[],
): Promise<AzuriteProbe> {
  let rows = 0;
  const all = client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey}'`, select: ['RowKey'] },
  });
  for await (const page of all.byPage({ maxPageSize: 1000 })) rows += page.length;
  const pointReadMs = await medianOf(() => client.getEntity(partitionKey, knownRowKey));
  const empty = `benchprobe|${randomBytes(8).toString('hex')}`;
  const range = `PartitionKey eq '${partitionKey}' and RowKey ge '${empty}|' and RowKey lt '${empty}}'`;
  const rangeQueryMs = await medianOf(async () => {
    for await (const page of client.listEntities({ queryOptions: { filter: range } }).byPage())
      if (page.length > 0) throw new Error('the probe range holds rows');
  });
  const transactionMs = new Map<number, number>();
  for (const n of [...new Set(transactionRows)].sort((a, b) => a - b)) {
    const written: string[] = [];
    transactionMs.set(
      n,
      await medianOf(async () => {
        const keys = Array.from(
          { length: n },
          () => `benchprobe|${randomBytes(8).toString('hex')}`,
        );
        written.push(...keys);
        const actions = keys.map((rowKey): TransactionAction => [
          'upsert',
          { partitionKey, rowKey, value: 'x'.repeat(200) },
          'Replace',
        ]);
        await client.submitTransaction(actions);
      }),
    );
    for (let i = 0; i < written.length; i += 100)
      await client.submitTransaction(
        written.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey, rowKey }]),
      );
  }
  return { rows, pointReadMs, rangeQueryMs, transactionMs };
}

/** Azurite's time for `mix` on the probed partition, ms. */
export function azuriteEstimate(mix: RequestMix, probe: AzuriteProbe): number {
  let total = mix.pointReads * probe.pointReadMs + mix.queries * probe.rangeQueryMs;
  for (const n of mix.transactions) {
    const ms = probe.transactionMs.get(n);
    if (ms === undefined) throw new Error(`no probe of a transaction of ${n} rows`);
    total += ms;
  }
  return total;
}

/**
 * The mix of the requests a counting proxy saw (`kinds` as its `since`, `transactions` as its
 * `transactionsSince`) on `table` (its name as the proxy gives it, without the host's prefix).
 */
export function requestMix(
  kinds: readonly string[],
  transactions: readonly (TransactionSeen | undefined)[],
  table: string,
): RequestMix {
  let pointReads = 0;
  let queries = 0;
  let elsewhere = 0;
  const rows: number[] = [];
  kinds.forEach((kind, i) => {
    const transaction = transactions[i];
    if (transaction !== undefined) {
      if (transaction.table === table) rows.push(transaction.rows);
      else elsewhere += 1;
    } else if (kind === `GET row (point) ${table}`) pointReads += 1;
    else if (kind === `GET query ${table}`) queries += 1;
    else if (kind.endsWith(` ${table}`)) rows.push(1);
    else elsewhere += 1;
  });
  return { pointReads, queries, transactions: rows, elsewhere };
}

/** `6 point reads, 2 queries, transactions of 7 + 2 rows` */
export function describeMix(mix: RequestMix): string {
  const txs =
    mix.transactions.length === 0
      ? 'no transaction'
      : `transactions of ${mix.transactions.join(' + ')} rows`;
  return `${mix.pointReads} point reads, ${mix.queries} range queries, ${txs}${mix.elsewhere > 0 ? `, ${mix.elsewhere} on other tables` : ''}`;
}
