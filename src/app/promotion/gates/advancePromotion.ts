import type { ApprovalMessage, Approver } from '../../../domain/approvalMessage.js';
import type { Build } from '../../../domain/build.js';
import { describeOpen, hasGates, type Condition } from '../../../domain/gatePolicy.js';
import type { OutcomeEvent } from '../../../domain/outcomeEvent.js';
import type { Stage } from '../../../domain/pipeline.js';
import type { Promotion } from '../../../domain/promotion.js';
import type { RepositoryState } from '../../../ports/promotionLedger.js';
import { allocateTags } from '../allocateTags.js';
import { commitStep, type PromoteDeps, type Step } from '../commitStep.js';
import { outcomeOf } from '../promotionOutcome.js';
import { retagPromotion } from '../retagPromotion.js';
import { gatesOf } from './gateFacts.js';
import { reevaluateMessage } from '../../../domain/reevaluateMessage.js';

/** The message a step is recorded under (an approval, or a check result re-evaluating). */
export type MessageRef = Pick<ApprovalMessage, 'id' | 'repository' | 'stage' | 'version'>;

/**
 * Takes a promotion whose approvals are counted (`waiting`, status `pending`, its valid
 * approvals in `approvals`) as far as the stage's gates let it: when approvals, checks, soak
 * and evidence hold (or an override passes the last three), its tags are allocated and written
 * (`retagPromotion`); otherwise it is recorded `pending`, its outcome saying exactly what it
 * waits for. A promotion with its approvals short stays pending the same way.
 */
export async function advancePromotion(
  args: {
    readonly message: MessageRef;
    readonly waiting: Promotion;
    readonly approvals: number;
    readonly build: Build;
    readonly stage: Stage;
    readonly state: RepositoryState;
    readonly ofDigest: readonly Promotion[];
    readonly override?: { readonly approver: Approver; readonly reason: string } | undefined;
    /**
     * A failed check that led here: a promotion left pending by it is announced like a
     * rejection (outcome `rejected`, this first in the reason), though it stays pending.
     */
    readonly failure?: string | undefined;
  },
  deps: PromoteDeps,
): Promise<Step> {
  const { message, waiting, build, stage, state } = args;
  const repo = waiting.repository;
  const now = deps.clock.now();
  const verdict = await gatesOf(
    {
      repository: repo,
      digest: build.digest,
      stage,
      approvals: args.approvals,
      ofDigest: args.ofDigest,
      override: args.override,
    },
    deps,
  );
  const gated = hasGates(stage) || args.override !== undefined;
  const conditions = gated && verdict.kind !== 'refuse' ? verdict.conditions : undefined;
  const withConditions = (o: OutcomeEvent): OutcomeEvent =>
    conditions === undefined ? o : { ...o, conditions };
  if (verdict.kind === 'refuse')
    return commitStep(deps, repo, state, {
      promotions: [],
      outcome: outcomeOf(message, 'rejected', now, { build, stage, reason: verdict.reason }),
    });
  if (verdict.kind === 'pending') {
    const open = verdict.open.filter((c) => c.kind !== 'approvals');
    const waits = open.length === 0 ? undefined : `waiting for: ${describeOpen(open)}`;
    const { failure } = args;
    const reason =
      failure === undefined
        ? waits
        : `${failure}; the promotion to ${stage.name} stays pending until a later success${waits === undefined ? '' : ` (${waits})`}`;
    const kind = failure === undefined ? 'pending' : 'rejected';
    // Waiting on nothing but time: come back when the soak ends (same id for the same end,
    // so a retried step schedules it once).
    if (verdict.onlySoak && verdict.soakUntil !== undefined && deps.approvals?.schedule)
      await deps.approvals.schedule(
        reevaluateMessage(waiting, verdict.soakUntil, message.id),
        new Date(verdict.soakUntil),
      );
    return commitStep(deps, repo, state, {
      promotions: [waiting],
      outcome: withConditions(
        outcomeOf(message, kind, now, { build, promotion: waiting, stage, reason }),
      ),
    });
  }
  const allocation = await allocateTags(repo, stage, build, waiting.version, deps);
  if (allocation.kind === 'refuse')
    return commitStep(deps, repo, state, {
      promotions: [],
      outcome: outcomeOf(message, 'rejected', now, { build, stage, reason: allocation.reason }),
    });
  const { tags, n, note, seen } = allocation;
  const overrideNote =
    args.override === undefined ? undefined : overrideReason(args.override, verdict.overridden);
  const reason = [note, overrideNote].filter((r) => r !== undefined).join('; ');
  const promoting: Promotion = {
    ...waiting,
    status: 'promoting',
    tags,
    ...(n !== undefined ? { n } : {}),
    ...(reason !== '' ? { reason } : {}),
  };
  const reserved = await deps.promotions.commit(repo, {
    expectedEtag: state.etag,
    heads: state.heads,
    ...(n !== undefined ? { counters: [{ stage: stage.name, version: waiting.version, n }] } : {}),
    promotions: [promoting],
  });
  if (reserved.kind === 'conflict') return { kind: 'conflict' };
  // The outcome recorded is the one announced: an override is in its reason.
  return retagPromotion(message, promoting, build, stage, deps, seen);
}

/** `overridden by carol: hotfix for CVE-1 (passed: check trivy failed …; soaking …)`. */
function overrideReason(
  override: { readonly approver: Approver; readonly reason: string },
  passed: readonly Condition[],
): string {
  const what =
    passed.length === 0 ? 'nothing was open' : `passed: ${passed.map((c) => c.detail).join('; ')}`;
  return `overridden by ${override.approver.id}: ${override.reason} (${what})`;
}
