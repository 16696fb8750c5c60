import type { BuildPage } from '../../ports/buildLedger.js';
import { stageBoard, type StageBoard, type StageBoardDeps } from './stageBoard.js';

/** One repository as the board page shows it: its stages and one page of its builds. */
export interface RepositoryBoard {
  readonly board: StageBoard;
  readonly builds: BuildPage;
}

/** Every repository: the first ones in full, the names of the rest. */
export interface BoardOverview {
  /** When it was read (the clock's now). */
  readonly at: Date;
  /** How many repositories have a recorded build. */
  readonly total: number;
  readonly shown: readonly RepositoryBoard[];
  /** Repositories past the ones shown, by name. */
  readonly others: readonly string[];
}

/**
 * A repository's board and a page of its builds, newest first. The caller validates the
 * repository name; a cursor that is not one of the ledger's is a ValidationError.
 */
export async function repositoryBoard(
  deps: StageBoardDeps,
  repository: string,
  builds: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<RepositoryBoard> {
  const [board, page] = await Promise.all([
    stageBoard(deps, repository),
    deps.ledger.listBuilds(repository, builds),
  ]);
  return { board, builds: page };
}

/**
 * The board's front page: every repository with a recorded build, sorted by name; the first
 * `repositories` in full with their newest `builds`, the others by name only, so the page
 * reads a bounded number of rows however many repositories there are.
 */
export async function boardOverview(
  deps: StageBoardDeps,
  limits: { readonly repositories: number; readonly builds: number },
): Promise<BoardOverview> {
  const at = deps.clock.now();
  const repositories = await deps.ledger.listRepositories();
  const shown = await Promise.all(
    repositories
      .slice(0, limits.repositories)
      .map((r) => repositoryBoard(deps, r, { limit: limits.builds })),
  );
  return {
    at,
    total: repositories.length,
    shown,
    others: repositories.slice(limits.repositories),
  };
}
