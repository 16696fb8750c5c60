import { z } from 'zod';

/** A string that `Date.parse` reads (an ISO 8601 time, as promoter writes them). */
export const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');

/** `text` as promoter writes times (ISO 8601, UTC) when `Date.parse` reads it; else undefined. */
export function isoTimeOf(text: string | undefined): string | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
