import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { repositoryStatus } from '../app/views/repositoryStatus.js';
import { stageBoard } from '../app/views/stageBoard.js';
import type { Services } from '../composition/createServices.js';
import type { PromotionLedger } from '../ports/promotionLedger.js';
import { messageFields } from '../domain/approvalMessage.js';
import { ValidationError } from '../domain/errors.js';
import { awaitOutcome } from './awaitOutcome.js';
import { json } from './http/problem.js';
import { readPage } from './http/readPage.js';
import { readWait } from './http/readWait.js';

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

/**
 * `GET …/outcomes/{messageId}?wait=30s`: the outcome recorded for one message, `event: null`
 * while there is none. With `wait` (up to 60 s) the answer is held until the outcome is
 * recorded (by any instance: the ledger is read with a backoff; this one wakes the wait at
 * once) or the wait is over, when it is the same `event: null`.
 */
export async function getOutcome(
  services: Services,
  repository: string,
  messageId: string,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  // A message id as the `promotions` queue takes it.
  const id = messageFields.id.safeParse(messageId);
  if (!id.success)
    throw new ValidationError('path', [
      { path: 'messageId', message: id.error.issues[0]?.message ?? 'not a message id' },
    ]);
  const waitMs = readWait(request);
  const event = await awaitOutcome(services, repository, messageId, waitMs);
  return json(200, { repository, messageId, event: event ?? null });
}
