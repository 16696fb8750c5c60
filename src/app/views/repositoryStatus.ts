import { joinBounded } from '../../domain/build.js';
import { outcomeLocation, stageLocationFields } from '../../domain/outcomeLocation.js';
import { shortDigest } from '../../domain/shortDigest.js';
import type { RecordedApproval } from '../../domain/outcomeEvent.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { StageHead } from '../../domain/promotion.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { CheckLedger } from '../../ports/checkLedger.js';
import type { Registry } from '../../ports/registry.js';
import type { Clock } from '../../ports/clock.js';
import { countLiveApprovals, hasGates, type Condition } from '../../domain/gatePolicy.js';
import { conditionLines } from '../../domain/describeConditions.js';
import type { Promotion } from '../../domain/promotion.js';
import { gatesOf } from '../promotion/gates/gateFacts.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import { moreGitShas } from '../promotion/promotionOutcome.js';
import { usageText, type ChatCommand } from '../../domain/chatCommand.js';
import { repositoryProblem } from '../../domain/imageReference.js';

/** What one stage holds: its head with the build's git SHAs, or nothing yet (`digest: null`). */
export type StageStatus =
  | (StageHead & {
      /** The build's git SHAs, bounded (`Build.gitShas`); `moreGitShas` says how many it leaves out. */
      readonly gitShas: readonly string[];
      readonly moreGitShas?: number;
      /** Where the stage's tags are, for a stage in another registry or repository. */
      readonly location?: string;
    })
  | { readonly stage: string; readonly digest: null; readonly location?: string };

/** A promotion waiting for approvals, with who may still approve it. */
export interface PendingStatus {
  readonly stage: string;
  readonly digest: string;
  readonly version?: string;
  readonly approvals: readonly RecordedApproval[];
  /** Who asked for the promotion, when known (may not approve it). */
  readonly requestedBy?: string;
  /** When the promotion was first asked for. */
  readonly createdAt: string;
  readonly required: number | undefined;
  readonly eligible:
    { readonly ids: readonly string[]; readonly groups: readonly string[] } | undefined;
  /**
   * A gated stage's conditions (approvals, checks, soak, evidence), ✓ or ✗ each, as the gate
   * policy sees them now; absent for a stage without gates.
   */
  readonly conditions?: readonly Condition[];
}

/** A repository's promotion status: the body of `GET …/status`, and what chat `status` shows. */
export interface RepositoryStatus {
  readonly repository: string;
  /** Every stage of the pipeline, in order. */
  readonly stages: readonly StageStatus[];
  readonly pending: readonly PendingStatus[];
}

/**
 * What each stage of the pipeline holds (digest, version, tags, git SHAs, when) and every
 * promotion still waiting for approvals, however old (the ledger keeps them in a key range
 * of their own). The caller validates the repository name.
 */
export async function repositoryStatus(
  deps: {
    readonly promotions: PromotionLedger;
    readonly ledger: BuildLedger;
    readonly pipeline: Pipeline;
    readonly checks: CheckLedger;
    /** Looked up only for a pending promotion whose stage lists evidence. */
    readonly registry: Registry;
    readonly clock: Clock;
  },
  repository: string,
): Promise<RepositoryStatus> {
  const { promotions, ledger, pipeline } = deps;
  const state = await promotions.getRepositoryState(repository);
  const stages = await Promise.all(
    pipeline.stages.map(async (stage): Promise<StageStatus> => {
      const head = state.heads[stage.name];
      const location = outcomeLocation({
        repository,
        ...stageLocationFields(stage, repository),
      });
      const at = location === undefined ? {} : { location };
      if (!head) return { stage: stage.name, digest: null, ...at };
      const build = await ledger.getBuildByDigest(repository, head.digest);
      return {
        ...head,
        gitShas: build?.gitShas ?? [],
        ...(build ? moreGitShas(build) : {}),
        ...at,
      };
    }),
  );
  const pending = await Promise.all(
    (await promotions.listPendingPromotions(repository))
      .filter((p) => p.status === 'pending')
      .map(async (p): Promise<PendingStatus> => {
        const conditions = await pendingConditions(deps, p);
        return {
          stage: p.stage,
          digest: p.digest,
          ...(p.version !== undefined ? { version: p.version } : {}),
          approvals: p.approvals,
          ...(p.requestedBy !== undefined ? { requestedBy: p.requestedBy } : {}),
          createdAt: p.createdAt,
          required: pipeline.stage(p.stage)?.approval.required,
          eligible: pipeline.stage(p.stage)?.approval.approvers,
          ...(conditions !== undefined ? { conditions } : {}),
        };
      }),
  );
  return { repository, stages, pending };
}

/**
 * A pending promotion's conditions as the gate policy (`gatesOf`, the one promotion applies)
 * sees them now: live approvals, the digest's latest check results, when it entered the
 * `from` stage. Undefined for a stage without gates (approvals say it all).
 */
async function pendingConditions(
  deps: Parameters<typeof repositoryStatus>[0],
  p: Promotion,
): Promise<readonly Condition[] | undefined> {
  const stage = deps.pipeline.stage(p.stage);
  if (!stage || !hasGates(stage)) return undefined;
  const ofDigest =
    stage.gates.soak === undefined
      ? []
      : await deps.promotions.listPromotionsOfDigest(p.repository, p.digest);
  const verdict = await gatesOf(
    {
      repository: p.repository,
      digest: p.digest,
      stage,
      approvals: countLiveApprovals(stage, p.approvals, deps.clock.now()),
      ofDigest,
    },
    deps,
  );
  return verdict.kind === 'refuse' ? undefined : verdict.conditions;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The status as chat text: one line per stage, then the promotions waiting for approvals. */
export function statusText(status: RepositoryStatus): string {
  const lines = [`Status of ${status.repository}:`];
  for (const s of status.stages) {
    if (s.digest === null) {
      lines.push(`• ${s.stage}: nothing yet`);
      continue;
    }
    const version = s.version === undefined ? '' : ` ${s.version}`;
    const git =
      s.gitShas.length > 0
        ? ` (git ${joinBounded(s.gitShas, s.gitShas.length + (s.moreGitShas ?? 0))})`
        : '';
    const tags =
      s.tags.length > 0
        ? ` as ${s.tags.map((t) => (s.location === undefined ? t : `${s.location}:${t}`)).join(', ')}`
        : '';
    lines.push(
      `• ${s.stage}${version}: ${shortDigest(s.digest)}${git}${tags}, since ${when(s.promotedAt)}${s.pinned ? `; pinned by ${s.pinned.by} (rollback: ${s.pinned.reason}) until unpinned` : ''}`,
    );
  }
  if (status.pending.length > 0) lines.push('Waiting for approvals:');
  for (const p of status.pending) {
    const version = p.version === undefined ? '' : ` ${p.version}`;
    const needs = p.required === undefined ? '' : `, needs ${p.required}`;
    const received = p.approvals.filter((a) => a.decision === 'approve').map((a) => a.approverId);
    lines.push(
      `• ${p.stage}${version} of ${shortDigest(p.digest)}${needs}, approved so far by ${received.length > 0 ? received.join(', ') : 'nobody'}`,
    );
    for (const line of conditionLines(p.conditions ?? [])) lines.push(`    ${line}`);
  }
  return lines.join('\n');
}

/**
 * The reply to a chat command that only asks for information (`status`, `help`, or a command
 * that was not understood): the same text for Slack and Teams.
 */
export async function informationReply(
  deps: Parameters<typeof repositoryStatus>[0],
  command: Extract<ChatCommand, { kind: 'status' | 'usage' }>,
): Promise<string> {
  if (command.kind === 'usage') return usageText(command);
  const problem = repositoryProblem(command.repository);
  if (problem) return `Not understood: repository ${problem}`;
  return statusText(await repositoryStatus(deps, command.repository));
}
