import type { Build } from '../../domain/build.js';
import type { Stage } from '../../domain/pipeline.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import { stagePlace, type RegistriesDeps } from './stagePlace.js';

/** How many rc numbers past the ledger's counter allocation looks at before it gives up. */
export const MAX_NUMBER_PROBES = 20;

/** The tags a promotion is given when its quorum is met. */
export type Allocation =
  | {
      readonly kind: 'allocated';
      readonly tags: readonly string[];
      /** The number allocated (the stage and version's counter moves to it), if any. */
      readonly n: number | undefined;
      /** What allocation had to work around (rc numbers taken), for the history. */
      readonly note?: string | undefined;
      /**
       * What the registry held under each allocated tag when allocation looked (undefined: no
       * such tag), so the re-tag right after need not ask again.
       */
      readonly seen: ReadonlyMap<string, string | undefined>;
    }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * Allocates the stage's tag for `build`: the template rendered with the version, the git SHA
 * and, for a template with `{n}` (`{version}-rc{n}`), the next number of that version.
 *
 * For an immutable stage, numbers the registry or the ledger already holds on another digest
 * are skipped, not fatal: the ledger's counter can fall behind the registry (Azurite, or a
 * restored backup, lost the last writes while the registry kept `4.2.0-rc3…rc7`), and such a
 * tag must never move. Each number is looked up in the ledger (`findPromotionByTag`) and the
 * registry (`resolveTag`, one request; the first free number costs one); skipped tags are
 * named in the note, which the promotion's outcome carries into the history. The registry
 * looked in is the stage's own (`stagePlace`): its `registry` and `repository`. A tag the
 * registry holds on this very digest is taken as this promotion's: it is promoter's own
 * earlier write whose record was lost (or someone tagged exactly this digest so), and taking
 * it moves nothing. At most `MAX_NUMBER_PROBES` numbers are looked at; past them the approval
 * is refused with a reason naming the range, and can be given again once the stray tags are
 * gone. Call it after reading the state the promotion is committed on (the counter is read
 * here, see `PromotionLedger.getCounter`). Without `{n}`, an immutable tag held by another digest in the ledger is refused (a
 * version is never renumbered); the registry is checked when the tags are written.
 */
export async function allocateTags(
  repository: string,
  stage: Stage,
  build: Build,
  version: string | undefined,
  deps: { readonly promotions: PromotionLedger } & RegistriesDeps,
): Promise<Allocation> {
  // The registry looked at is the stage's: a stage in another registry numbers by what is there.
  const at = stagePlace(stage, repository, deps);
  const render = (n: number | undefined) => stage.tag.render({ version, n, sha: build.gitShas[0] });
  if (!stage.tag.placeholders.has('n')) {
    const tag = render(undefined);
    const owner = stage.immutable
      ? await deps.promotions.findPromotionByTag(repository, tag)
      : undefined;
    if (owner && owner.digest !== build.digest)
      return {
        kind: 'refuse',
        reason: `tag ${tag} already points to ${owner.digest}; immutable tags never move`,
      };
    return { kind: 'allocated', tags: [tag], n: undefined, seen: new Map() };
  }
  // The caller read the state before: a commit on its etag lands only if the counter did not move.
  const first = (await deps.promotions.getCounter(repository, { stage: stage.name, version })) + 1;
  if (!stage.immutable)
    return { kind: 'allocated', tags: [render(first)], n: first, seen: new Map() };
  const skipped: string[] = [];
  for (let n = first; n < first + MAX_NUMBER_PROBES; n++) {
    const tag = render(n);
    const owner = await deps.promotions.findPromotionByTag(repository, tag);
    if (owner && owner.digest !== build.digest) {
      skipped.push(`${tag} (${owner.digest})`);
      continue;
    }
    const held = await at.registry.resolveTag(at.location.repository, tag);
    if (held !== undefined && held !== build.digest) {
      skipped.push(`${tag} (${held})`);
      continue;
    }
    const notes = [
      ...(skipped.length > 0
        ? [`skipped ${skipped.join(', ')}: taken already by other digests`]
        : []),
      ...(held === build.digest
        ? [`${tag} already named this digest in the registry: taken as this promotion's tag`]
        : []),
    ];
    return {
      kind: 'allocated',
      tags: [tag],
      n,
      seen: new Map([[tag, held]]),
      ...(notes.length > 0 ? { note: `${notes.join('; ')}; allocated ${tag}` } : {}),
    };
  }
  return {
    kind: 'refuse',
    reason: `${render(first)} to ${render(first + MAX_NUMBER_PROBES - 1)} are all taken already by other digests in the registry or the ledger (promoter looks at ${MAX_NUMBER_PROBES} numbers past the last it allocated, ${first - 1}); delete the stray tags from the registry, or promote under another version`,
  };
}
