import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';
import { repositoryProblem } from '../../domain/imageReference.js';
import { parseJson } from './parseJson.js';
import { readLimitedBody } from './readLimitedBody.js';

/*
 * The fields of an operator's run request (`POST /api/retention`, `POST /api/reconcile`): from
 * the query (`?dryRun=true&repository=myapp`) or a small JSON body, never both for one field.
 */

const MAX_BODY_BYTES = 4 * 1024;

/** A repository name, checked as the registry would. */
export const repositoryField = z.string().superRefine((value, ctx) => {
  const bad = repositoryProblem(value);
  if (bad !== undefined) ctx.addIssue({ code: 'custom', message: bad });
});

/** `true` or `false`, as JSON or as query text. */
export const booleanField = z.union(
  [z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')],
  { error: 'must be true or false' },
);

/** An object schema that names the allowed fields when an unknown one is given. */
export function requestSchema<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}; allowed: ${Object.keys(shape).join(', ')}`
        : undefined,
  });
}

/**
 * The request's fields: the JSON body's, then the query's `fields` (Azure adds `code`, the
 * function key: it is not ours); a field given in both is refused. Errors name `subject`.
 */
export async function readRequestFields(
  request: HttpRequest,
  subject: string,
  fields: readonly string[],
): Promise<Record<string, unknown>> {
  const body = await readLimitedBody(request, MAX_BODY_BYTES);
  if (body.kind === 'too-large')
    throw new ValidationError(subject, [
      { path: '', message: `the body is larger than ${MAX_BODY_BYTES} bytes` },
    ]);
  let read: Record<string, unknown> = {};
  if (body.text.trim() !== '') {
    const parsed = parseJson(body.text, subject);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ValidationError(subject, [
        { path: '', message: 'the body must be a JSON object, e.g. {"dryRun": true}' },
      ]);
    read = { ...parsed };
  }
  for (const name of fields) {
    const value = request.query.get(name);
    if (value === null) continue;
    if (name in read)
      throw new ValidationError(subject, [
        { path: name, message: 'is given in both the query and the body; give it once' },
      ]);
    read[name] = value;
  }
  return read;
}
