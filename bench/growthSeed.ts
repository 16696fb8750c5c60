import { randomBytes } from 'node:crypto';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import type { Promotion } from '../src/domain/promotion.js';
import type { BuildPush } from '../src/ports/buildLedger.js';

/* The history the growth bench seeds: what handled approvals and recorded pushes leave. */

export const digestOf = (): string => `sha256:${randomBytes(32).toString('hex')}`;

/**
 * `count` promotions of `repository` as handled approvals leave them: each a promoted rc
 * promotion of a digest of its own, with its tag and counter, and its outcome in the history.
 */
export function seededPromotions(
  repository: string,
  count: number,
): { promotion: Promotion; outcome: OutcomeEvent }[] {
  const at = (k: number) => new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString();
  return Array.from({ length: count }, (_, k) => {
    const promotion: Promotion = {
      repository,
      stage: 'rc',
      digest: digestOf(),
      version: `0.${k}.0`,
      status: 'promoted',
      tags: [`0.${k}.0-rc1`],
      n: 1,
      approvals: [
        {
          approverId: 'seed',
          decision: 'approve',
          at: at(k),
          messageId: `seed-${k}`,
          source: 'bench',
        },
      ],
      createdAt: at(k),
      updatedAt: at(k),
      promotedAt: at(k),
    };
    const outcome: OutcomeEvent = {
      type: 'promotion.outcome',
      id: `seed-outcome-${k}`,
      outcome: 'promoted',
      repository,
      stage: promotion.stage,
      version: promotion.version,
      digest: promotion.digest,
      tags: promotion.tags,
      approvals: promotion.approvals,
      required: 1,
      messageId: `seed-${k}`,
      at: at(k),
    };
    return { promotion, outcome };
  });
}

/** `count` first pushes of new builds to `repository`, a second apart, ending a second ago. */
export function seededPushes(repository: string, registry: string, count: number): BuildPush[] {
  const before = Date.now() - 1000;
  return Array.from({ length: count }, (_, i) => {
    const sha = randomBytes(20).toString('hex');
    return {
      eventId: `growth-seed-${randomBytes(6).toString('hex')}-${i}`,
      repository,
      digest: digestOf(),
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry,
      at: new Date(before - (count - i) * 1000),
    };
  });
}
