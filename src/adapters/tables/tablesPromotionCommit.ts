import { checkBelongs } from '../../domain/checkBelongs.js';
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { ValidationError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { promotionKey, type Promotion } from '../../domain/promotion.js';
import type { CounterKey, PromotionCommit } from '../../ports/promotionLedger.js';
import { MAX_TIME_MS, partitionKeyOf } from './tablesKeys.js';
import { counterRowKey, pendingRowKey } from './tablesPromotionKeys.js';
import {
  counterEntity,
  outcomeEntity,
  promotionDigestEntity,
  promotionEntity,
  promotionPendingEntity,
  stateEntity,
  tagEntity,
} from './tablesPromotionRows.js';

/** Table Storage's limits on an entity-group transaction (see the service's documentation). */
export const TABLES_LIMITS = {
  operationsPerTransaction: 100,
  transactionBytes: 4 * 1024 * 1024,
  entityBytes: 1024 * 1024,
  stringPropertyBytes: 64 * 1024,
} as const;

/**
 * The entity-group transaction of `change` to `repository`'s partition: the state row
 * (created when `expectedEtag` is undefined, else replaced if its ETag still matches), the
 * counters it moves (their `counter|` rows, upserted), the promotions with their `digest|`
 * and `pending|` copies and their `tag|` rows (upserted), and, with an outcome, its `message|`
 * and `history|` rows (and, for a `failed` one, its `deadletter|` row; created, so a message
 * finished meanwhile fails the whole transaction). A promotion that is no longer pending
 * loses its `pending|` copy: `pendingRows` holds the `pending|` RowKeys the caller read as
 * existing (deleting a row that is not there would fail the transaction); a commit on the
 * state's ETag can only land if none of them changed since. A promotion listed twice, or a
 * tag held by two of them, is written once: the last wins.
 *
 * Throws an Error naming what is too big when the transaction would exceed Table Storage's
 * limits, and a ValidationError for a promotion or outcome of another repository or an
 * outcome time outside 1970–2286: both are the caller's mistakes, which the service would
 * answer with a bare 400.
 */
export function planCommit(
  repository: string,
  change: PromotionCommit,
  commitId: string,
  pendingRows: ReadonlySet<string> = new Set(),
): TransactionAction[] {
  checkBelongs(repository, change);
  const state = stateEntity(repository, change, commitId);
  const promotions = new Map<string, Promotion>();
  for (const p of change.promotions) promotions.set(promotionKey(p), p);
  const counters = new Map<string, CounterKey & { readonly n: number }>();
  for (const c of change.counters ?? []) counters.set(counterRowKey(c), c);
  const tags = new Map<string, Promotion>();
  for (const p of promotions.values()) for (const tag of p.tags) tags.set(tag, p);

  const actions: TransactionAction[] = [
    change.expectedEtag === undefined
      ? ['create', state]
      : ['update', state, 'Replace', { etag: change.expectedEtag }],
    ...[...counters.values()].map((c) => counterAction(repository, c, c.n)),
    ...[...promotions.values()].flatMap((p): TransactionAction[] => [
      ['upsert', promotionEntity(repository, p), 'Replace'],
      ['upsert', promotionDigestEntity(repository, p), 'Replace'],
      ...pendingAction(repository, p, pendingRows),
    ]),
    ...[...tags].map(([tag, p]): TransactionAction => [
      'upsert',
      tagEntity(repository, tag, p),
      'Replace',
    ]),
  ];
  if (change.outcome) actions.push(...outcomeActions(change.outcome));
  checkLimits(repository, actions);
  return actions;
}

/** Upserting `p`'s `pending|` copy while it is pending, deleting it when it no longer is. */
function pendingAction(
  repository: string,
  p: Promotion,
  pendingRows: ReadonlySet<string>,
): TransactionAction[] {
  if (p.status === 'pending') return [['upsert', promotionPendingEntity(repository, p), 'Replace']];
  const rowKey = pendingRowKey(p);
  return pendingRows.has(rowKey)
    ? [['delete', { partitionKey: partitionKeyOf(repository), rowKey }]]
    : [];
}

/** Upserting the `counter|` row of `key` at `n`. */
export function counterAction(repository: string, key: CounterKey, n: number): TransactionAction {
  return ['upsert', counterEntity(repository, key, n), 'Replace'];
}

/**
 * The `message|` and `history|` rows of an outcome (and the `deadletter|` row of a `failed`
 * one), created (never replaced).
 */
function outcomeActions(outcome: OutcomeEvent): TransactionAction[] {
  const { repository } = outcome;
  const atMs = Date.parse(outcome.at);
  if (!(atMs >= 0 && atMs <= MAX_TIME_MS))
    throw new ValidationError('promotion commit', [
      { path: 'outcome.at', message: 'must be a date between 1970 and 2286' },
    ]);
  const kinds: ('message' | 'history' | 'deadletter')[] =
    outcome.outcome === 'failed' ? ['message', 'history', 'deadletter'] : ['message', 'history'];
  return kinds.map((kind): TransactionAction => [
    'create',
    outcomeEntity(repository, kind, outcome, atMs),
  ]);
}

/**
 * The transaction recording an event that changes no promotion: its `message|` and
 * `history|` rows (and `deadletter|` row, for a `failed` one), created, so a second recording of the same message id fails whole (409).
 */
export function planHistoryEvent(repository: string, event: OutcomeEvent): TransactionAction[] {
  checkBelongs(repository, { promotions: [], outcome: event });
  const actions = outcomeActions(event);
  checkLimits(repository, actions);
  return actions;
}

/** The size the service counts for an entity: keys and properties as UTF-16, plus overheads. */
function entityBytes(entity: TableEntity): number {
  let bytes = 4;
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey') {
      bytes += String(value).length * 2;
      continue;
    }
    bytes += 8 + name.length * 2;
    bytes += typeof value === 'string' ? 4 + value.length * 2 : 8;
  }
  return bytes;
}

export function checkLimits(repository: string, actions: readonly TransactionAction[]): void {
  const fail = (problem: string): never => {
    throw new Error(
      `committing promotions of ${repository}: ${problem}; Table Storage would refuse it`,
    );
  };
  const limits = TABLES_LIMITS;
  if (actions.length > limits.operationsPerTransaction)
    fail(
      `the commit needs ${actions.length} row writes (state, counters, promotions and their digest and pending copies, tags, outcome), at most ${limits.operationsPerTransaction} fit in one transaction`,
    );
  let total = 0;
  for (const [, entity] of actions) {
    for (const [name, value] of Object.entries(entity))
      if (typeof value === 'string' && value.length * 2 > limits.stringPropertyBytes)
        fail(
          `row ${entity.rowKey}: property ${name} is ${value.length * 2} bytes, at most ${limits.stringPropertyBytes}`,
        );
    const bytes = entityBytes(entity);
    if (bytes > limits.entityBytes)
      fail(`row ${entity.rowKey} is ${bytes} bytes, at most ${limits.entityBytes}`);
    total += bytes;
  }
  if (total > limits.transactionBytes)
    fail(`the commit is ${total} bytes, at most ${limits.transactionBytes} per transaction`);
}
