/**
 * Durations as the pipeline file and the operator write them: a whole number followed by `m`
 * (minutes), `h` (hours) or `d` (days), e.g. `7d`, `12h`, `10m`.
 */

/** A span of time, and the same in words. */
export interface Duration {
  /** Milliseconds, a whole number from 60 000 (`1m`). */
  readonly ms: number;
  /** In words: `30 days`, `1 hour`, `10 minutes`. */
  readonly label: string;
}

/** The grammar: no sign, no leading zero, no fraction, one unit. */
export const DURATION_PATTERN = /^[1-9][0-9]*[mhd]$/;

/** The grammar in words, for error messages. */
export const DURATION_GRAMMAR = 'a whole number followed by m (minutes), h (hours) or d (days)';

const UNITS = {
  m: { ms: 60_000, word: 'minute' },
  h: { ms: 3_600_000, word: 'hour' },
  d: { ms: 86_400_000, word: 'day' },
} as const;

/** A day in milliseconds (24 hours, UTC: no daylight saving). */
export const DAY_MS = UNITS.d.ms;

const inWords = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `30d` → 30 days; undefined when `text` does not follow the grammar. */
export function parseDuration(text: string): Duration | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  const unit = UNITS[text.slice(-1) as keyof typeof UNITS];
  const n = Number(text.slice(0, -1));
  return { ms: n * unit.ms, label: inWords(n, unit.word) };
}

/** `n` whole days (a whole number from 1), as a setting counted in days means them. */
export function durationOfDays(n: number): Duration {
  return { ms: n * DAY_MS, label: inWords(n, UNITS.d.word) };
}
