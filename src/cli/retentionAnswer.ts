import { z } from 'zod';

/**
 * `POST /api/retention`'s answer (`RetentionReport` in `src/app/retention/applyRetention.ts`), as
 * far as the CLI reads it. Loose objects: `--json` prints the raw answer anyway.
 */

const build = {
  digest: z.string(),
  gitShas: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  recordedAt: z.string(),
};

export const retentionAnswer = z.looseObject({
  dryRun: z.boolean(),
  /** The age past which builds could go (`{ ms: 600000, label: '10 minutes' }`). */
  age: z.looseObject({ ms: z.number(), label: z.string() }),
  at: z.string(),
  repositories: z.array(
    z.looseObject({
      repository: z.string(),
      deleted: z.array(z.looseObject({ ...build, reason: z.string() })),
      kept: z.array(z.looseObject({ ...build, reasons: z.array(z.string()) })),
      failed: z.array(z.looseObject({ ...build, reason: z.string(), error: z.string() })),
      error: z.string().optional(),
    }),
  ),
});

/** A retention report. */
export type RetentionAnswer = z.output<typeof retentionAnswer>;
