import { TransientError } from '../../domain/errors.js';
import type { Stage } from '../../domain/pipeline.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { Registry } from '../../ports/registry.js';
import { MAX_ATTEMPTS } from '../promotion/commitStep.js';
import { putExactManifest } from '../promotion/putExactManifest.js';
import { inFlight, rollbackInFlightFrom } from './stageTagWriters.js';

/** What a restore did. */
export type RestoreResult =
  /** The tag was put back on `digest`. */
  | { readonly kind: 'restored'; readonly digest: string }
  /** The registry holds a digest the ledger accounts for already: nothing to write. */
  | { readonly kind: 'in-place'; readonly digest: string | undefined }
  /** The ledger has nothing for the tag to go back to. */
  | { readonly kind: 'nothing' };

interface RestoreDeps {
  readonly promotions: PromotionLedger;
  readonly registry: Registry;
}

/**
 * Puts the immutable (or per-promotion) `tag` back on the digest of the promotion that
 * allocated it, and locks it again on ACR. That promotion never changes, so there is no race
 * with promoter's own writes: only the registry is read first, to write nothing when the tag
 * holds that digest already.
 */
export async function restoreOwnedTag(
  repository: string,
  tag: string,
  owner: string,
  stage: Stage,
  deps: RestoreDeps,
): Promise<RestoreResult> {
  const current = await deps.registry.resolveTag(repository, tag);
  if (current !== owner) await write(repository, tag, owner, deps.registry);
  if (stage.immutable) await deps.registry.lockTag(repository, tag);
  return current === owner
    ? { kind: 'in-place', digest: owner }
    : { kind: 'restored', digest: owner };
}

/**
 * Puts the floating `tag` of `stage` back where the ledger is taking it, and never over a
 * newer promotion. The rule, and why it holds:
 *
 * promoter writes a floating tag only after a ledger commit: a promotion commits `promoting`,
 * writes, commits `promoted` (the new head); a rollback commits the pinned head, writes,
 * records `rolled-back`. Every commit replaces the repository's state row, so its ETag changes
 * with each of them. Read at one ETag, the ledger therefore says exactly which digests the
 * registry may hold under the tag without anyone else's hand: the head, the digest of a
 * promotion still `promoting` (it may have written already), and, while a rollback is in
 * flight, the digest it moves away from. The tag should end on the digest of the promotion in
 * flight when there is one (it writes that itself), else on the head.
 *
 * So: read the state, the promotions and the registry. A registry digest the ledger accounts
 * for is left alone (writing nothing overwrites nothing). Otherwise read the state again; a
 * changed ETag means promoter moved meanwhile: read everything again. When it held, the
 * target is written and the state read a third time. An ETag still the first one means no
 * promotion or rollback started between the first read and the write, so none wrote before
 * it and was overwritten by it: the ones finished before the first read wrote before it, and
 * the one in flight (the session queue runs one promotion of a repository at a time; with
 * more, the newest) writes the same target, before or after. When the ETag moved, the whole
 * check runs again and puts the newer digest back if the write did land over one. Gives up
 * with a TransientError (the event is redelivered) when promoter moves the stage during every
 * attempt.
 */
export async function restoreFloatingTag(
  repository: string,
  tag: string,
  stage: Stage,
  deps: RestoreDeps,
): Promise<RestoreResult> {
  const { promotions, registry } = deps;
  let restored: string | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = await promotions.getRepositoryState(repository);
    const writing = inFlight(await promotions.listPromotions(repository), stage);
    const current = await registry.resolveTag(repository, tag);
    const head = state.heads[stage.name]?.digest;
    const accounted =
      current === head ||
      writing.some((p) => p.digest === current) ||
      (current !== undefined &&
        current === (await rollbackInFlightFrom(repository, state, stage, promotions)));
    const target = writing[0]?.digest ?? head;
    // Writing nothing can overwrite nothing: a digest accounted for at the first read is left.
    if (accounted)
      return restored === undefined
        ? { kind: 'in-place', digest: current }
        : { kind: 'restored', digest: restored };
    if (target === undefined) return { kind: 'nothing' };
    const stable = async () =>
      (await promotions.getRepositoryState(repository)).etag === state.etag;
    if (!(await stable())) continue;
    await write(repository, tag, target, registry);
    restored = target;
    if (await stable()) return { kind: 'restored', digest: target };
  }
  throw new TransientError(
    `restoring ${repository}:${tag}: promoter kept moving stage ${stage.name} while it checked; retry`,
  );
}

async function write(
  repository: string,
  tag: string,
  digest: string,
  registry: Registry,
): Promise<void> {
  const manifest = await registry.getManifest(repository, digest);
  await putExactManifest(registry, repository, tag, manifest, `restoring ${repository}:${tag}`);
}
