import { z } from 'zod';
import {
  conditionSchema,
  outcomeEventSchema,
  recordedApprovalSchema,
} from '../domain/outcomeEventSchema.js';

/**
 * The answers of promoter's HTTP API, as far as the CLI reads them. Objects are loose: fields
 * the CLI does not show pass through untouched (`--json` prints the raw answer anyway).
 */

/** `202` to `POST /api/approvals`. */
export const approvalAccepted = z.looseObject({
  id: z.string(),
  status: z.string(),
});

/** A recorded approval, as outcomes and pending promotions list them: who decided is enough. */
const approval = recordedApprovalSchema
  .partial({ at: true, messageId: true, source: true })
  .loose();

/** A recorded approval, as outcomes and pending promotions list them. */
export type AnswerApproval = z.output<typeof approval>;

/**
 * An outcome event: the domain's schema (`outcomeEventSchema.ts`), with its `type`, and the
 * approvals' times, message ids and sources, optional; fields the CLI does not know pass through.
 */
export const outcomeAnswer = outcomeEventSchema
  .partial({ type: true })
  .extend({ approvals: z.array(approval).optional() })
  .loose();

/** One outcome from the history. */
export type OutcomeAnswer = z.output<typeof outcomeAnswer>;

/** `GET /api/repositories/{repository}/history`: newest first. */
export const historyAnswer = z.looseObject({
  repository: z.string(),
  outcomes: z.array(outcomeAnswer),
  nextCursor: z.string().optional(),
});

/** One page of history. */
export type HistoryAnswer = z.output<typeof historyAnswer>;

/** `GET /api/repositories/{repository}/outcomes/{messageId}`: `event` is null until recorded. */
export const messageOutcomeAnswer = z.looseObject({
  repository: z.string(),
  messageId: z.string(),
  event: outcomeAnswer.nullable(),
});

/** `GET /api/repositories/{repository}/status`: what each stage holds, what waits. */
export const statusAnswer = z.looseObject({
  repository: z.string(),
  stages: z.array(
    z.looseObject({
      stage: z.string(),
      /** null: the stage holds nothing yet. */
      digest: z.string().nullable(),
      version: z.string().optional(),
      tags: z.array(z.string()).default([]),
      promotedAt: z.string().optional(),
      gitShas: z.array(z.string()).default([]),
      /** Where the stage's tags are, when not the build registry's repository (`prodacr.azurecr.io/myapp`). */
      location: z.string().optional(),
      /** Set while a rollback holds the stage (see `promoter unpin`). */
      pinned: z.looseObject({ by: z.string(), at: z.string(), reason: z.string() }).optional(),
    }),
  ),
  pending: z
    .array(
      z.looseObject({
        stage: z.string(),
        digest: z.string(),
        version: z.string().optional(),
        // Approver ids, or recorded approvals: both are shown by id.
        approvals: z.array(z.union([z.string(), approval])).default([]),
        required: z.number().optional(),
        /** A gated stage's conditions, ✓ or ✗ each. */
        conditions: z.array(conditionSchema).optional(),
      }),
    )
    .default([]),
});

/** A repository's status. */
export type StatusAnswer = z.output<typeof statusAnswer>;

/** An RFC 9457 problem, as the API answers 4xx and 5xx. */
export const problemAnswer = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })).optional(),
});
