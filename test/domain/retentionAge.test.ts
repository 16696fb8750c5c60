import { describe, expect, it } from 'vitest';
import { durationOfDays, parseDuration } from '../../src/domain/duration.js';
import { parseOlderThan } from '../../src/domain/retentionAge.js';

describe('durations', () => {
  it.each([
    ['10m', 600_000, '10 minutes'],
    ['1m', 60_000, '1 minute'],
    ['12h', 43_200_000, '12 hours'],
    ['1h', 3_600_000, '1 hour'],
    ['30d', 2_592_000_000, '30 days'],
    ['1d', 86_400_000, '1 day'],
  ])('reads %s as %i ms, "%s"', (text, ms, label) => {
    expect(parseDuration(text)).toEqual({ ms, label });
  });

  it('counts a setting in days the same as the same days written as a duration', () => {
    expect(durationOfDays(30)).toEqual(parseDuration('30d'));
    expect(durationOfDays(1)).toEqual({ ms: 86_400_000, label: '1 day' });
  });
});

describe('an olderThan', () => {
  it.each([['1m'], ['10m'], ['12h'], ['30d'], ['3650d'], ['87600h']])('takes %s', (text) => {
    expect(parseOlderThan(text)).toEqual({ ok: true, age: parseDuration(text) });
  });

  it.each([
    ['0m'],
    ['010m'],
    ['30'],
    ['30s'],
    ['1.5h'],
    ['-1d'],
    [' 10m'],
    ['10M'],
    ['1w'],
    [''],
    ['3651d'],
    ['5256001m'],
    ['99999999999999999999d'],
  ])('refuses %j, quoting it and saying the grammar', (text) => {
    expect(parseOlderThan(text)).toEqual({
      ok: false,
      message: `${JSON.stringify(text)} must be a duration from 1m to 3650d: a whole number followed by m (minutes), h (hours) or d (days), e.g. 30d, 12h or 10m`,
    });
  });
});
