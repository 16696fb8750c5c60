import { DURATION_GRAMMAR, durationOfDays, parseDuration, type Duration } from './duration.js';

/**
 * The age past which retention may delete a build: `PROMOTER_RETENTION_DAYS` (whole days), or
 * for one run the operator's `olderThan` (`POST /api/retention`, `promoter retention
 * --older-than`), a duration from `1m` to `3650d`, the setting's own bounds stretched down to
 * a minute so that builds pushed minutes ago can be tried.
 */

/** The longest age: ten years, as for the setting. */
export const MAX_RETENTION_DAYS = 3650;

const MAX_MS = durationOfDays(MAX_RETENTION_DAYS).ms;

/** What an `olderThan` must be, in words: every refusal says it. */
export const OLDER_THAN_RULE = `must be a duration from 1m to ${MAX_RETENTION_DAYS}d: ${DURATION_GRAMMAR}, e.g. 30d, 12h or 10m`;

/** An `olderThan` read: the age, or why it is not one. */
export type OlderThan =
  { readonly ok: true; readonly age: Duration } | { readonly ok: false; readonly message: string };

/** Reads an `olderThan`; a refusal quotes the value and says `OLDER_THAN_RULE`. */
export function parseOlderThan(text: string): OlderThan {
  const age = parseDuration(text);
  if (age === undefined || age.ms > MAX_MS)
    return { ok: false, message: `${JSON.stringify(text)} ${OLDER_THAN_RULE}` };
  return { ok: true, age };
}
