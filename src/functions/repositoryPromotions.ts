import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Services } from '../composition.js';
import { promotionKey, type Promotion } from '../domain/promotion.js';
import type { PromotionStore } from '../ports.js';
import { json } from './http/problem.js';
import { readPage } from './http/readPage.js';

/** How far back in the history `status` looks for promotions still waiting for approvals. */
const PENDING_LOOKBACK = 100;

/**
 * `GET …/status`: what each stage of the pipeline holds (digest, version, tags, git SHAs,
 * when), and the promotions still waiting for approvals.
 */
export async function getStatus(services: Services, repository: string): Promise<HttpResponseInit> {
  const { promotions, ledger, pipeline } = services;
  const state = await promotions.getRepositoryState(repository);
  const stages = await Promise.all(
    pipeline.stages.map(async (stage) => {
      const head = state.heads[stage.name];
      if (!head) return { stage: stage.name, digest: null };
      const build = await ledger.getBuildByDigest(repository, head.digest);
      return { ...head, gitShas: build?.gitShas ?? [] };
    }),
  );
  return json(200, { repository, stages, pending: await pendingPromotions(services, repository) });
}

async function pendingPromotions(services: Services, repository: string) {
  const { outcomes } = await services.promotions.listHistory(repository, {
    limit: PENDING_LOOKBACK,
  });
  const keys = new Map<string, { stage: string; version?: string | undefined; digest: string }>();
  for (const o of outcomes)
    if (o.outcome === 'pending' && o.digest !== undefined) {
      const key = { stage: o.stage, version: o.version, digest: o.digest };
      keys.set(promotionKey(key), key);
    }
  const found = await Promise.all(
    [...keys.values()].map((k) => services.promotions.getPromotion(repository, k)),
  );
  return found
    .filter((p): p is Promotion => p?.status === 'pending')
    .map((p) => ({
      stage: p.stage,
      digest: p.digest,
      ...(p.version !== undefined ? { version: p.version } : {}),
      approvals: p.approvals,
      required: services.pipeline.stage(p.stage)?.approval.required,
      eligible: services.pipeline.stage(p.stage)?.approval.approvers,
    }));
}

/** `GET …/history?limit=&cursor=`: every decision on the repository, newest first. */
export async function getHistory(
  promotions: PromotionStore,
  repository: string,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  const page = readPage(request);
  if (page.kind === 'bad') return page.answer;
  const { outcomes, nextCursor } = await promotions.listHistory(repository, page);
  return json(200, { repository, outcomes, ...(nextCursor ? { nextCursor } : {}) });
}
