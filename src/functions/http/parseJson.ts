import { ValidationError } from '../../domain/errors.js';

/**
 * Parses a request's JSON text, or throws a ValidationError naming what is not JSON (`the
 * body`, or the form field at `path`), which the handler answers 400 and changes nothing.
 * @param subject what is being read, e.g. `webhook body`, `approval request`.
 */
export function parseJson(text: string, subject: string, path = ''): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(subject, [
      { path, message: `${path === '' ? 'the body' : 'it'} is not JSON: ${reason}` },
    ]);
  }
}
