import type { Approver } from '../../../domain/approvalMessage.js';
import { TransientError } from '../../../domain/errors.js';
import { evaluateGates, type GateVerdict } from '../../../domain/gatePolicy.js';
import type { Stage } from '../../../domain/pipeline.js';
import type { Promotion } from '../../../domain/promotion.js';
import type { PromoteDeps } from '../commitStep.js';

/**
 * Gathers what the gate policy needs about one digest (its check results, when it entered
 * the `from` stage, the artifact types of its referrers) and applies it. A stage without
 * gates is not looked at beyond approvals; the registry is asked for referrers only when the
 * stage lists evidence, at every evaluation (a signature pushed since counts next time).
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
  deps: Pick<PromoteDeps, 'checks' | 'clock' | 'registry'>,
): Promise<GateVerdict> {
  const { stage, ofDigest, override } = args;
  const now = deps.clock.now();
  // Ledger and registry asked side by side: one waits for the other's answer for nothing.
  const [checks, referrerTypes] = await Promise.all([
    stage.gates.checks.length > 0 ? deps.checks.listChecks(args.repository, args.digest) : [],
    stage.gates.evidence.length > 0
      ? referrerTypesOf(args.repository, args.digest, stage, deps)
      : [],
  ]);
  const entered = ofDigest
    .filter((p) => p.stage === stage.from && p.status === 'promoted')
    .map((p) => p.promotedAt ?? p.updatedAt)
    .sort()[0];
  return evaluateGates({
    stage,
    approvals: args.approvals,
    checks,
    enteredFromAt: entered,
    referrerTypes,
    ...(override !== undefined ? { override } : {}),
    now,
  });
}

/**
 * The artifact types of the digest's referrers. Any failure asking is transient: the message
 * is redelivered and the evidence looked up again, never taken as missing.
 */
async function referrerTypesOf(
  repository: string,
  digest: string,
  stage: Stage,
  deps: Pick<PromoteDeps, 'registry'>,
): Promise<string[]> {
  try {
    const { referrers } = await deps.registry.listReferrers(repository, digest);
    return referrers.map((r) => r.artifactType);
  } catch (error) {
    if (error instanceof TransientError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new TransientError(
      `listing the referrers of ${repository}@${digest} for the evidence of stage ${stage.name}: ${why}`,
      { cause: error },
    );
  }
}
