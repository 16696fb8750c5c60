import { classifyEvent } from '../../domain/classifyEvent.js';
import { isoTimeOf } from '../../domain/isoDate.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import type { Clock } from '../../ports/clock.js';
import type { BuildLedger } from '../../ports/buildLedger.js';

/** What was done with one event; the webhook's response lists one per event. */
export interface EventOutcome {
  readonly id: string;
  readonly action: string;
  readonly outcome:
    | 'acknowledged'
    | 'recorded'
    | 'already-recorded'
    | 'duplicate'
    | 'deleted'
    | 'stage-tag'
    | 'drift'
    | 'ignored';
  readonly repository?: string;
  readonly digest?: string;
  readonly gitSha?: string;
  readonly tag?: string;
  readonly stage?: string;
  /** Why nothing was recorded, for `ignored`, `duplicate`, `stage-tag` and `drift`. */
  readonly reason?: string;
}

export interface RecordBuildDeps {
  readonly ledger: BuildLedger;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
  /** Registry host to record when an event names none (`PROMOTER_REGISTRY`). */
  readonly defaultRegistry: string | undefined;
}

/**
 * Records what one registry event announces: a push under a build tag becomes a build, a
 * delete marks the build deleted; pings, stage tags and other tags are reported, not recorded.
 * Idempotent: every ledger write is keyed on the event id, so a redelivered event changes
 * nothing. A ledger failure is thrown (as the ledger's TransientError).
 */
export async function recordRegistryEvent(
  event: RegistryEvent,
  deps: RecordBuildDeps,
): Promise<EventOutcome> {
  const decision = classifyEvent(event, deps.pipeline, deps.defaultRegistry);
  const action = event.kind === 'other' ? event.action : event.kind;
  const subject =
    event.kind === 'other'
      ? { id: event.id, action, ...(event.repository ? { repository: event.repository } : {}) }
      : {
          id: event.id,
          action,
          repository: event.repository,
          ...(event.digest !== undefined ? { digest: event.digest } : {}),
          ...(event.tag ? { tag: event.tag } : {}),
        };
  switch (decision.kind) {
    case 'ping':
      return { ...subject, outcome: 'acknowledged' };
    case 'ignore':
      return { ...subject, outcome: 'ignored', reason: decision.reason };
    case 'stage-tag':
      return {
        ...subject,
        outcome: 'stage-tag',
        stage: decision.stage,
        reason: `tag of stage ${decision.stage}: promoter's own re-tag, or drift if promoter did not make it`,
      };
    case 'record': {
      if (event.kind !== 'push') throw new Error('only a push records a build');
      const result = await deps.ledger.recordBuild({
        eventId: event.id,
        repository: event.repository,
        digest: event.digest,
        gitSha: decision.gitSha,
        tag: decision.tag,
        mediaType: event.mediaType,
        registry: event.registry ?? deps.defaultRegistry ?? 'unknown',
        ...(event.pushedBy === undefined ? {} : { pushedBy: event.pushedBy }),
        ...pushedAt(event.timestamp),
        at: deps.clock.now(),
      });
      const outcome =
        result.kind === 'duplicate-event'
          ? ({ outcome: 'duplicate', reason: 'this event was handled before' } as const)
          : ({ outcome: result.kind } as const);
      return { ...subject, ...outcome, gitSha: decision.gitSha };
    }
    case 'delete': {
      if (event.kind !== 'delete') throw new Error('only a delete marks a build deleted');
      const result = await deps.ledger.markBuildDeleted({
        eventId: event.id,
        repository: event.repository,
        digest: decision.digest,
        at: deps.clock.now(),
      });
      switch (result.kind) {
        case 'deleted':
          return { ...subject, outcome: 'deleted' };
        case 'unknown-build':
          return { ...subject, outcome: 'ignored', reason: 'no build is recorded for this digest' };
        case 'duplicate-event':
          return { ...subject, outcome: 'duplicate', reason: 'this event was handled before' };
      }
    }
  }
}

/** The registry's time of the push, kept as ISO 8601 when it is a time at all. */
function pushedAt(timestamp: string | undefined): { pushedAt?: string } {
  const at = isoTimeOf(timestamp);
  return at === undefined ? {} : { pushedAt: at };
}
