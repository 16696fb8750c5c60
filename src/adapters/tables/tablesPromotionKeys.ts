import { idKeyPart, invertedTime, isIdKeyPart, type RowKeyRange } from './tablesKeys.js';

/**
 * RowKeys of the promotion store. Its partitions are the builds ledger's (`partitionKeyOf`:
 * one per repository, in a table of their own); the RowKey prefix tells the row kinds apart:
 *
 * - `state`: the repository's stage heads; its ETag settles every commit. `layout: 3` marks
 *   the current layout. (Ledgers written before counter and digest rows kept every rc counter
 *   here, in `counters`, and had no `digest|` rows; those written before `pending|` and
 *   `deadletter|` rows have `layout: 2`. Reading the state moves the counters to `counter|`
 *   rows and writes the missing `digest|`, `pending|` and `deadletter|` rows, see
 *   `tablesPromotionLayout.ts`.)
 * - `counter|<stage>|<version or empty>`: the highest `{n}` allocated for that stage and
 *   version, written in the transaction of the commit that allocated it.
 * - `promotion|<stage>|<version or empty>|<digest>`: one promotion.
 * - `digest|<digest>|<stage>|<version or empty>`: a copy of the promotion row, written in the
 *   same transaction, so the promotions of one digest are a key range.
 * - `pending|<stage>|<version or empty>|<digest>`: a copy of a promotion row while its status
 *   is `pending`, written in the commit that makes it pending and deleted in the one that
 *   moves it on, so the promotions waiting for approvals are a key range at any age.
 * - `tag|<tag>`: points a stage tag at the RowKey of the promotion that allocated it.
 * - `message|<message id>`: the outcome of a finished approval message.
 * - `history|<inverted outcome time>|<message id>`: the same outcome; ascending RowKeys are
 *   newest first.
 * - `deadletter|<inverted outcome time>|<message id>`: a copy of a `failed` outcome's
 *   `history|` row (a message that gave up after its last delivery), written with it.
 *
 * Every part goes through `idKeyPart`, so no part contains `|` or a character keys forbid;
 * an empty version stays empty (as in `promotionKey`).
 */

/** A version's key part: empty for none (as in `promotionKey`). */
function versionPart(version: string | undefined): string {
  return version === undefined || version === '' ? '' : idKeyPart(version);
}

/** The RowKey of the repository's state row. */
export const STATE_ROW_KEY = 'state';

/** `counter|<stage>|<version or empty>`. */
export function counterRowKey(key: {
  readonly stage: string;
  readonly version?: string | undefined;
}): string {
  return `counter|${idKeyPart(key.stage)}|${versionPart(key.version)}`;
}

/** `promotion|<stage>|<version or empty>|<digest>`. */
export function promotionRowKey(key: {
  readonly stage: string;
  readonly version?: string | undefined;
  readonly digest: string;
}): string {
  return `promotion|${idKeyPart(key.stage)}|${versionPart(key.version)}|${idKeyPart(key.digest)}`;
}

/** Whether `rowKey` is a well-formed `promotion|` RowKey (what a `tag|` row may point at). */
export function isPromotionRowKey(rowKey: string): boolean {
  const parts = rowKey.split('|');
  if (parts.length !== 4 || parts[0] !== 'promotion') return false;
  const [, stage = '', version = '', digest = ''] = parts;
  return isIdKeyPart(stage) && (version === '' || isIdKeyPart(version)) && isIdKeyPart(digest);
}

/** All `promotion|` rows: `|` < `}`, so every `promotion|…` key is below `promotion}`. */
export const promotionRange: RowKeyRange = { from: 'promotion|', to: 'promotion}' };

/** `digest|<digest>|<stage>|<version or empty>`: the copy of a promotion row under its digest. */
export function promotionDigestRowKey(key: {
  readonly stage: string;
  readonly version?: string | undefined;
  readonly digest: string;
}): string {
  return `digest|${idKeyPart(key.digest)}|${idKeyPart(key.stage)}|${versionPart(key.version)}`;
}

/** The `digest|` rows of one digest. */
export function digestRange(digest: string): RowKeyRange {
  const part = idKeyPart(digest);
  return { from: `digest|${part}|`, to: `digest|${part}}` };
}

/** `tag|<tag>`. */
export function tagRowKey(tag: string): string {
  return `tag|${idKeyPart(tag)}`;
}

/** `message|<message id>`. */
export function messageRowKey(messageId: string): string {
  return `message|${idKeyPart(messageId)}`;
}

/**
 * `history|<inverted time>|<message id>`. The caller guarantees `0 <= atMs <= MAX_TIME_MS`.
 * Outcomes of the same millisecond sort by message id.
 */
export function historyRowKey(atMs: number, messageId: string): string {
  return `history|${invertedTime(atMs)}|${idKeyPart(messageId)}`;
}

/** All `history|` rows, newest first. */
export const historyRange: RowKeyRange = { from: 'history|', to: 'history}' };

/** Whether `rowKey` is a well-formed `history|` RowKey (what a history cursor may hold). */
export function isHistoryRowKey(rowKey: string): boolean {
  const match = /^history\|[0-9]{15}\|(.+)$/.exec(rowKey);
  return match !== null && isIdKeyPart(match[1] ?? '');
}

/** `pending|<stage>|<version or empty>|<digest>`: a pending promotion's copy. */
export function pendingRowKey(key: {
  readonly stage: string;
  readonly version?: string | undefined;
  readonly digest: string;
}): string {
  return `pending|${idKeyPart(key.stage)}|${versionPart(key.version)}|${idKeyPart(key.digest)}`;
}

/** All `pending|` rows. */
export const pendingRange: RowKeyRange = { from: 'pending|', to: 'pending}' };

/** `deadletter|<inverted time>|<message id>`, as `historyRowKey`. */
export function deadLetterRowKey(atMs: number, messageId: string): string {
  return `deadletter|${invertedTime(atMs)}|${idKeyPart(messageId)}`;
}

/** All `deadletter|` rows, newest first. */
export const deadLetterRange: RowKeyRange = { from: 'deadletter|', to: 'deadletter}' };

/** Whether `rowKey` is a well-formed `deadletter|` RowKey (what a dead-letter cursor may hold). */
export function isDeadLetterRowKey(rowKey: string): boolean {
  const match = /^deadletter\|[0-9]{15}\|(.+)$/.exec(rowKey);
  return match !== null && isIdKeyPart(match[1] ?? '');
}
