import { shortDigest as shortDigestOf } from '../domain/shortDigest.js';

/** Plain-text tables and the short forms of digests, SHAs and times that they show. */

/** An empty cell. */
export const NONE = '-';

/**
 * Aligns `rows` under `headers` in columns two spaces apart. The last column is not padded,
 * so a long reason runs on without trailing blanks. Empty cells show as `-`.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => row[i] || NONE));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `sha256:0123456789ab`: the algorithm and the first 12 hex characters; `-` for none. */
export function shortDigest(digest: string | undefined): string {
  return digest === undefined ? NONE : shortDigestOf(digest);
}

/** The first 7 characters of each git SHA. */
export function shortShas(shas: readonly string[] | undefined): string {
  return (shas ?? []).map((sha) => sha.slice(0, 7)).join(',');
}

/** `2026-11-27 10:00:00Z`: UTC to the second, the same wherever the CLI runs. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return NONE;
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
