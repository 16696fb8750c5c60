import { NotFoundError, TransientError } from '../../domain/errors.js';
import {
  manifestSubjectOf,
  referrerTagOf,
  SUBJECT_MEDIA_TYPES,
} from '../../domain/referrerPush.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import { reevaluateMessage } from '../../domain/reevaluateMessage.js';
import type { EventOutcome } from './recordRegistryEvent.js';
import type { PushDeps } from './handleRegistryEvents.js';

/**
 * When a registry event is the push of a referrer of a digest — a tag of cosign's
 * (`sha256-<hex>.sig`, `.att`, `.sbom`) or of the referrers tag schema (`sha256-<hex>`), or an
 * OCI manifest pushed by digest whose `subject` names it — sends a `reevaluate` message for
 * each pending promotion of that digest into a stage that lists `evidence`, so one waiting
 * for this signature or SBOM goes ahead by itself. Nothing is recorded as a build (the event
 * stays `ignored`); the result's reason says what was asked.
 *
 * Only when the pipeline has a stage with evidence: otherwise no event costs anything more. A
 * push by digest costs one manifest GET (to read its `subject`; a manifest gone meanwhile is
 * nobody's referrer; one that cannot be read is reported in the result). The message ids derive
 * from the event id, so a redelivered event asks again under the same ids. Transient failures
 * (registry, ledger, queue) are thrown: the event is redelivered.
 */
export async function reevaluateOnReferrer(
  event: RegistryEvent,
  result: EventOutcome,
  deps: PushDeps,
): Promise<EventOutcome> {
  if (event.kind !== 'push' || result.outcome !== 'ignored') return result;
  const gated = deps.pipeline.stages.filter((s) => s.gates.evidence.length > 0);
  if (gated.length === 0) return result;
  // A stage's registry other than the build registry: there promoter copies referrers itself.
  if (
    event.registry !== undefined &&
    event.registry !== deps.defaultRegistry &&
    deps.pipeline.registries.some((r) => r.loginServer === event.registry)
  )
    return result;
  let subject: string | undefined;
  try {
    subject = await subjectOf(event, deps);
  } catch (error) {
    // As a drift check's: reported in the event's result, so one unreadable manifest never
    // holds back the registry's later events; a transient failure is thrown (redelivered).
    if (error instanceof TransientError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    return {
      ...result,
      reason: `${result.reason ?? 'not a build'}; could not read it for a referrer's subject: ${why}`,
    };
  }
  if (subject === undefined) return result;

  const now = deps.clock.now().toISOString();
  const waiting = (await deps.promotions.listPromotionsOfDigest(event.repository, subject)).filter(
    (p) => p.status === 'pending' && gated.some((s) => s.name === p.stage),
  );
  for (const promotion of waiting)
    await deps.approvals.send(reevaluateMessage(promotion, now, event.id, 'evidence'));
  const asked =
    waiting.length === 0
      ? 'no pending promotion of it waits on evidence'
      : `re-evaluating its pending promotion${waiting.length === 1 ? '' : 's'} to ${waiting.map((p) => p.stage).join(', ')}`;
  return {
    ...result,
    reason: `${result.reason ?? 'not a build'}; a referrer of ${subject}: ${asked}`,
  };
}

/** The digest the pushed referrer refers to, if it is one. */
async function subjectOf(
  event: Extract<RegistryEvent, { kind: 'push' }>,
  deps: PushDeps,
): Promise<string | undefined> {
  if (event.tag !== undefined) return referrerTagOf(event.tag)?.subject;
  if (!SUBJECT_MEDIA_TYPES.has(event.mediaType)) return undefined;
  try {
    const manifest = await deps.registry.getManifest(event.repository, event.digest);
    return manifestSubjectOf(manifest.content);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
