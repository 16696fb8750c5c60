import type { HttpResponseInit } from '@azure/functions';
import {
  boardOverview,
  repositoryBoard,
  type RepositoryBoard,
} from '../app/views/boardOverview.js';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { ValidationError } from '../domain/errors.js';
import { repositoryProblem } from '../domain/imageReference.js';
import { boardPage } from './board/boardLayout.js';
import { boardLinks, type BoardLinks } from './board/boardLinks.js';
import { repositorySection } from './board/repositorySection.js';
import { timeAgo } from './board/relativeTime.js';
import { html, type SafeHtml } from './http/html.js';
import { withServices } from './withServices.js';

/** Repositories the overview shows in full; the others are listed as links. */
export const OVERVIEW_REPOSITORIES = 20;
/** Builds per repository on the overview, and per page on a repository's own board. */
export const OVERVIEW_BUILDS = 5;
export const REPOSITORY_BUILDS = 25;

/**
 * Headers of every board page: nothing but its own inline style may load or run, the type is
 * never sniffed, and the function key in its URL is never sent on as a referrer.
 */
export const BOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const page = (status: number, title: string, subtitle: SafeHtml, body: SafeHtml) => ({
  status,
  headers: BOARD_HEADERS,
  body: boardPage({ title, subtitle, body }),
});

function section(
  services: Services,
  links: BoardLinks,
  { board, builds }: RepositoryBoard,
  cursor?: string,
): SafeHtml {
  return repositorySection({
    board,
    builds,
    pipeline: services.pipeline,
    links,
    now: new Date(board.at),
    cursor,
  });
}

/** One repository's board, its builds a page at a time (`?repository=…&cursor=…`). */
async function repositoryPage(
  services: Services,
  links: BoardLinks,
  repository: string,
  cursor: string | undefined,
): Promise<HttpResponseInit> {
  const back = html`<a href="${links.home()}">← all repositories</a>`;
  const problem = repositoryProblem(repository);
  if (problem)
    return page(400, 'promoter board', back, html`<p class="notice">repository ${problem}</p>`);
  try {
    const shown = await repositoryBoard(services, repository, { limit: REPOSITORY_BUILDS, cursor });
    const body = section(services, links, shown, cursor);
    return page(200, `${repository} · promoter board`, back, body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const again = html`${error.message}.
      <a href="${links.repository(repository)}">Start from the newest builds.</a>`;
    return page(400, 'promoter board', back, html`<p class="notice">${again}</p>`);
  }
}

/** Every repository: the first `OVERVIEW_REPOSITORIES` in full, the rest as links. */
async function overview(services: Services, links: BoardLinks): Promise<HttpResponseInit> {
  const {
    at: now,
    total,
    shown,
    others,
  } = await boardOverview(services, {
    repositories: OVERVIEW_REPOSITORIES,
    builds: OVERVIEW_BUILDS,
  });
  const sections = shown.map((r) => section(services, links, r));
  const count = `${total} repositor${total === 1 ? 'y' : 'ies'}`;
  const subtitle = html`${count} · read ${timeAgo(now.toISOString(), now)} from the ledger`;
  if (total === 0)
    return page(
      200,
      'promoter board',
      subtitle,
      html`<p class="notice">
        No build recorded yet. Push an image under a build tag (e.g. <code>myapp:git-a1b2c3d</code>)
        and it appears here.
      </p>`,
    );
  const more =
    others.length === 0
      ? ''
      : html`<section class="repo">
          <h2>${others.length} more</h2>
          <ul>
            ${others.map((r) => html`<li><a href="${links.repository(r)}">${r}</a></li>`)}
          </ul>
        </section>`;
  return page(200, 'promoter board', subtitle, html`${sections}${more}`);
}

/**
 * `GET /` (and `GET /board`, `at`): the pipeline board, server-rendered HTML that reads the
 * ledger only. Without `?repository=`, a section per repository; with it, that repository and
 * its builds a page at a time (`&cursor=`). Every shown value is escaped; links carry `?code=`
 * along and stay under the path the board was opened at.
 */
export function board(getServices: ServicesProvider, at: '/' | '/board' = '/') {
  return withServices(getServices, async (services, request) => {
    const links = boardLinks(request.query.get('code') ?? undefined, at);
    const repository = request.query.get('repository');
    if (repository === null || repository === '') return overview(services, links);
    return repositoryPage(services, links, repository, request.query.get('cursor') ?? undefined);
  });
}
