import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/adapters/tables/tablesCursor.js';
import {
  eventRowKey,
  partitionKeyOf,
  shaPrefixRange,
  timeRowKey,
} from '../../src/adapters/tables/tablesKeys.js';

/** Printable ASCII without the characters Table Storage refuses in keys (`/ \ # ?`). */
const isLegalKey = (key: string) => /^[ -~]*$/.test(key) && !/[/\\#?]/.test(key);

describe('Tables ledger keys', () => {
  it.each(['team/backend/api', 'myapp', 'a.b_c-d/e'])(
    'encodes repository %j reversibly',
    (repo) => {
      const key = partitionKeyOf(repo);
      expect(isLegalKey(key)).toBe(true);
      expect(key.replaceAll('~', '/')).toBe(repo);
    },
  );

  it.each([
    ['7c3e1a3e-5b4f-4e43-9c51-1d2b6f0a9e11', 'event|7c3e1a3e-5b4f-4e43-9c51-1d2b6f0a9e11'],
    ['a/b', undefined],
    ['tab\there', undefined],
    ['x'.repeat(5000), undefined],
  ])('makes a legal, distinct key of event id %#', (id, expected) => {
    const key = eventRowKey(id);
    expect(isLegalKey(key)).toBe(true);
    expect(key.length).toBeLessThan(256);
    if (expected) expect(key).toBe(expected);
    expect(eventRowKey(`${id}!`)).not.toBe(key);
  });

  it('sorts time rows newest first', () => {
    const older = timeRowKey(Date.UTC(2024, 0, 1), 'sha256:b');
    const newer = timeRowKey(Date.UTC(2025, 0, 1), 'sha256:a');
    expect([older, newer].sort()).toEqual([newer, older]);
  });

  it('bounds a SHA prefix range to SHAs with that prefix', () => {
    const { from, to } = shaPrefixRange('a1b2c3d');
    const inside = (key: string) => key >= from && key < to;
    expect(inside(`sha|a1b2c3d${'f'.repeat(33)}|000000000000001|sha256:x`)).toBe(true);
    expect(inside('sha|a1b2c3d|000000000000001|sha256:x')).toBe(true);
    expect(inside(`sha|a1b2c3e${'0'.repeat(33)}|000000000000001|sha256:x`)).toBe(false);
    expect(inside('time|000000000000001|sha256:x')).toBe(false);
  });

  it('round-trips a cursor', () => {
    const rowKey = timeRowKey(Date.UTC(2025, 0, 1), `sha256:${'c'.repeat(64)}`);
    expect(decodeCursor(encodeCursor(rowKey))).toBe(rowKey);
  });
});
