import type { Build } from './build.js';
import { DAY_MS, type Duration } from './duration.js';
import type { Pipeline } from './pipeline.js';
import type { Promotion, StageHead } from './promotion.js';

/**
 * Promotion-aware retention, decided without I/O: which builds of a repository may be deleted
 * from the registry, and why every other one stays.
 *
 * A build goes only when all of these hold:
 * - it was recorded more than `age` before `now`;
 * - its digest never went past the first stage: no promotion into any later stage exists, in
 *   any status. A pending, promoting or even rejected promotion keeps it: someone proposed it
 *   for rc or release, and a deleted digest cannot be approved, rolled back to or audited;
 * - no promotion into the first stage is in flight (pending or promoting): with a short age a
 *   build pushed minutes ago could otherwise go while its automatic dev promotion runs;
 * - no stage head points at it, the first stage's included (`dev-latest` is the newest build
 *   people pull), pinned or not;
 * - it is not deleted already.
 */

/** What the planner reads: one repository's ledger, and the settings. */
export interface RetentionInput {
  /** Every build of the repository, as the ledger lists them (order is kept in the plan). */
  readonly builds: readonly Build[];
  /** Every promotion of the repository, any stage and status. */
  readonly promotions: readonly Promotion[];
  /** What each stage holds now. */
  readonly heads: Readonly<Record<string, StageHead>>;
  readonly pipeline: Pick<Pipeline, 'stages'>;
  readonly now: Date;
  /** Builds recorded more than this long before `now` may go. */
  readonly age: Duration;
  /**
   * Where each stage kept in another registry or repository has its tags
   * (`prodacr.azurecr.io/myapp`), by stage name: the reasons name its tags so.
   */
  readonly locations?: Readonly<Record<string, string>> | undefined;
}

/** The decision for one build. */
export type RetentionVerdict =
  /** Delete it: `reason` says why it may go. */
  | { readonly kind: 'delete'; readonly build: Build; readonly reason: string }
  /** Keep it: every reason that holds, in words (`dev head (dev-latest)`, `rc 1.2.3-rc1`). */
  | { readonly kind: 'keep'; readonly build: Build; readonly reasons: readonly string[] };

/** The decision for every build of a repository, in the order the builds were given. */
export interface RetentionPlan {
  readonly verdicts: readonly RetentionVerdict[];
}

/** What one build's verdict depends on besides the build itself. */
export interface BuildContext {
  /** The promotions of the build's digest (others are ignored). */
  readonly promotions: readonly Promotion[];
  readonly heads: Readonly<Record<string, StageHead>>;
  /** The first stage's name (`dev`): promotions into it keep a build only while in flight. */
  readonly firstStage: string;
  readonly now: Date;
  readonly age: Duration;
  /** As `RetentionInput.locations`. */
  readonly locations?: Readonly<Record<string, string>> | undefined;
}

/** Decides for every build of one repository. */
export function planRetention(input: RetentionInput): RetentionPlan {
  const firstStage = input.pipeline.stages[0]?.name ?? '';
  const byDigest = new Map<string, Promotion[]>();
  for (const promotion of input.promotions) {
    const list = byDigest.get(promotion.digest) ?? [];
    list.push(promotion);
    byDigest.set(promotion.digest, list);
  }
  return {
    verdicts: input.builds.map((build) =>
      judgeBuild(build, {
        promotions: byDigest.get(build.digest) ?? [],
        heads: input.heads,
        firstStage,
        now: input.now,
        age: input.age,
        locations: input.locations,
      }),
    ),
  };
}

/**
 * The verdict for one build. Also used to check a doomed build again, with fresh promotions
 * and heads, right before it is deleted.
 */
export function judgeBuild(build: Build, context: BuildContext): RetentionVerdict {
  if (build.deletedAt !== undefined) return { kind: 'keep', build, reasons: ['already deleted'] };
  const headReasons = Object.values(context.heads)
    .filter((head) => head.digest === build.digest)
    .map((head) => headReason(head, located(context, head.stage)));
  const promotionReasons = context.promotions
    .filter((p) => p.digest === build.digest && keepsBuild(p, context.firstStage))
    .filter((p) => !coveredByHead(p, context.heads))
    .map((p) => promotionReason(p, located(context, p.stage)));
  const { age } = context;
  const recordedMs = Date.parse(build.recordedAt);
  const ageReason = Number.isNaN(recordedMs)
    ? [`unknown age (recorded "${build.recordedAt}")`]
    : context.now.getTime() - recordedMs > age.ms
      ? []
      : [`newer than ${age.label}`];
  const reasons = [...headReasons, ...new Set(promotionReasons), ...ageReason];
  if (reasons.length > 0) return { kind: 'keep', build, reasons };
  return {
    kind: 'delete',
    build,
    reason: `older than ${age.label} (recorded ${recorded(build.recordedAt, age)}), never past ${context.firstStage}`,
  };
}

/** `2026-10-27` for an age in whole days; `2026-11-27 09:48Z` for one in minutes or hours. */
function recorded(recordedAt: string, age: Duration): string {
  const at = new Date(recordedAt).toISOString();
  return age.ms % DAY_MS === 0 ? at.slice(0, 10) : `${at.slice(0, 10)} ${at.slice(11, 16)}Z`;
}

/**
 * Whether a promotion of the build keeps it: one into a later stage always; one into the first
 * stage only while in flight (pending or promoting), not once it is done.
 */
function keepsBuild(p: Promotion, firstStage: string): boolean {
  return p.stage !== firstStage || p.status === 'pending' || p.status === 'promoting';
}

/** The stage's tags as written in reasons: `1.2.3`, or `prodacr.azurecr.io/myapp:1.2.3`. */
function located(context: Pick<BuildContext, 'locations'>, stage: string) {
  const at = context.locations?.[stage];
  return (tags: readonly string[]) => (at === undefined ? tags : tags.map((t) => `${at}:${t}`));
}

/** `dev head (dev-latest)`, `release head (1.2.3, release-latest), pinned by alice`. */
function headReason(head: StageHead, show: (tags: readonly string[]) => readonly string[]): string {
  const tags = head.tags.length > 0 ? ` (${show(head.tags).join(', ')})` : '';
  const pinned = head.pinned ? `, pinned by ${head.pinned.by}` : '';
  return `${head.stage} head${tags}${pinned}`;
}

/** Whether the stage's head already names this promotion's digest and tags. */
function coveredByHead(p: Promotion, heads: Readonly<Record<string, StageHead>>): boolean {
  const head = heads[p.stage];
  return (
    p.status === 'promoted' &&
    head?.digest === p.digest &&
    p.tags.every((tag) => head.tags.includes(tag))
  );
}

/** `rc 1.2.3-rc1`, `pending approval for release 1.2.3`, `proposed for rc 1.2.4 (rejected)`. */
function promotionReason(
  p: Promotion,
  show: (tags: readonly string[]) => readonly string[],
): string {
  const version = p.version === undefined ? '' : ` ${p.version}`;
  switch (p.status) {
    case 'promoted':
      return p.tags.length > 0
        ? `${p.stage} ${show(p.tags).join(', ')}`
        : `promoted to ${p.stage}${version}`;
    case 'promoting':
      return `being promoted to ${p.stage}${version}`;
    case 'pending':
      return `pending approval for ${p.stage}${version}`;
    case 'rejected':
      return `proposed for ${p.stage}${version} (rejected)`;
  }
}
