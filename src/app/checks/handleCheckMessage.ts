import type { Build } from '../../domain/build.js';
import type { CheckMessage } from '../../domain/checkMessage.js';
import type { CheckResult } from '../../domain/checkResult.js';
import { chooseVersion } from '../../domain/chooseVersion.js';
import { ValidationError } from '../../domain/errors.js';
import { countLiveApprovals } from '../../domain/gatePolicy.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Stage } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import { announceInvalid } from '../promotion/announceInvalid.js';
import { commitStep, type PromoteDeps, type Step } from '../promotion/commitStep.js';
import { advancePromotion } from '../promotion/gates/advancePromotion.js';
import { outcomeOf } from '../promotion/promotionOutcome.js';
import { resolveBuild } from '../promotion/resolveBuild.js';
import { settleOnce } from '../promotion/settleOnce.js';

/**
 * Handles a check result (parsed by `handlePromotionMessage`): keeps it as the result that
 * counts for its digest and check name (`CheckLedger`), then re-evaluates what waits on it —
 * the pending promotions of that digest into stages that require the check, and automatic
 * stages (`required: 0`) that require it and whose `from` the digest has reached — and
 * promotes the first whose every condition now holds, with no second approval.
 *
 * A result for a digest that nothing waits on yet (not approved, not in `from`) is kept and
 * counts when it is. A check no stage requires, or a build promoter does not know, is
 * rejected naming the field, and nothing is kept. A failure is announced like a rejection,
 * though the promotion stays pending until a later success. Redelivered: the recorded
 * outcome is announced again and the result counts once.
 */
export async function handleCheckMessage(
  message: CheckMessage,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  const stages = deps.pipeline.stages.filter((s) => s.gates.checks.includes(message.name));
  if (stages.length === 0) {
    const required = [...new Set(deps.pipeline.stages.flatMap((s) => s.gates.checks))];
    return announceInvalid(
      message,
      new ValidationError('check message', [
        {
          path: 'name',
          message: `no stage requires check "${message.name}"; the checks stages require: ${required.length > 0 ? required.join(', ') : '(none)'}`,
        },
      ]),
      deps,
      'check message',
    );
  }
  return settleOnce(
    message.repository,
    message.id,
    `recording check ${message.name} of ${message.repository}`,
    deps,
    () => decide(message, stages, deps),
  );
}

async function decide(
  message: CheckMessage,
  stages: readonly Stage[],
  deps: PromoteDeps,
): Promise<Step> {
  const repo = message.repository;
  const now = deps.clock.now();
  const state = await deps.promotions.getRepositoryState(repo);
  const first = stages[0] as Stage;
  const ref = (stage: Stage, version?: string) => ({
    id: message.id,
    repository: repo,
    stage: stage.name,
    version,
  });
  const record = (outcome: OutcomeEvent, promotions: Promotion[] = []) =>
    commitStep(deps, repo, state, { promotions, outcome });

  const resolved = await resolveBuild(repo, message.build, { ...deps, state });
  if (resolved.kind === 'unknown')
    return record(
      outcomeOf(ref(first), 'rejected', now, {
        stage: first,
        reason: `invalid check message: build: ${resolved.reason}`,
      }),
    );
  const { build } = resolved;
  const result: CheckResult = {
    repository: repo,
    digest: build.digest,
    name: message.name,
    conclusion: message.conclusion,
    reporter: message.reporter,
    ...(message.detailsUrl !== undefined ? { detailsUrl: message.detailsUrl } : {}),
    ...(message.summary !== undefined ? { summary: message.summary } : {}),
    at:
      message.at !== undefined && Date.parse(message.at) < now.getTime()
        ? new Date(message.at).toISOString()
        : now.toISOString(),
    messageId: message.id,
  };
  // Kept before anything is decided: it counts later even if nothing waits on it now. A
  // redelivery after this write finds it recorded (`duplicate`) and re-evaluates the same.
  // The digest's promotions are read meanwhile (another row range: one round trip, not two).
  const [kept, ofDigest] = await Promise.all([
    deps.checks.recordCheck(result),
    deps.promotions.listPromotionsOfDigest(repo, build.digest),
  ]);
  const verb = result.conclusion === 'success' ? 'succeeded' : 'failed';
  const link = result.detailsUrl !== undefined ? ` (${result.detailsUrl})` : '';
  const said = `check ${message.name} ${verb} on ${build.digest} at ${result.at}${link}`;
  // One promotion per message (its outcome is recorded under the message id): the first
  // stage, in pipeline order, with something waiting on this check.
  for (const stage of stages) {
    const candidate = candidateOf(stage, build, ofDigest, now);
    if (candidate === undefined) continue;
    return advancePromotion(
      {
        message: ref(stage, candidate.version),
        waiting: { ...candidate, updatedAt: now.toISOString() },
        approvals: countLiveApprovals(stage, candidate.approvals, now),
        build,
        stage,
        state,
        ofDigest,
        ...(result.conclusion === 'failure' ? { failure: said } : {}),
      },
      deps,
    );
  }
  const stale = kept.kind === 'stale' ? '; a later result of it is recorded and counts' : '';
  return record(
    outcomeOf(ref(first), result.conclusion === 'success' ? 'pending' : 'rejected', now, {
      build,
      stage: first,
      reason: `${said}${stale}; kept: it counts when ${build.digest} is up for ${stages.map((s) => s.name).join(' or ')}`,
    }),
  );
}

/**
 * What a check result re-evaluates in `stage`: its pending promotion of the digest, or, for an
 * automatic stage the digest may enter (its `from` reached, no promotion yet), a new one.
 */
function candidateOf(
  stage: Stage,
  build: Build,
  ofDigest: readonly Promotion[],
  now: Date,
): Promotion | undefined {
  const mine = ofDigest.filter((p) => p.stage === stage.name);
  const pending = mine.find((p) => p.status === 'pending');
  if (pending !== undefined) return pending;
  if (stage.approval.required > 0 || mine.length > 0) return undefined;
  if (
    stage.from !== undefined &&
    !ofDigest.some((p) => p.stage === stage.from && p.status === 'promoted')
  )
    return undefined;
  const version = chooseVersion(stage, { version: undefined }, undefined, ofDigest);
  if (version.kind === 'refuse') return undefined;
  return {
    repository: build.repository,
    stage: stage.name,
    digest: build.digest,
    ...(version.value !== undefined ? { version: version.value } : {}),
    status: 'pending',
    tags: [],
    approvals: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}
