import { InvalidArgumentError } from 'commander';

/** `--wait [seconds]`: a positive number of seconds, e.g. `60` or `0.5`. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('expected a positive number of seconds, e.g. --wait 120');
  return seconds;
}

/** `--limit <n>`: a whole number from 1. */
export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number from 1, e.g. --limit 50');
  return n;
}

/** A repeatable option (`--group a --group b`): each use adds one value. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
