import type { TableEntity } from '@azure/data-tables';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Promotion } from '../../domain/promotion.js';
import type { CounterKey, RepositoryState } from '../../ports/promotionLedger.js';
import { partitionKeyOf } from './tablesKeys.js';
import {
  counterRowKey,
  historyRowKey,
  messageRowKey,
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

/** The layout a `state` row marks as complete (counter and digest rows); see the keys. */
export const CURRENT_LAYOUT = 2;

/** How far a repository of the old layout has come towards the current one. */
export interface LayoutMove {
  /** The old format's counters still in the state row. */
  readonly counters?: Readonly<Record<string, number>> | undefined;
  /** The last `promotion|` RowKey whose `digest|` copy is written (none yet: undefined). */
  readonly indexedThrough?: string | undefined;
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
      layout: move === undefined ? CURRENT_LAYOUT : undefined,
      counters: move?.counters && JSON.stringify(move.counters),
      indexedThrough: move?.indexedThrough,
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

/** The `message|` row of a finished message, or its `history|` copy (`atMs` parsed by the caller). */
export function outcomeEntity(
  repository: string,
  kind: 'message' | 'history',
  outcome: OutcomeEvent,
  atMs: number,
): TableEntity<Props> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey:
      kind === 'message'
        ? messageRowKey(outcome.messageId)
        : historyRowKey(atMs, outcome.messageId),
    messageId: outcome.messageId,
    result: outcome.outcome,
    stage: outcome.stage,
    at: outcome.at,
    outcome: JSON.stringify(outcome),
  };
}
