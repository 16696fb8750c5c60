import type { ServicesProvider } from '../composition/createServices.js';
import { repositoryProblem } from '../domain/imageReference.js';
import { problem } from './http/problem.js';
import { parseRepositoryPath } from './http/repositoryPath.js';
import { getBuild, listBuilds } from './repositoryBuilds.js';
import { getHistory, getOutcome, getStages, getStatus } from './repositoryPromotions.js';
import { withServices } from './withServices.js';

/** Hosts differ in whether route parameters arrive decoded; decoding twice is harmless here. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The read API under `GET /api/repositories/{repository}/…`: `builds`, `builds/{gitShaOrDigest}`,
 * `status` (what each stage holds), `stages` (the board's data: tags, approvers, ages, pending
 * approvals, recent events, dead letters), `history` (every decision, newest first) and
 * `outcomes/{messageId}` (one message's outcome, waited for with `?wait=`).
 */
export function repositories(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request) => {
    const route = parseRepositoryPath(safeDecode(request.params.path ?? ''));
    if (!route)
      return problem(
        404,
        'Not Found',
        'use /api/repositories/{repository}/builds, …/builds/{gitShaOrDigest}, …/status, …/stages, …/history or …/outcomes/{messageId}',
      );
    const repoProblem = repositoryProblem(route.repository);
    if (repoProblem)
      return problem(400, 'Bad Request', `repository ${repoProblem}`, {
        errors: [{ path: 'repository', message: repoProblem }],
      });
    switch (route.kind) {
      case 'builds':
        return listBuilds(services.ledger, route.repository, request);
      case 'build':
        return getBuild(services.ledger, route.repository, route.ref);
      case 'status':
        return getStatus(services, route.repository);
      case 'stages':
        return getStages(services, route.repository);
      case 'history':
        return getHistory(services.promotions, route.repository, request);
      case 'outcome':
        return getOutcome(services, route.repository, route.messageId, request);
    }
  });
}
