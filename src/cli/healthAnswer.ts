import { z } from 'zod';

/**
 * `GET /api/health`'s answer (see `src/functions/health.ts`; the checks are `CheckReport`s of
 * `src/app/doctor/doctorReport.ts`), as far as the CLI reads it. Both 200 and 503 carry it.
 * Loose objects, and a check's name is any string: a newer host's extra checks still show.
 */

const common = {
  name: z.string(),
  tried: z.string(),
  as: z.string(),
  registry: z.string().optional(),
};

const check = z.discriminatedUnion('status', [
  z.looseObject({ ...common, status: z.literal('ok'), detail: z.string() }),
  z.looseObject({ ...common, status: z.literal('skipped'), reason: z.string() }),
  z.looseObject({
    ...common,
    status: z.literal('failed'),
    cause: z.string(),
    fix: z.array(z.string()).default([]),
  }),
]);

export const healthAnswer = z.looseObject({
  status: z.enum(['healthy', 'unhealthy']),
  checks: z.array(check),
});

/** The host's doctor report. */
export type HealthAnswer = z.output<typeof healthAnswer>;
