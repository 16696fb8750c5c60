import type { BoardResult } from './board.js';
import { ms, summarize, table } from './stats.js';

/** The board's targets: fast, and a cost that does not grow with the number of builds. */
export const BOARD_P95_TARGET_MS = 500;

/** Section 4 of the report, its summary rows and its verdicts. */
export function boardSection(board: BoardResult): {
  readonly lines: readonly string[];
  readonly summary: readonly (readonly string[])[];
  readonly verdicts: readonly { target: string; figure: string; met: boolean }[];
} {
  const overview = summarize(board.loads.overview);
  const page = summarize(board.loads.repositoryPage);
  const stages = summarize(board.loads.stages);
  const small = summarize(board.loads.oneBuild);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const perSecond = (board.builds - 1) / (board.seed.ms / 1000);
  const row = (
    name: string,
    s: ReturnType<typeof summarize>,
    requests: number | string,
    size: string,
  ) => [name, s.n, ms(s.min), ms(s.median), ms(s.p95), ms(s.max), requests, size];
  const lines = [
    `4. Board: repository ${board.repository} with ${board.builds} builds in Azurite, every stage holding a digest; ${board.loads.overview.length} loads of each route, one at a time, after 3 warm-up loads`,
    '',
    `  seeding: ${board.builds - 1} builds recorded through the Tables ledger, ${board.seed.concurrency} at a time, in ${(board.seed.ms / 1000).toFixed(1)} s (${perSecond.toFixed(0)} builds/s); not part of the load times`,
    '',
    table([
      ['route (ms)', 'n', 'min', 'median', 'p95', 'max', 'ledger requests', 'size'],
      row(
        `GET / (${board.repositories} repositories)`,
        overview,
        board.ledgerRequests.overview,
        kb(board.bytes.overview),
      ),
      row(
        `GET /?repository=… (${board.builds} builds)`,
        page,
        board.ledgerRequests.repositoryPage,
        kb(board.bytes.repositoryPage),
      ),
      row(
        'GET /api/repositories/…/stages',
        stages,
        board.ledgerRequests.stages,
        kb(board.bytes.stages),
      ),
      row('  the same page with 1 build', small, board.ledgerRequests.oneBuild, ''),
    ]),
    '',
    '  ledger requests: Azurite requests of one load, counted on the counting host (same tables, after a warm-up load)',
    ...(board.errors.length === 0 ? [] : [`  errors: ${board.errors.join(' | ')}`]),
    '',
  ];
  return {
    lines,
    summary: [
      ['board GET / median / p95 (ms)', `${ms(overview.median)} / ${ms(overview.p95)}`],
      [`board of ${board.builds} builds median / p95 (ms)`, `${ms(page.median)} / ${ms(page.p95)}`],
      ['stages JSON median / p95 (ms)', `${ms(stages.median)} / ${ms(stages.p95)}`],
      [`seeding ${board.builds - 1} builds (s)`, (board.seed.ms / 1000).toFixed(1)],
    ],
    verdicts: [
      {
        target: `board: GET / and the 10,000-build repository's page p95 < ${BOARD_P95_TARGET_MS} ms`,
        figure: `${ms(overview.p95)} / ${ms(page.p95)} ms`,
        met: overview.p95 < BOARD_P95_TARGET_MS && page.p95 < BOARD_P95_TARGET_MS,
      },
      {
        target: 'board: ledger requests do not grow with the number of builds',
        figure: `${board.ledgerRequests.repositoryPage} for ${board.builds} builds, ${board.ledgerRequests.oneBuild} for 1`,
        met: board.ledgerRequests.repositoryPage <= board.ledgerRequests.oneBuild,
      },
      {
        target: 'board: every load answered 200 and showed the promoted digest',
        figure: board.errors.length === 0 ? 'yes' : board.errors.join('; '),
        met: board.errors.length === 0,
      },
    ],
  };
}
