import { z } from 'zod';
import { isoDate } from '../../domain/isoDate.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { outcomeEventSchema, recordedApprovalSchema } from '../../domain/outcomeEventSchema.js';
import type { Promotion, StageHead } from '../../domain/promotion.js';
import type { RepositoryState } from '../../ports/promotionLedger.js';
import { parseRowWith } from './tablesPartition.js';
import { CURRENT_LAYOUT, type LayoutMove } from './tablesPromotionRows.js';

/*
 * Reading the promotion store's rows (written by `tablesPromotionRows.ts`): every row is
 * validated, so a malformed one is named instead of spreading into a decision. Outcomes and
 * approvals are stored as JSON and read with the domain's schemas (`outcomeEventSchema.ts`).
 */

/** A JSON-encoded property holding a value of `schema`. */
function json<T>(schema: z.ZodType<T>) {
  return z.string().transform((text, ctx): T => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: `${issue.path.join('.')}: ${issue.message}` });
    return z.NEVER;
  });
}

const strings = z.array(z.string());

const stageHead: z.ZodType<StageHead> = z.object({
  stage: z.string(),
  digest: z.string(),
  version: z.string().optional(),
  tags: strings,
  promotedAt: isoDate,
  pinned: z
    .object({
      by: z.string(),
      at: isoDate,
      reason: z.string(),
      messageId: z.string(),
      previousDigest: z.string().optional(),
    })
    .optional(),
});

const stateRow = z.object({
  heads: json(z.record(z.string(), stageHead)),
  etag: z.string(),
});

/** The layout marks of a `state` row (see `stateEntity`). */
const layoutRow = z.object({
  layout: z.number().int().positive().optional(),
  counters: json(z.record(z.string(), z.number().int().nonnegative())).optional(),
  indexedThrough: z.string().min(1).optional(),
  movedThrough: z.string().min(1).optional(),
});

const counterRow = z.object({ n: z.number().int().nonnegative() });

const promotionRow: z.ZodType<Promotion> = z.object({
  repository: z.string().min(1),
  stage: z.string().min(1),
  digest: z.string().min(1),
  version: z.string().optional(),
  status: z.enum(['pending', 'promoting', 'promoted', 'rejected']),
  tags: json(strings),
  n: z.number().int().positive().optional(),
  approvals: json(z.array(recordedApprovalSchema)),
  requestedBy: z.string().optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
  promotedAt: isoDate.optional(),
  reason: z.string().optional(),
});

const tagRow = z.object({ promotion: z.string().min(1) });
const outcomeRow = z.object({ outcome: json(outcomeEventSchema) });

const parseRow = <T>(schema: z.ZodType<T>, row: Record<string, unknown>): T =>
  parseRowWith(schema, row, 'promotion store');

/** The repository state held by the `state` row (its ETag is the state's). */
export function stateOfRow(row: Record<string, unknown>): RepositoryState {
  const { heads, etag } = parseRow(stateRow, row);
  return { heads, etag };
}

/**
 * How far a `state` row of the old layout has come towards the current one (the old
 * format's counters still in it, the digest copies written so far), or `current`.
 */
export function layoutOfRow(row: Record<string, unknown>): 'current' | LayoutMove {
  const { layout, counters, indexedThrough, movedThrough } = parseRow(layoutRow, row);
  if (layout !== undefined && layout >= CURRENT_LAYOUT && counters === undefined) return 'current';
  return { layout: layout ?? 1, counters, indexedThrough, movedThrough };
}

/** The `n` of a `counter|` row. */
export function counterOfRow(row: Record<string, unknown>): number {
  return parseRow(counterRow, row).n;
}

/** The promotion held by a `promotion|` row. */
export function promotionOfRow(row: Record<string, unknown>): Promotion {
  return parseRow(promotionRow, row);
}

/** The `promotion|` RowKey a `tag|` row points at. */
export function promotionKeyOfTagRow(row: Record<string, unknown>): string {
  return parseRow(tagRow, row).promotion;
}

/** The outcome held by a `message|` or `history|` row. */
export function outcomeOfRow(row: Record<string, unknown>): OutcomeEvent {
  return parseRow(outcomeRow, row).outcome;
}

/** The `commitId` of a `state` row, if it has one. */
export function commitIdOfRow(row: Record<string, unknown>): string | undefined {
  const id = row['commitId'];
  return typeof id === 'string' ? id : undefined;
}
