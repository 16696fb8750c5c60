import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { digestProblem } from '../domain/imageReference.js';
import { matchingCommits } from '../domain/matchingCommits.js';
import type { BuildLedger } from '../ports/buildLedger.js';
import { buildView } from './buildView.js';
import { json, problem } from './http/problem.js';
import { readPage } from './http/readPage.js';

const shaPattern = /^[0-9a-f]{7,40}$/;

/** `GET …/builds/{gitShaOrDigest}`: one build by git SHA (full or unique prefix) or digest. */
export async function getBuild(
  ledger: BuildLedger,
  repository: string,
  rawRef: string,
): Promise<HttpResponseInit> {
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

/** `GET …/builds?limit=&cursor=`: builds newest first, a page at a time. */
export async function listBuilds(
  ledger: BuildLedger,
  repository: string,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  const page = readPage(request);
  if (page.kind === 'bad') return page.answer;
  const { builds, nextCursor } = await ledger.listBuilds(repository, page);
  return json(200, {
    repository,
    builds: builds.map(buildView),
    ...(nextCursor ? { nextCursor } : {}),
  });
}
