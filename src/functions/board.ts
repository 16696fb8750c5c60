import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { stageBoard } from '../app/views/stageBoard.js';
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

async function section(
  services: Services,
  links: BoardLinks,
  repository: string,
  builds: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<SafeHtml> {
  const [board, buildPage] = await Promise.all([
    stageBoard(services, repository),
    services.ledger.listBuilds(repository, builds),
  ]);
  return repositorySection({
    board,
    builds: buildPage,
    pipeline: services.pipeline,
    links,
    now: new Date(board.at),
    cursor: builds.cursor,
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
    const body = await section(services, links, repository, { limit: REPOSITORY_BUILDS, cursor });
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
  const now = services.clock.now();
  const repositories = await services.ledger.listRepositories();
  const shown = repositories.slice(0, OVERVIEW_REPOSITORIES);
  const others = repositories.slice(OVERVIEW_REPOSITORIES);
  const sections = await Promise.all(
    shown.map((r) => section(services, links, r, { limit: OVERVIEW_BUILDS })),
  );
  const count = `${repositories.length} repositor${repositories.length === 1 ? 'y' : 'ies'}`;
  const subtitle = html`${count} · read ${timeAgo(now.toISOString(), now)} from the ledger`;
  if (repositories.length === 0)
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
 * `GET /`: the pipeline board, server-rendered HTML that reads the ledger only. Without
 * `?repository=`, a section per repository; with it, that repository and its builds a page at
 * a time (`&cursor=`). Every shown value is escaped; links carry `?code=` along.
 */
export function board(getServices: ServicesProvider) {
  return withServices(
    getServices,
    async (services, request: HttpRequest): Promise<HttpResponseInit> => {
      const links = boardLinks(request.query.get('code') ?? undefined);
      const repository = request.query.get('repository');
      if (repository === null || repository === '') return overview(services, links);
      return repositoryPage(services, links, repository, request.query.get('cursor') ?? undefined);
    },
  );
}
