import { z } from 'zod';
import { OUTCOME_KINDS, type OutcomeEvent, type RecordedApproval } from './outcomeEvent.js';
import { parseWith } from './zodIssues.js';

/*
 * Reading an outcome event from the `promotion-events` topic. Unknown fields are dropped, so a
 * subscriber keeps working when the publisher adds one.
 */

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');
const strings = z.array(z.string());

const recordedApproval: z.ZodType<RecordedApproval> = z.object({
  approverId: z.string().min(1),
  approverName: z.string().optional(),
  decision: z.enum(['approve', 'reject']),
  at: isoDate,
  messageId: z.string(),
  source: z.string(),
  comment: z.string().optional(),
});

/** The shape of an `OutcomeEvent` (see `outcomeEvent.ts`). */
export const outcomeEventSchema: z.ZodType<OutcomeEvent> = z.object({
  type: z.literal('promotion.outcome'),
  id: z.string().min(1),
  outcome: z.enum(OUTCOME_KINDS),
  repository: z.string().min(1),
  stage: z.string().min(1),
  version: z.string().optional(),
  digest: z.string().optional(),
  gitShas: strings.optional(),
  tags: strings.optional(),
  approvals: z.array(recordedApproval).optional(),
  required: z.number().int().nonnegative().optional(),
  eligible: z.object({ ids: strings, groups: strings }).optional(),
  reason: z.string().optional(),
  previousDigest: z.string().optional(),
  restored: z.boolean().optional(),
  actor: z.string().optional(),
  messageId: z.string().min(1),
  at: isoDate,
});

/** Reads an outcome event; throws a ValidationError naming each bad field. */
export function parseOutcomeEvent(input: unknown): OutcomeEvent {
  return parseWith(outcomeEventSchema, 'outcome event', input);
}
