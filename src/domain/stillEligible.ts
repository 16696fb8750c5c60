import type { RecordedApproval } from './outcomeEvent.js';
import type { Stage } from './pipeline.js';

/** Why someone may not (or need not) approve a pending promotion. */
export interface Excluded {
  readonly id: string;
  readonly why: 'pushed the build' | 'requested it' | 'approved already';
}

/**
 * Who may still approve a pending promotion, as the stage's policy says: the approvers it
 * names, less those whose approval is already counted, never the build's author or the
 * promotion's requester (four eyes).
 */
export interface StillEligible {
  /** Approvals still needed to reach the stage's quorum. */
  readonly needed: number;
  /** The stage names no approver: anyone authenticated may approve, except `excluded`. */
  readonly anyone: boolean;
  /** Approver ids on the stage's list who may still approve. */
  readonly ids: readonly string[];
  /** Groups on the stage's list: any member may approve, except `excluded`. */
  readonly groups: readonly string[];
  /** Who may not approve it (any more), and why. */
  readonly excluded: readonly Excluded[];
  /** The same in words, e.g. `bob or a member of release-managers`. */
  readonly text: string;
}

const list = (items: readonly string[], last: string): string =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1) ?? ''}`;

/**
 * Who may still approve a promotion into `stage` that has received `approvals`. An approval
 * counts while it has not expired (at `now`): an approver whose approval expired may approve
 * again. Pure: time is a parameter.
 */
export function stillEligible(
  stage: Stage,
  input: {
    readonly approvals: readonly RecordedApproval[];
    readonly author: string | undefined;
    readonly requester: string | undefined;
    readonly now: Date;
  },
): StillEligible {
  const live = (a: RecordedApproval) =>
    a.decision === 'approve' &&
    Date.parse(a.at) + stage.approval.expiresAfterMs > input.now.getTime();
  const approved = [...new Set(input.approvals.filter(live).map((a) => a.approverId))];
  const excluded: Excluded[] = [
    ...(input.author === undefined ? [] : [{ id: input.author, why: 'pushed the build' as const }]),
    ...(input.requester === undefined || input.requester === input.author
      ? []
      : [{ id: input.requester, why: 'requested it' as const }]),
    ...approved
      .filter((id) => id !== input.author && id !== input.requester)
      .map((id) => ({ id, why: 'approved already' as const })),
  ];
  const out = new Set(excluded.map((e) => e.id));
  const { ids: named, groups } = stage.approval.approvers;
  const anyone = named.length === 0 && groups.length === 0;
  const ids = named.filter((id) => !out.has(id));
  const needed = Math.max(0, stage.approval.required - approved.length);
  return { needed, anyone, ids, groups, excluded, text: describe(anyone, ids, groups, excluded) };
}

function describe(
  anyone: boolean,
  ids: readonly string[],
  groups: readonly string[],
  excluded: readonly Excluded[],
): string {
  if (anyone)
    return excluded.length === 0
      ? 'anyone but the build’s author or the requester'
      : `anyone but ${list(
          excluded.map((e) => `${e.id} (${e.why})`),
          'or',
        )}`;
  const who = [...ids, ...groups.map((g) => `a member of ${g}`)];
  if (who.length === 0) return 'nobody left on the stage’s approver list';
  const but =
    excluded.length === 0
      ? ''
      : ` (not ${list(
          excluded.map((e) => e.id),
          'or',
        )})`;
  return `${list(who, 'or')}${groups.length > 0 ? but : ''}`;
}
