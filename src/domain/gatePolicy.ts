import type { Approver } from './approvalMessage.js';
import type { CheckResult } from './checkResult.js';
import { meetsEvidence } from './evidence.js';
import type { RecordedApproval } from './outcomeEvent.js';
import type { Stage } from './pipeline.js';

/**
 * The combined policy of a stage: approvals (counted by `approvalPolicy.ts`) × required
 * checks × soak time × evidence × override. Pure: the check results, the time the digest
 * entered the `from` stage, its referrers and the time are parameters.
 *
 * Why each rule: checks, soak and evidence are bound to the exact digest, like approvals; a
 * failed check blocks until a later success of the same check (the latest result counts); an
 * override passes unmet checks, soak and evidence, never missing approvals, and only from a
 * member of the stage's override groups, with a reason, so a gate cannot be skipped silently.
 */

/** One condition of a promotion and whether it holds, in words an operator can act on. */
export interface Condition {
  readonly kind: 'approvals' | 'check' | 'soak' | 'evidence';
  /** `approvals`, the check's name, `soak`, or the evidence as the stage names it. */
  readonly name: string;
  readonly met: boolean;
  /** What it says or waits for: `check e2e has not reported`, `soaking until …`. */
  readonly detail: string;
  /** Who or what reported (a check's reporter). */
  readonly reporter?: string | undefined;
  /** A link to the details (a check's `detailsUrl`). */
  readonly url?: string | undefined;
  /** When it was reported (a check) or when it ends (a soak). */
  readonly at?: string | undefined;
  /** Unmet, but passed by an override. */
  readonly overridden?: boolean | undefined;
}

export interface GateInput {
  readonly stage: Stage;
  /** Valid approvals counted (by `evaluateDecision`). */
  readonly approvals: number;
  /** The latest result of each check on the digest (other checks are ignored). */
  readonly checks: readonly CheckResult[];
  /** When the digest entered the `from` stage; undefined: it has not (or there is none). */
  readonly enteredFromAt: string | undefined;
  /**
   * Artifact types of the digest's referrers; undefined when they were not looked up (then
   * evidence is open: "not looked up").
   */
  readonly referrerTypes: readonly string[] | undefined;
  /** An override asked for with this decision. */
  readonly override?: { readonly approver: Approver; readonly reason: string } | undefined;
  readonly now: Date;
}

export type GateVerdict =
  /** Every condition holds (or `overridden` lists those an override passed): promote. */
  | {
      readonly kind: 'go';
      readonly conditions: readonly Condition[];
      readonly overridden: readonly Condition[];
    }
  /**
   * Some conditions are open (`open`, in the order of `conditions`). `soakUntil`: when the
   * soak ends, if it is open; `onlySoak`: nothing else is open, so the promotion can be
   * re-evaluated by itself then.
   */
  | {
      readonly kind: 'pending';
      readonly conditions: readonly Condition[];
      readonly open: readonly Condition[];
      readonly soakUntil?: string | undefined;
      readonly onlySoak: boolean;
    }
  /** The override is not allowed: nothing counts. */
  | { readonly kind: 'refuse'; readonly reason: string };

/** Whether the stage has gates beyond approvals. */
export function hasGates(stage: Stage): boolean {
  const g = stage.gates;
  return g.checks.length > 0 || g.soak !== undefined || g.evidence.length > 0;
}

/** Whether `approver` is a member of one of the stage's override groups. */
export function mayOverride(stage: Stage, approver: Approver): boolean {
  return approver.groups.some((g) => stage.gates.overrideGroups.includes(g));
}

/** Applies the combined policy. */
export function evaluateGates(input: GateInput): GateVerdict {
  const { stage, override } = input;
  if (override !== undefined) {
    const groups = stage.gates.overrideGroups;
    if (groups.length === 0)
      return {
        kind: 'refuse',
        reason: `stage ${stage.name} names no override groups; nobody may override its checks, soak or evidence`,
      };
    if (!mayOverride(stage, override.approver))
      return {
        kind: 'refuse',
        reason: `${override.approver.id} may not override stage ${stage.name} (override groups: ${groups.join(', ')})`,
      };
  }
  const gates = [...checkConditions(input), ...soakConditions(input), ...evidenceConditions(input)];
  const approvals = approvalCondition(input);
  const passed = override === undefined ? [] : gates.filter((c) => !c.met);
  const conditions = [
    approvals,
    ...gates.map((c) => (c.met || override === undefined ? c : { ...c, overridden: true })),
  ];
  const open = conditions.filter((c) => !c.met && c.overridden !== true);
  if (open.length === 0) return { kind: 'go', conditions, overridden: passed };
  const soak = open.find((c) => c.kind === 'soak');
  return {
    kind: 'pending',
    conditions,
    open,
    ...(soak?.at !== undefined ? { soakUntil: soak.at } : {}),
    onlySoak: soak !== undefined && open.length === 1,
  };
}

function approvalCondition({ stage, approvals }: GateInput): Condition {
  const required = stage.approval.required;
  if (required === 0)
    return { kind: 'approvals', name: 'approvals', met: true, detail: 'automatic stage' };
  const met = approvals >= required;
  return {
    kind: 'approvals',
    name: 'approvals',
    met,
    detail: met
      ? `${approvals} of ${required} approval(s)`
      : `${approvals} of ${required} approval(s): waiting for ${required - approvals} more`,
  };
}

function checkConditions({ stage, checks }: GateInput): Condition[] {
  return stage.gates.checks.map((name) => {
    const result = checks.find((c) => c.name === name);
    if (result === undefined)
      return { kind: 'check', name, met: false, detail: `check ${name} has not reported` };
    const link = result.detailsUrl === undefined ? '' : ` (${result.detailsUrl})`;
    const summary = result.summary === undefined ? '' : `: ${result.summary}`;
    const met = result.conclusion === 'success';
    return {
      kind: 'check',
      name,
      met,
      detail: met
        ? `check ${name} succeeded at ${result.at}${summary}`
        : `check ${name} failed at ${result.at}${summary}${link}`,
      reporter: result.reporter,
      ...(result.detailsUrl !== undefined ? { url: result.detailsUrl } : {}),
      at: result.at,
    };
  });
}

function soakConditions({ stage, enteredFromAt, now }: GateInput): Condition[] {
  const soak = stage.gates.soak;
  if (soak === undefined) return [];
  const from = stage.from ?? '(none)';
  if (enteredFromAt === undefined)
    return [
      {
        kind: 'soak',
        name: 'soak',
        met: false,
        detail: `soak of ${soak.label} in ${from} has not begun: the digest has not reached ${from}`,
      },
    ];
  const until = new Date(Date.parse(enteredFromAt) + soak.ms).toISOString();
  const met = Date.parse(until) <= now.getTime();
  return [
    {
      kind: 'soak',
      name: 'soak',
      met,
      detail: met
        ? `soaked ${soak.label} in ${from} (since ${enteredFromAt})`
        : `soaking in ${from} until ${until} (${soak.label} from ${enteredFromAt})`,
      at: until,
    },
  ];
}

function evidenceConditions({ stage, referrerTypes }: GateInput): Condition[] {
  return stage.gates.evidence.map((requirement) => {
    const { name } = requirement;
    if (referrerTypes === undefined)
      return {
        kind: 'evidence',
        name,
        met: false,
        detail: `${name} referrer not looked up yet: checked at promotion time`,
      };
    const found = referrerTypes.find((t) => meetsEvidence(requirement, [t]));
    return found === undefined
      ? { kind: 'evidence', name, met: false, detail: `no ${name} referrer` }
      : { kind: 'evidence', name, met: true, detail: `${name} referrer present (${found})` };
  });
}

/** The open conditions in words, one clause each: `check e2e has not reported; no signature referrer`. */
export function describeOpen(conditions: readonly Condition[]): string {
  return conditions
    .filter((c) => !c.met && c.overridden !== true)
    .map((c) => c.detail)
    .join('; ');
}

/**
 * How many distinct approvers' approvals among `approvals` (already counted valid by
 * `evaluateDecision`) are still live at `now`: what a re-evaluation without a new decision
 * (a check result, a soak ending) counts towards the quorum.
 */
export function countLiveApprovals(
  stage: Stage,
  approvals: readonly RecordedApproval[],
  now: Date,
): number {
  const live = approvals.filter(
    (a) =>
      a.decision === 'approve' && Date.parse(a.at) + stage.approval.expiresAfterMs > now.getTime(),
  );
  return new Set(live.map((a) => a.approverId)).size;
}
