import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ServicesProvider } from '../composition.js';
import { digestProblem, repositoryProblem } from '../domain/imageReference.js';
import { matchingCommits } from '../domain/matchingCommits.js';
import type { Ledger } from '../ports.js';
import { buildView } from './buildView.js';
import { json, problem } from './http/problem.js';
import { withServices } from './withServices.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A request on the `repositories/{*path}` route, once the path is understood. */
export type BuildsRoute =
  | { readonly kind: 'list'; readonly repository: string }
  | { readonly kind: 'get'; readonly repository: string; readonly ref: string };

/**
 * Splits `team/backend/builds` and `team/backend/builds/<ref>`. Repository names may
 * contain `/` (and even a `builds` component), so the route is a catch-all read from the end.
 */
export function parseBuildsPath(path: string): BuildsRoute | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length >= 2 && parts.at(-1) === 'builds')
    return { kind: 'list', repository: parts.slice(0, -1).join('/') };
  if (parts.length >= 3 && parts.at(-2) === 'builds')
    return { kind: 'get', repository: parts.slice(0, -2).join('/'), ref: parts.at(-1) ?? '' };
  return undefined;
}

/** Hosts differ in whether route parameters arrive decoded; decoding twice is harmless here. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const shaPattern = /^[0-9a-f]{7,40}$/;

/**
 * `GET /api/repositories/{repository}/builds` (newest first, `?limit=&cursor=`) and
 * `GET /api/repositories/{repository}/builds/{gitShaOrDigest}`.
 */
export function repositoryBuilds(getServices: ServicesProvider) {
  return withServices(
    getServices,
    async ({ ledger }, request: HttpRequest): Promise<HttpResponseInit> => {
      const route = parseBuildsPath(safeDecode(request.params.path ?? ''));
      if (!route)
        return problem(
          404,
          'Not Found',
          'use /api/repositories/{repository}/builds or …/builds/{gitShaOrDigest}',
        );
      const repoProblem = repositoryProblem(route.repository);
      if (repoProblem)
        return problem(400, 'Bad Request', `repository ${repoProblem}`, {
          errors: [{ path: 'repository', message: repoProblem }],
        });
      return route.kind === 'list'
        ? await list(ledger, route.repository, request)
        : await get(ledger, route.repository, route.ref);
    },
  );
}

async function get(ledger: Ledger, repository: string, rawRef: string): Promise<HttpResponseInit> {
  const ref = rawRef.includes(':') ? rawRef : rawRef.toLowerCase();
  if (ref.includes(':')) {
    const bad = digestProblem(ref);
    if (bad)
      return problem(400, 'Bad Request', bad, {
        errors: [{ path: 'gitShaOrDigest', message: bad }],
      });
    const build = await ledger.getBuildByDigest(repository, ref);
    return build ? json(200, buildView(build)) : notFound(repository, ref);
  }
  if (!shaPattern.test(ref)) {
    const message = `"${rawRef}" is neither a git SHA (7–40 hex characters) nor a digest (sha256:…)`;
    return problem(400, 'Bad Request', message, { errors: [{ path: 'gitShaOrDigest', message }] });
  }
  const builds = await ledger.findBuildsByGitSha(repository, ref, 20);
  const first = builds[0];
  if (!first) return notFound(repository, ref);
  const shas = matchingCommits(builds, ref);
  if (shas.length > 1)
    return problem(
      409,
      'Conflict',
      `the short SHA ${ref} is ambiguous in ${repository}: use more characters`,
      {
        errors: shas.map((sha) => ({ path: 'gitShaOrDigest', message: `matches ${sha}` })),
      },
    );
  // The same commit built twice (a rebuild) gives two digests: answer with the newest.
  return json(200, buildView(first));
}

function notFound(repository: string, ref: string): HttpResponseInit {
  return problem(404, 'Not Found', `no build of ${repository} is recorded for ${ref}`);
}

async function list(
  ledger: Ledger,
  repository: string,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  const rawLimit = request.query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE_SIZE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    const message = `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
    return problem(400, 'Bad Request', `limit ${message}`, {
      errors: [{ path: 'limit', message }],
    });
  }
  const cursor = request.query.get('cursor') ?? undefined;
  const page = await ledger.listBuilds(repository, { limit, cursor });
  return json(200, {
    repository,
    builds: page.builds.map(buildView),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  });
}
