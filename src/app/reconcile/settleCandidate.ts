import type { PushDeps } from '../push/handleRegistryEvents.js';
import {
  automaticPromotionId,
  requestAutomaticPromotion,
} from '../push/requestAutomaticPromotion.js';
import { reconciledEvent, reconciledId } from './reconciledEvent.js';
import type { Comparison } from './reconcileReport.js';
import { type Candidate } from './findCandidates.js';

/** Whether to ask for a candidate's automatic promotion; if not, why not (none: nothing to ask). */
export type Held =
  { readonly ask: true } | { readonly ask: false; readonly why?: string | undefined };

/** Asks for one candidate's automatic promotion, or holds it (`held` says why); reports both. */
export async function settleCandidate(
  deps: PushDeps,
  repository: string,
  candidate: Candidate,
  held: Held,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const { digest, tag, gitSha, eventId } = candidate;
  const stage = deps.pipeline.stages[0]?.name ?? 'build';
  const autoId = automaticPromotionId(stage, repository, eventId);
  const notPromoted =
    held.ask || held.why === undefined ? undefined : `not promoted to ${stage}: ${held.why}`;
  let requested: string | undefined;
  if (!dryRun && held.ask)
    requested = await requestAutomaticPromotion(
      { id: eventId, action: 'push', outcome: 'recorded', repository, digest, gitSha, tag },
      deps,
    );
  const at = deps.clock.now();
  if (candidate.kind === 'recorded') {
    const why = candidate.why ?? '';
    if (dryRun) {
      result.actions.push({
        kind: 'build-recorded',
        tag,
        digest,
        gitSha,
        reason: `would record it: ${why}${notPromoted === undefined ? '' : `; ${notPromoted}`}`,
      });
      return;
    }
    const reason = `recorded ${tag}: ${why}${notPromoted === undefined ? '' : `; ${notPromoted}`}`;
    await deps.promotions.appendHistory(
      repository,
      reconciledEvent({
        id: eventId,
        reconciled: 'build-recorded',
        repository,
        stage,
        digest,
        tags: [tag],
        gitShas: [gitSha],
        reason,
        at,
        // Held: kept as the request's outcome, so no later run (or late request) asks for it.
        ...(notPromoted === undefined ? {} : { messageId: autoId }),
      }),
    );
    result.actions.push({
      kind: 'build-recorded',
      tag,
      digest,
      gitSha,
      ...(requested === undefined ? {} : { promotionRequested: requested }),
      reason: `recorded: ${why}${requested === undefined ? '' : '; its automatic promotion was asked for'}${notPromoted === undefined ? '' : `; ${notPromoted}`}`,
    });
    return;
  }
  const lostWhy = `${tag} (${digest}) was recorded, but its automatic promotion to ${stage} has no outcome (the request was lost)`;
  if (!held.ask && notPromoted === undefined) return;
  if (notPromoted !== undefined) {
    const reason = `${lostWhy}; ${notPromoted}`;
    if (!dryRun)
      await deps.promotions.appendHistory(
        repository,
        reconciledEvent({
          id: reconciledId('held', repository, digest, autoId),
          reconciled: 'promotion-held',
          repository,
          stage,
          digest,
          tags: [tag],
          gitShas: [gitSha],
          reason,
          at,
          messageId: autoId,
        }),
      );
    result.actions.push({ kind: 'promotion-held', tag, digest, reason });
    return;
  }
  if (dryRun) {
    result.actions.push({
      kind: 'promotion-requested',
      tag,
      digest,
      promotionRequested: autoId,
      reason: `${lostWhy}; a run would ask for it again as ${autoId}`,
    });
    return;
  }
  if (requested === undefined) return;
  const reason = `${lostWhy}; asked for it again as ${requested}`;
  await deps.promotions.appendHistory(
    repository,
    reconciledEvent({
      id: reconciledId('requested', repository, digest, requested),
      reconciled: 'promotion-requested',
      repository,
      stage,
      digest,
      tags: [tag],
      gitShas: [gitSha],
      reason,
      at,
    }),
  );
  result.actions.push({
    kind: 'promotion-requested',
    tag,
    digest,
    promotionRequested: requested,
    reason,
  });
}
