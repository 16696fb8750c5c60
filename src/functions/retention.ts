import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { applyRetention } from '../app/retention/applyRetention.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { ValidationError } from '../domain/errors.js';
import { durationOfDays } from '../domain/duration.js';
import { repositoryProblem } from '../domain/imageReference.js';
import { OLDER_THAN_RULE, parseOlderThan } from '../domain/retentionAge.js';
import { parseWith } from '../domain/zodIssues.js';
import { json, problem } from './http/problem.js';
import { parseJson } from './http/parseJson.js';
import { readLimitedBody } from './http/readLimitedBody.js';
import { logRetention } from './retentionTimer.js';
import { withServices } from './withServices.js';

const MAX_BODY_BYTES = 4 * 1024;

const repository = z.string().superRefine((value, ctx) => {
  const bad = repositoryProblem(value);
  if (bad !== undefined) ctx.addIssue({ code: 'custom', message: bad });
});

/** `30d`, `12h`, `10m`: the age, read (see `retentionAge.ts`). */
const olderThan = z.string({ error: OLDER_THAN_RULE }).transform((value, ctx) => {
  const parsed = parseOlderThan(value);
  if (parsed.ok) return parsed.age;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

const TRUE_OR_FALSE = 'must be true or false';

/**
 * The request's fields, from the query (`?dryRun=true&olderThan=10m&repository=myapp`) or a
 * JSON body.
 */
const retentionRequest = z.strictObject(
  {
    dryRun: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
        error: TRUE_OR_FALSE,
      })
      .optional(),
    olderThan: olderThan.optional(),
    repository: repository.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}; allowed: dryRun, olderThan, repository`
        : undefined,
  },
);

/** The query's fields this route reads (Azure adds `code`, the function key: it is not ours). */
const QUERY_FIELDS = ['dryRun', 'olderThan', 'repository'] as const;

/** The request's fields: the JSON body's, then the query's; a field given in both is refused. */
async function readFields(request: HttpRequest): Promise<Record<string, unknown>> {
  const body = await readLimitedBody(request, MAX_BODY_BYTES);
  if (body.kind === 'too-large')
    throw new ValidationError('retention request', [
      { path: '', message: `the body is larger than ${MAX_BODY_BYTES} bytes` },
    ]);
  let fields: Record<string, unknown> = {};
  if (body.text.trim() !== '') {
    const parsed = parseJson(body.text, 'retention request');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ValidationError('retention request', [
        { path: '', message: 'the body must be a JSON object, e.g. {"dryRun": true}' },
      ]);
    fields = { ...parsed };
  }
  for (const name of QUERY_FIELDS) {
    const value = request.query.get(name);
    if (value === null) continue;
    if (name in fields)
      throw new ValidationError('retention request', [
        { path: name, message: 'is given in both the query and the body; give it once' },
      ]);
    fields[name] = value;
  }
  return fields;
}

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
    const fields = parseWith(retentionRequest, 'retention request', await readFields(request));
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
