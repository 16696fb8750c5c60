import { z } from 'zod';

/**
 * `POST /api/reconcile`'s answer (`ReconcileReport` in `src/app/reconcile/reconcileReport.ts`),
 * as far as the CLI reads it. Loose objects: `--json` prints the raw answer anyway.
 */
export const reconcileAnswer = z.looseObject({
  dryRun: z.boolean(),
  at: z.string(),
  scope: z.string(),
  repositories: z.array(
    z.looseObject({
      repository: z.string(),
      location: z.string().optional(),
      sweep: z.string(),
      tagsListed: z.number(),
      actions: z.array(
        z.looseObject({
          kind: z.string(),
          tag: z.string().optional(),
          digest: z.string(),
          restored: z.boolean().optional(),
          reason: z.string(),
        }),
      ),
      failed: z.array(z.looseObject({ action: z.string(), error: z.string() })),
      error: z.string().optional(),
    }),
  ),
  catalogError: z.string().optional(),
  cost: z.looseObject({
    registryRequests: z.number(),
    ledgerRequests: z.number(),
    ms: z.number(),
  }),
});

/** A reconcile report. */
export type ReconcileAnswer = z.output<typeof reconcileAnswer>;
