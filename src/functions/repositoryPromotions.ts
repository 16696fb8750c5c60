import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { repositoryStatus } from '../app/views/repositoryStatus.js';
import { stageBoard } from '../app/views/stageBoard.js';
import type { Services } from '../composition/createServices.js';
import type { PromotionLedger } from '../ports/promotionLedger.js';
import { json } from './http/problem.js';
import { readPage } from './http/readPage.js';

/**
 * `GET …/status`: what each stage of the pipeline holds (digest, version, tags, git SHAs,
 * when), and the promotions still waiting for approvals.
 */
export async function getStatus(services: Services, repository: string): Promise<HttpResponseInit> {
  return json(200, await repositoryStatus(services, repository));
}

/**
 * `GET …/stages`: the board's data. Per stage: tags, digest, git SHAs, who approved and when,
 * age, pin; then pending approvals with who may still approve, the newest outcome events and
 * dead-lettered messages.
 */
export async function getStages(services: Services, repository: string): Promise<HttpResponseInit> {
  return json(200, await stageBoard(services, repository));
}

/** `GET …/history?limit=&cursor=`: every decision on the repository, newest first. */
export async function getHistory(
  promotions: PromotionLedger,
  repository: string,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  const { outcomes, nextCursor } = await promotions.listHistory(repository, readPage(request));
  return json(200, { repository, outcomes, ...(nextCursor ? { nextCursor } : {}) });
}
