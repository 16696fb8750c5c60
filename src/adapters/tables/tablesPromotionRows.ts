import type { TableEntity } from '@azure/data-tables';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Promotion } from '../../domain/promotion.js';
import type { CounterKey, RepositoryState } from '../../ports/promotionLedger.js';
import { partitionKeyOf } from './tablesKeys.js';
import {
  counterRowKey,
  deadLetterRowKey,
  historyRowKey,
  messageRowKey,
  pendingRowKey,
  promotionDigestRowKey,
  promotionRowKey,
  STATE_ROW_KEY,
  tagRowKey,
} from './tablesPromotionKeys.js';

/** Property values the promotion rows hold: strings, and the rc number. */
type Props = Record<string, string | number>;

/** `props` without its undefined values (the service stores no such thing). */
function defined(props: Record<string, string | number | undefined>): Props {
  const out: Props = {};
  for (const [name, value] of Object.entries(props)) if (value !== undefined) out[name] = value;
  return out;
}

/**
 * The layout a `state` row marks as complete (counter, digest, pending and dead-letter rows);
 * see the keys. Layout 2 had counter and digest rows; before it, none.
 */
export const CURRENT_LAYOUT = 3;

/** How far a repository of an old layout has come towards the current one. */
export interface LayoutMove {
  /** The layout reached so far (1 for none marked). */
  readonly layout?: number | undefined;
  /** The old format's counters still in the state row. */
  readonly counters?: Readonly<Record<string, number>> | undefined;
  /** The last `promotion|` RowKey whose `digest|` copy is written (none yet: undefined). */
  readonly indexedThrough?: string | undefined;
  /**
   * On layout 2: the last RowKey looked at for `pending|` copies (a `promotion|` one), or for
   * `deadletter|` copies (a `history|` one); none yet: undefined.
   */
  readonly movedThrough?: string | undefined;
}

/**
 * The `state` row. `commitId` names the commit that wrote it last, so that a commit whose
 * answer was lost can tell it landed. Without `move` it marks the current layout; with one
 * (only while a ledger of the old layout is moved) it records how far the move has come.
 */
export function stateEntity(
  repository: string,
  state: Pick<RepositoryState, 'heads'>,
  commitId: string,
  move?: LayoutMove,
): TableEntity<Props> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey: STATE_ROW_KEY,
    repository,
    heads: JSON.stringify(state.heads),
    ...defined({
      layout: move === undefined ? CURRENT_LAYOUT : move.layout,
      counters: move?.counters && JSON.stringify(move.counters),
      indexedThrough: move?.indexedThrough,
      movedThrough: move?.movedThrough,
    }),
    commitId,
  };
}

/** The `counter|` row holding `n` for one stage and version. */
export function counterEntity(repository: string, key: CounterKey, n: number): TableEntity<Props> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey: counterRowKey(key),
    ...defined({ stage: key.stage, version: key.version === '' ? undefined : key.version, n }),
  };
}

/** The `promotion|` row of `promotion` (lists as JSON). */
export function promotionEntity(repository: string, promotion: Promotion): TableEntity<Props> {
  const p = promotion;
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey: promotionRowKey(p),
    ...defined({
      repository: p.repository,
      stage: p.stage,
      digest: p.digest,
      version: p.version,
      status: p.status,
      tags: JSON.stringify(p.tags),
      n: p.n,
      approvals: JSON.stringify(p.approvals),
      requestedBy: p.requestedBy,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      promotedAt: p.promotedAt,
      reason: p.reason,
    }),
  };
}

/** The `digest|` copy of `promotion`'s row, which `listPromotionsOfDigest` reads. */
export function promotionDigestEntity(
  repository: string,
  promotion: Promotion,
): TableEntity<Props> {
  return { ...promotionEntity(repository, promotion), rowKey: promotionDigestRowKey(promotion) };
}

/** The `pending|` copy of a pending promotion's row, which `listPendingPromotions` reads. */
export function promotionPendingEntity(
  repository: string,
  promotion: Promotion,
): TableEntity<Props> {
  return { ...promotionEntity(repository, promotion), rowKey: pendingRowKey(promotion) };
}

/** The `tag|` row pointing `tag` at `promotion`. */
export function tagEntity(
  repository: string,
  tag: string,
  promotion: Promotion,
): TableEntity<Props> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey: tagRowKey(tag),
    tag,
    promotion: promotionRowKey(promotion),
  };
}

/**
 * The `message|` row of a finished message, or its `history|` copy, or (for a `failed` one)
 * its `deadletter|` copy (`atMs` parsed by the caller).
 */
export function outcomeEntity(
  repository: string,
  kind: 'message' | 'history' | 'deadletter',
  outcome: OutcomeEvent,
  atMs: number,
): TableEntity<Props> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey:
      kind === 'message'
        ? messageRowKey(outcome.messageId)
        : kind === 'history'
          ? historyRowKey(atMs, outcome.messageId)
          : deadLetterRowKey(atMs, outcome.messageId),
    messageId: outcome.messageId,
    result: outcome.outcome,
    stage: outcome.stage,
    at: outcome.at,
    outcome: JSON.stringify(outcome),
  };
}
