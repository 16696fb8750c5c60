import { z } from 'zod';
import type { Condition } from './gatePolicy.js';
import { isoDate } from './isoDate.js';
import {
  OUTCOME_KINDS,
  RECONCILED_FINDINGS,
  type OutcomeEvent,
  type RecordedApproval,
} from './outcomeEvent.js';
import { parseWith } from './zodIssues.js';

/*
 * The one schema of an outcome event (the type and its meaning are in `outcomeEvent.ts`): a
 * subscriber of the `promotion-events` topic reads events with it, the Tables ledger reads
 * its `message|` and `history|` rows with it, and the CLI's answers are derived from it.
 * Unknown fields are dropped, so a subscriber keeps working when the publisher adds one.
 */

const strings = z.array(z.string());
const count = z.number().int().nonnegative();

/** One approval, as events and ledger rows hold it. */
export const recordedApprovalSchema = z.object({
  approverId: z.string().min(1),
  approverName: z.string().optional(),
  decision: z.enum(['approve', 'reject']),
  at: isoDate,
  messageId: z.string(),
  source: z.string(),
  comment: z.string().optional(),
}) satisfies z.ZodType<RecordedApproval>;

/** One condition of a gated promotion, as events and ledger rows hold it. */
export const conditionSchema = z.object({
  kind: z.enum(['approvals', 'check', 'soak', 'evidence']),
  name: z.string().min(1),
  met: z.boolean(),
  detail: z.string(),
  reporter: z.string().optional(),
  url: z.string().optional(),
  at: z.string().optional(),
  overridden: z.boolean().optional(),
}) satisfies z.ZodType<Condition>;

/** The shape of an `OutcomeEvent`. */
export const outcomeEventSchema = z.object({
  type: z.literal('promotion.outcome'),
  id: z.string().min(1),
  outcome: z.enum(OUTCOME_KINDS),
  repository: z.string().min(1),
  stage: z.string().min(1),
  version: z.string().optional(),
  digest: z.string().optional(),
  gitShas: strings.optional(),
  moreGitShas: z.number().int().positive().optional(),
  tags: strings.optional(),
  moreTags: z.number().int().positive().optional(),
  approvals: z.array(recordedApprovalSchema).optional(),
  conditions: z.array(conditionSchema).optional(),
  required: z.number().int().nonnegative().optional(),
  eligible: z.object({ ids: strings, groups: strings }).optional(),
  reason: z.string().optional(),
  previousDigest: z.string().optional(),
  restored: z.boolean().optional(),
  reconciled: z.enum(RECONCILED_FINDINGS).optional(),
  registry: z.string().optional(),
  stageRepository: z.string().optional(),
  copy: z
    .object({
      from: z.string(),
      manifestsWritten: count,
      blobsUploaded: count,
      bytesUploaded: count,
      blobsPresent: count,
      blobsMounted: count,
      referrers: strings,
      requests: count,
    })
    .optional(),
  actor: z.string().optional(),
  messageId: z.string().min(1),
  at: isoDate,
}) satisfies z.ZodType<OutcomeEvent>;

/** Reads an outcome event; throws a ValidationError naming each bad field. */
export function parseOutcomeEvent(input: unknown): OutcomeEvent {
  return parseWith(outcomeEventSchema, 'outcome event', input);
}
