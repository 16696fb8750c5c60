import { floatingTags, type Stage } from '../../domain/pipeline.js';
import { locatedTags, stageLocationFields } from '../../domain/outcomeLocation.js';
import type { Promotion, StageHead } from '../../domain/promotion.js';
import type { ListedTag } from '../../ports/registry.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { detectDriftOnPush } from '../push/detectDriftOnPush.js';
import { putExactManifest } from '../promotion/putExactManifest.js';
import { reconciledEvent, reconciledId } from './reconciledEvent.js';
import type { Comparison } from './reconcileReport.js';

/** A stage tag the ledger has a digest for: drift when the registry holds another one. */
export async function checkStageTag(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  expected: string,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined || digest === expected) return;
  const eventId = reconciledId('tag', repository, listed.tag, digest, expected);
  // Reported by an earlier run (and not put back): announced once, not every run.
  if (await deps.promotions.getOutcome(repository, `drift:${eventId}`)) return;
  if (dryRun) {
    result.actions.push({
      kind: 'drift',
      tag: listed.tag,
      digest,
      expected,
      restored: false,
      reason: `would check for drift: ${listed.tag} holds ${digest}, the ledger says ${expected}`,
    });
    return;
  }
  const check = await detectDriftOnPush(
    { eventId, repository, tag: listed.tag, digest, pushedBy: undefined },
    deps,
  );
  if (check.kind !== 'drift') return; // promoter's own write in flight, or the tag moved back
  result.actions.push({
    kind: 'drift',
    tag: listed.tag,
    digest,
    expected,
    restored: check.event.restored ?? false,
    reason: check.event.reason ?? 'drift',
  });
}

/** A stage tag no promotion made (e.g. rc tags a lost ledger write forgot): reported. */
export async function reportUnknownTag(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  { name: stage, ...place }: Pick<Stage, 'name' | 'registry' | 'repository'>,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  // Read again: a promotion may have allocated the tag since the ledger was read.
  const owner = await deps.promotions.findPromotionByTag(repository, listed.tag);
  if (owner !== undefined && owner.status !== 'rejected') return;
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined) return;
  const where = stageLocationFields(place, repository);
  const [tag = listed.tag] = locatedTags({ repository, tags: [listed.tag], ...where }) ?? [];
  const reason = `${tag} (${digest}) is a ${stage} tag that no promotion in the ledger made; promoter leaves it alone (a lost ledger write, or pushed by hand)`;
  const id = reconciledId('unknown', repository, listed.tag, digest);
  if (!dryRun) {
    const event = reconciledEvent({
      id,
      reconciled: 'tag-unknown',
      repository,
      stage,
      digest,
      tags: [listed.tag],
      ...where,
      reason,
      at: deps.clock.now(),
    });
    // Announced when first found; later runs still list it, without a new announcement.
    if ((await deps.promotions.appendHistory(repository, event)).kind === 'recorded')
      await deps.publisher.publish(event);
  }
  result.actions.push({ kind: 'tag-unknown', tag: listed.tag, stage, digest, reason });
}

/** A tag the ledger says the registry holds, and since when. */
interface ExpectedTag {
  readonly digest: string;
  readonly stage: string;
  readonly immutable: boolean;
  /** When it was promoted: a tag missing again after a later promotion is a new finding. */
  readonly since: string;
}

/** Every tag the ledger says the registry holds: each head's tags, and promoted immutable tags. */
export function promotedTags(
  deps: PushDeps,
  heads: Readonly<Record<string, StageHead>>,
  promotions: readonly Promotion[],
): Map<string, ExpectedTag> {
  const expected = new Map<string, ExpectedTag>();
  for (const p of promotions) {
    const stage = deps.pipeline.stage(p.stage);
    if (p.status !== 'promoted' || stage === undefined) continue;
    const floating = floatingTags(stage);
    for (const tag of p.tags)
      if (!floating.includes(tag))
        expected.set(tag, {
          digest: p.digest,
          stage: stage.name,
          immutable: stage.immutable,
          since: p.promotedAt ?? p.updatedAt,
        });
  }
  for (const [name, head] of Object.entries(heads)) {
    const stage = deps.pipeline.stage(name);
    if (stage === undefined) continue;
    for (const tag of head.tags)
      if (!expected.has(tag))
        expected.set(tag, {
          digest: head.digest,
          stage: name,
          immutable: stage.immutable && !floatingTags(stage).includes(tag),
          since: head.promotedAt,
        });
  }
  return expected;
}

/** A promoted tag the registry did not list: reported, and written back with `restoreOnDrift`. */
export async function reportMissingTag(
  deps: PushDeps,
  repository: string,
  tag: string,
  expected: ExpectedTag,
  dryRun: boolean,
  result: Comparison,
  /** What the place is called in the reason: `the registry`, or `prodacr.azurecr.io/prod/myapp`. */
  where = 'the registry',
): Promise<void> {
  // Written since the listing (a promotion that just finished)? Then it is not missing.
  if ((await deps.registry.resolveTag(repository, tag)) !== undefined) return;
  const restore = deps.pipeline.restoreOnDrift;
  const { digest } = expected;
  if (dryRun) {
    result.actions.push({
      kind: 'tag-missing',
      tag,
      digest,
      restored: false,
      reason: `${tag} is missing from ${where}; the ledger says it holds ${digest}${restore ? '; a run would write it back' : ''}`,
    });
    return;
  }
  if (restore) {
    const manifest = await deps.registry.getManifest(repository, digest);
    await putExactManifest(
      deps.registry,
      repository,
      tag,
      manifest,
      `restoring ${repository}:${tag}`,
    );
    if (expected.immutable) await deps.registry.lockTag(repository, tag);
  }
  const reason = `${tag} was missing from ${where} (the ledger says it holds ${digest})${restore ? '; promoter wrote it back' : '; set "restoreOnDrift": true to have promoter write it back'}`;
  const event = reconciledEvent({
    id: reconciledId('missing', repository, tag, digest, expected.since),
    reconciled: 'tag-missing',
    repository,
    stage: expected.stage,
    digest,
    tags: [tag],
    ...stageLocationFields(deps.pipeline.stage(expected.stage), repository),
    restored: restore,
    reason,
    at: deps.clock.now(),
  });
  // Announced when first found; a run that finds it missing again lists it without announcing.
  if ((await deps.promotions.appendHistory(repository, event)).kind === 'recorded')
    await deps.publisher.publish(event);
  result.actions.push({ kind: 'tag-missing', tag, digest, restored: restore, reason });
}
