import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { findBuild } from '../app/views/findBuild.js';
import type { BuildLedger } from '../ports/buildLedger.js';
import { buildView } from './buildView.js';
import { json, problem } from './http/problem.js';
import { readPage } from './http/readPage.js';

/** `GET …/builds/{gitShaOrDigest}`: one build by git SHA (full or unique prefix) or digest. */
export async function getBuild(
  ledger: BuildLedger,
  repository: string,
  ref: string,
): Promise<HttpResponseInit> {
  const found = await findBuild(ledger, repository, ref);
  switch (found.kind) {
    case 'found':
      return json(200, buildView(found.build));
    case 'not-found':
      return notFound(repository, found.ref);
    case 'bad-ref':
      return problem(400, 'Bad Request', found.problem, {
        errors: [{ path: 'gitShaOrDigest', message: found.problem }],
      });
    case 'ambiguous':
      return problem(
        409,
        'Conflict',
        `the short SHA ${found.ref} is ambiguous in ${repository}: use more characters`,
        {
          errors: found.shas.map((sha) => ({ path: 'gitShaOrDigest', message: `matches ${sha}` })),
        },
      );
  }
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
  const { builds, nextCursor } = await ledger.listBuilds(repository, readPage(request));
  return json(200, {
    repository,
    builds: builds.map(buildView),
    ...(nextCursor ? { nextCursor } : {}),
  });
}
