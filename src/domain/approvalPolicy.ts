import type { Approver } from './approvalMessage.js';
import { SYSTEM_APPROVER } from './approvalMessage.js';
import type { RecordedApproval } from './outcomeEvent.js';
import type { Stage } from './pipeline.js';

/** What the policy says about one decision on a promotion. */
export type PolicyDecision =
  /** Not counted. `stopsPromotion`: an allowed approver rejected it, so it is over. */
  | { readonly kind: 'refuse'; readonly reason: string; readonly stopsPromotion: boolean }
  /** Counted, quorum not reached yet. */
  | {
      readonly kind: 'pending';
      readonly valid: readonly RecordedApproval[];
      readonly required: number;
    }
  /** Quorum reached: promote. */
  | { readonly kind: 'approve'; readonly valid: readonly RecordedApproval[] };

export interface PolicyInput {
  readonly stage: Stage;
  /** The decision being evaluated, as it will be recorded. */
  readonly decision: RecordedApproval;
  readonly approver: Approver;
  /** Who pushed the build, when the registry said. */
  readonly buildAuthor: string | undefined;
  /** Who asked for the promotion. */
  readonly requestedBy: string | undefined;
  /** Decisions already recorded on this promotion (this digest, stage and version). */
  readonly previous: readonly RecordedApproval[];
  readonly now: Date;
}

/** Whether `approver` is on the stage's list (empty lists: anyone authenticated). */
export function mayApprove(stage: Stage, approver: Approver): boolean {
  const { ids, groups } = stage.approval.approvers;
  if (ids.length === 0 && groups.length === 0) return true;
  return ids.includes(approver.id) || approver.groups.some((g) => groups.includes(g));
}

/** The stage's approvers in words: `ids alice, bob; groups release-managers`. */
export function describeAllowed(stage: Stage): string {
  const { ids, groups } = stage.approval.approvers;
  const parts = [
    ...(ids.length ? [`ids ${ids.join(', ')}`] : []),
    ...(groups.length ? [`groups ${groups.join(', ')}`] : []),
  ];
  return parts.join('; ');
}

const isLive = (a: RecordedApproval, stage: Stage, now: Date) =>
  Date.parse(a.at) + stage.approval.expiresAfterMs > now.getTime();

/**
 * Applies a stage's approval policy to one decision. Pure: time is a parameter.
 *
 * Why each rule: approvals are bound to one digest (the caller keys `previous` by digest);
 * the author of a build and the requester of a promotion may not approve it (four eyes);
 * the system identity approves only automatic stages, so a forged "system" message cannot
 * skip a human gate; approvals expire, so a quorum cannot be assembled from stale consent;
 * one approver counts once, however often they approve.
 */
export function evaluateDecision(input: PolicyInput): PolicyDecision {
  const { stage, decision, approver, now } = input;
  const required = stage.approval.required;
  if (approver.id === SYSTEM_APPROVER.id && required > 0)
    return refuse(
      `the system approves only automatic stages; ${stage.name} needs ${required} approval(s)`,
    );
  if (required > 0 && !mayApprove(stage, approver))
    return refuse(
      `${approver.id} may not approve stage ${stage.name} (allowed: ${describeAllowed(stage)})`,
    );
  if (required > 0 && input.buildAuthor !== undefined && approver.id === input.buildAuthor)
    return refuse(`${approver.id} pushed this build and may not approve it`);
  if (required > 0 && input.requestedBy !== undefined && approver.id === input.requestedBy)
    return refuse(`${approver.id} requested this promotion and may not approve it`);
  if (!isLive(decision, stage, now))
    return refuse(
      `the decision of ${decision.at} has expired (approvals are valid for ${stage.approval.expiresAfterMs / 3_600_000} h)`,
    );
  if (decision.decision === 'reject')
    return {
      kind: 'refuse',
      reason: `rejected by ${approver.id}${decision.comment ? `: ${decision.comment}` : ''}`,
      stopsPromotion: true,
    };
  const byApprover = new Map<string, RecordedApproval>();
  for (const a of [...input.previous, decision])
    if (a.decision === 'approve' && isLive(a, stage, now)) byApprover.set(a.approverId, a);
  const valid = [...byApprover.values()];
  if (valid.length >= required) return { kind: 'approve', valid };
  return { kind: 'pending', valid, required };
}

function refuse(reason: string): PolicyDecision {
  return { kind: 'refuse', reason, stopsPromotion: false };
}
