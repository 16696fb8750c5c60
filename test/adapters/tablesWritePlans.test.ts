import type { TransactionAction } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { transactionsOf } from '../../src/adapters/tables/tablesWritePlans.js';

const row = (rowKey: string, extra: Record<string, string> = {}): TransactionAction => [
  'upsert',
  { partitionKey: 'app', rowKey, ...extra },
  'Replace',
];
const rows = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => row(`${prefix}|${String(i)}`));

describe('transactionsOf: the build ledger’s writes as Table Storage takes them', () => {
  it('writes the index rows with the actions when all fit in one transaction of 100', () => {
    const plan = { result: undefined, actions: rows(4, 'a'), index: rows(96, 'i') };
    expect(transactionsOf('w', plan)).toEqual([[...rows(96, 'i'), ...rows(4, 'a')]]);
  });

  it('writes 650 index rows first, 100 a transaction, then the actions on their own', () => {
    const plan = { result: undefined, actions: rows(4, 'a'), index: rows(650, 'i') };
    const batches = transactionsOf('w', plan);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 100, 100, 100, 100, 50, 4]);
    expect(batches.flat()).toEqual([...rows(650, 'i'), ...rows(4, 'a')]);
  });

  it('writes nothing for a plan without actions', () => {
    expect(transactionsOf('w', { result: undefined, actions: [] })).toEqual([]);
  });

  it('refuses, naming the row and property, a string over 32,768 characters: the last line', () => {
    const plan = {
      result: undefined,
      actions: [row('build|x', { tags: 'x'.repeat(32_769) })],
    };
    expect(() => transactionsOf('recording build app@x', plan)).toThrow(
      'recording build app@x: row build|x: property tags is 32769 characters, at most 32768; Table Storage would refuse it',
    );
    expect(() =>
      transactionsOf('w', {
        result: undefined,
        actions: [row('ok', { tags: 'x'.repeat(32_768) })],
      }),
    ).not.toThrow();
  });

  it('refuses more than 100 rows in the transaction itself', () => {
    expect(() => transactionsOf('w', { result: undefined, actions: rows(101, 'a') })).toThrow(
      'w: the write needs 101 rows, at most 100 fit in one transaction',
    );
  });
});
