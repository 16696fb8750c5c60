import { z } from 'zod';
import { applyRetention } from '../app/retention/applyRetention.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { durationOfDays } from '../domain/duration.js';
import { OLDER_THAN_RULE, parseOlderThan } from '../domain/retentionAge.js';
import { parseWith } from '../domain/zodIssues.js';
import { json, problem } from './http/problem.js';
import {
  booleanField,
  readRequestFields,
  repositoryField,
  requestSchema,
} from './http/requestFields.js';
import { logRetention } from './retentionTimer.js';
import { withServices } from './withServices.js';

/** `30d`, `12h`, `10m`: the age, read (see `retentionAge.ts`). */
const olderThan = z.string({ error: OLDER_THAN_RULE }).transform((value, ctx) => {
  const parsed = parseOlderThan(value);
  if (parsed.ok) return parsed.age;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

/**
 * The request's fields, from the query (`?dryRun=true&olderThan=10m&repository=myapp`) or a
 * JSON body.
 */
const retentionRequest = requestSchema({
  dryRun: booleanField.optional(),
  olderThan: olderThan.optional(),
  repository: repositoryField.optional(),
});

/**
 * `POST /api/retention[?dryRun=true][&olderThan=10m][&repository=myapp]` (or the same fields
 * as a JSON body): runs retention now, as the timer does, over every repository or the one
 * named, and answers 200 with the report (`RetentionReport`): per repository, what was deleted
 * (a dry run: what would be) and why, what stays and why. Without `dryRun=true` it deletes.
 * `olderThan` (`30d`, `12h`, `10m`; 1m–3650d) replaces PROMOTER_RETENTION_DAYS for this run,
 * also while retention is off; 409 when neither is given; 400 naming the field for bad input.
 */
export function retention(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const fields = parseWith(
      retentionRequest,
      'retention request',
      await readRequestFields(request, 'retention request', Object.keys(retentionRequest.shape)),
    );
    const days = services.config.retention.days;
    const age = fields.olderThan ?? (days === undefined ? undefined : durationOfDays(days));
    if (age === undefined)
      return problem(
        409,
        'Retention Off',
        'retention is off: set PROMOTER_RETENTION_DAYS on the promoter app to the number of days to keep builds that never went past the first stage (e.g. 30), or give this run an age: olderThan=30d (promoter retention --older-than 30d)',
      );
    const dryRun = fields.dryRun ?? false;
    const report = await applyRetention(services, {
      age,
      dryRun,
      repository: fields.repository,
    });
    logRetention(report, context);
    return json(200, report);
  });
}
