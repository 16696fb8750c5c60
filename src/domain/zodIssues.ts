import type { z } from 'zod';
import { ValidationError, type Issue } from './errors.js';

/** Formats a zod issue path as `events[0].target.digest`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns a zod error into a ValidationError whose issues name each field. */
export function toValidationError(
  subject: string,
  error: z.ZodError,
  prefix = '',
): ValidationError {
  const issues: Issue[] = error.issues.map((i) => {
    const path = formatPath(i.path);
    return {
      path: prefix && path && !path.startsWith('[') ? `${prefix}.${path}` : prefix + path,
      message: i.message,
    };
  });
  return new ValidationError(subject, issues);
}

/** Parses `input` with `schema`, throwing a ValidationError naming every bad field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  subject: string,
  input: unknown,
  /** Path of `input` within the whole document, prefixed to every issue's path. */
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toValidationError(subject, result.error, prefix);
  return result.data;
}
