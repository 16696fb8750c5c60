import type { Approver } from '../../../domain/approvalMessage.js';
import { evaluateGates, hasGates, type GateVerdict } from '../../../domain/gatePolicy.js';
import type { Stage } from '../../../domain/pipeline.js';
import type { Promotion } from '../../../domain/promotion.js';
import type { PromoteDeps } from '../commitStep.js';

/**
 * Gathers what the gate policy needs about one digest (its check results, when it entered
 * the `from` stage) and applies it. A stage without gates is not looked at beyond approvals.
 */
export async function gatesOf(
  args: {
    readonly repository: string;
    readonly digest: string;
    readonly stage: Stage;
    /** Valid approvals counted. */
    readonly approvals: number;
    /** The digest's promotions (any stage). */
    readonly ofDigest: readonly Promotion[];
    readonly override?: { readonly approver: Approver; readonly reason: string } | undefined;
  },
  deps: Pick<PromoteDeps, 'checks' | 'clock'>,
): Promise<GateVerdict> {
  const { stage, ofDigest, override } = args;
  const now = deps.clock.now();
  const gated = hasGates(stage);
  const checks =
    stage.gates.checks.length > 0 ? await deps.checks.listChecks(args.repository, args.digest) : [];
  const entered = ofDigest
    .filter((p) => p.stage === stage.from && p.status === 'promoted')
    .map((p) => p.promotedAt ?? p.updatedAt)
    .sort()[0];
  return evaluateGates({
    stage,
    approvals: args.approvals,
    checks,
    enteredFromAt: entered,
    // Referrers are looked up against the registry once it can list them (evidence).
    referrerTypes: gated && stage.gates.evidence.length === 0 ? [] : undefined,
    ...(override !== undefined ? { override } : {}),
    now,
  });
}
