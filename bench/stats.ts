/** Summary of a sample of durations (milliseconds). */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

/** The q-quantile (0–1) by the nearest-rank method: a value that was actually observed. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    median: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '–');

/** A plain-text table: the first row is the header; numbers are right-aligned. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map(String));
  const widths: number[] = [];
  for (const row of cells)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = (cell: string) => /^[-+]?[\d.,]+( ?[a-z%/×]+)?$|^–$/.test(cell);
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) =>
        numeric(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  if (!head) return '';
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...body.map(line)].join('\n');
}
