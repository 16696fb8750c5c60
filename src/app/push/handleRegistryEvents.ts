import { TransientError } from '../../domain/errors.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import type { PromotionQueue } from '../../ports/promotionQueue.js';
import { detectDriftOnPush, type DriftDeps } from './detectDriftOnPush.js';
import {
  recordRegistryEvent,
  type EventOutcome,
  type RecordBuildDeps,
} from './recordRegistryEvent.js';
import { reevaluateOnReferrer } from './reevaluateOnReferrer.js';
import { requestAutomaticPromotion } from './requestAutomaticPromotion.js';
import { stageRegistry, type RegistriesDeps } from '../promotion/stagePlace.js';

export type { EventOutcome } from './recordRegistryEvent.js';

/** What the push flow needs: the ledgers, the registry, the queue and the pipeline. */
export interface PushDeps extends RecordBuildDeps, DriftDeps {
  readonly approvals: PromotionQueue;
  /** The registries stages keep their tags in, for a stage tag pushed to one of them. */
  readonly registryAt?: RegistriesDeps['registryAt'];
}

/** What was done with one registry event. */
export interface EventReport {
  /** The event's outcome, as the webhook answers it. */
  readonly result: EventOutcome;
  /** The message id of the automatic first-stage promotion it asked for, if any. */
  readonly promotionRequested?: string;
}

/**
 * The push flow: takes the events of one registry delivery, in order (a body may push and then
 * delete the same digest), and for each one records the build, checks a push to a stage tag
 * for drift, asks for the automatic first-stage promotion of a recorded build, and has a
 * referrer's push re-evaluate the promotions waiting on evidence (`reevaluateOnReferrer`). Returns one
 * report per event, in the events' order.
 *
 * Idempotent end to end (event ids key every write, message ids every request), so a
 * redelivery is safe. A transient failure (ledger, registry, queue) is thrown after the events
 * before it were handled; the redelivery finishes the rest. A drift check that fails for any
 * other reason is reported in that event's result, so one unreadable tag never holds back the
 * registry's later events.
 */
export async function handleRegistryEvents(
  events: readonly RegistryEvent[],
  deps: PushDeps,
): Promise<EventReport[]> {
  const reports: EventReport[] = [];
  for (const event of events) {
    const recorded = await recordRegistryEvent(event, deps);
    const result = await reevaluateOnReferrer(
      event,
      await checkStageTagPush(event, recorded, deps),
      deps,
    );
    const promotionRequested = await requestAutomaticPromotion(result, deps);
    reports.push(promotionRequested === undefined ? { result } : { result, promotionRequested });
  }
  return reports;
}

/** For a push to a stage tag, says in the result whether it was promoter's own write or drift. */
async function checkStageTagPush(
  event: RegistryEvent,
  result: EventOutcome,
  deps: PushDeps,
): Promise<EventOutcome> {
  if (result.outcome !== 'stage-tag' || event.kind !== 'push' || event.tag === undefined)
    return result;
  // A stage kept in another registry or repository: the drift check reads the build
  // repository's ledger, and that stage's registry and repository.
  const stage = result.stage === undefined ? undefined : deps.pipeline.stage(result.stage);
  const repository = stage?.repository.sourceOf(event.repository) ?? event.repository;
  const registry =
    stage === undefined
      ? deps.registry
      : stageRegistry(stage, { ...deps, buildRegistry: deps.defaultRegistry });
  const push = {
    eventId: event.id,
    repository,
    tag: event.tag,
    digest: event.digest,
    pushedBy: event.pushedBy,
    at: event.timestamp,
  };
  try {
    const check = await detectDriftOnPush(push, { ...deps, registry });
    return check.kind === 'drift'
      ? { ...result, outcome: 'drift', reason: check.event.reason ?? 'drift' }
      : { ...result, reason: check.reason };
  } catch (error) {
    if (error instanceof TransientError) throw error;
    return {
      ...result,
      reason: `could not check ${push.tag} for drift: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
