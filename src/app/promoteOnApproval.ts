import { parseApprovalMessage, type ApprovalMessage } from '../domain/approvalMessage.js';
import { evaluateDecision } from '../domain/approvalPolicy.js';
import type { Build } from '../domain/build.js';
import { NotFoundError, TransientError, ValidationError } from '../domain/errors.js';
import { repositoryProblem } from '../domain/imageReference.js';
import type { OutcomeEvent, RecordedApproval } from '../domain/outcomeEvent.js';
import type { Pipeline, Stage } from '../domain/pipeline.js';
import { promotionKey, type Promotion } from '../domain/promotion.js';
import type {
  Clock,
  Ledger,
  OutcomePublisher,
  PromotionStore,
  Registry,
  RepositoryState,
} from '../ports.js';
import { outcomeOf } from './promotionOutcome.js';
import { resolveBuild } from './resolveBuild.js';

export interface PromoteDeps {
  readonly ledger: Ledger;
  readonly promotions: PromotionStore;
  readonly registry: Registry;
  readonly publisher: OutcomePublisher;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
}

/** How often a decision is re-made after losing a race for the repository's state. */
const MAX_ATTEMPTS = 8;

type Step =
  { readonly kind: 'done'; readonly outcome: OutcomeEvent } | { readonly kind: 'conflict' };

/**
 * Handles one approval message: resolves the build, applies the stage's policy, and when the
 * quorum is met re-tags the exact digest in the registry and records the promotion.
 *
 * Terminal results (invalid message, unknown build, policy says no, tag taken) are recorded
 * and announced, and returned: the message is then completed. Transient failures (registry or
 * ledger unavailable) are thrown, so the message is redelivered. Idempotent: a message id
 * handled before returns (and re-announces) its recorded outcome; a promotion left half-done
 * (`promoting`: tags allocated, registry written or not) is finished by the next delivery.
 */
export async function promoteOnApproval(body: unknown, deps: PromoteDeps): Promise<OutcomeEvent> {
  let message: ApprovalMessage;
  try {
    message = parseApprovalMessage(body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return announceInvalid(body, error, deps);
  }
  const recorded = await deps.promotions.getOutcome(message.repository, message.id);
  if (recorded) {
    await deps.publisher.publish(recorded);
    return recorded;
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const step = await decide(message, deps);
    if (step.kind === 'done') {
      await deps.publisher.publish(step.outcome);
      return step.outcome;
    }
  }
  throw new TransientError(
    `promoting ${message.repository}: its promotion state kept changing; retry`,
  );
}

async function decide(message: ApprovalMessage, deps: PromoteDeps): Promise<Step> {
  const { promotions, pipeline } = deps;
  const now = deps.clock.now();
  const repo = message.repository;
  const state = await promotions.getRepositoryState(repo);
  const record = (outcome: OutcomeEvent, changed: Promotion[] = []) =>
    commit(deps, repo, state, { promotions: changed, outcome });
  const reject = (reason: string, build?: Build, stage?: Stage) =>
    record(outcomeOf(message, 'rejected', now, { build, stage, reason }));

  const stage = pipeline.stage(message.stage);
  if (!stage)
    return reject(
      `unknown stage "${message.stage}"; the pipeline's stages are ${pipeline.stages.map((s) => s.name).join(', ')}`,
    );
  const resolved = await resolveBuild(repo, message.build, { ...deps, state });
  if (resolved.kind === 'unknown') return reject(resolved.reason, undefined, stage);
  const { build } = resolved;
  if (build.deletedAt)
    return reject(
      `${build.digest} was deleted from the registry at ${build.deletedAt}`,
      build,
      stage,
    );

  const ofDigest = await promotions.listPromotionsOfDigest(repo, build.digest);
  const version = chooseVersion(stage, message, resolved.impliedVersion, ofDigest);
  if (version.kind === 'refuse') return reject(version.reason, build, stage);
  if (stage.from !== undefined) {
    const reached = ofDigest.some(
      (p) =>
        p.stage === stage.from &&
        p.status === 'promoted' &&
        (!stage.sameVersion || p.version === version.value),
    );
    if (!reached)
      return reject(
        `stage ${stage.name} takes only a digest that reached ${stage.from}${stage.sameVersion ? ` as ${version.value ?? ''}` : ''}; ${build.digest} has not`,
        build,
        stage,
      );
  }

  const key = { stage: stage.name, version: version.value, digest: build.digest };
  const existing = ofDigest.find((p) => promotionKey(p) === promotionKey(key));
  if (existing?.status === 'promoting') return act(message, existing, build, stage, deps);
  if (existing?.status === 'rejected')
    return reject(`this promotion was stopped: ${existing.reason ?? 'rejected'}`, build, stage);
  const holds = state.heads[stage.name]?.digest === build.digest;
  if (existing?.status === 'promoted' && (stage.immutable || holds))
    return record(
      outcomeOf(message, 'promoted', now, {
        build,
        promotion: existing,
        stage,
        reason: `already promoted at ${existing.promotedAt ?? existing.updatedAt}; nothing changed`,
      }),
    );

  const decision: RecordedApproval = {
    approverId: message.approver.id,
    ...(message.approver.name !== undefined ? { approverName: message.approver.name } : {}),
    decision: message.decision,
    at:
      message.at && Date.parse(message.at) < now.getTime()
        ? new Date(message.at).toISOString()
        : now.toISOString(),
    messageId: message.id,
    source: message.source,
    ...(message.comment !== undefined ? { comment: message.comment } : {}),
  };
  const pending = existing?.status === 'pending' ? existing : undefined;
  const requestedBy = pending?.requestedBy ?? message.requestedBy?.id;
  const policy = evaluateDecision({
    stage,
    decision,
    approver: message.approver,
    buildAuthor: undefined,
    requestedBy,
    previous: pending?.approvals ?? [],
    now,
  });
  const base: Promotion = {
    repository: repo,
    stage: stage.name,
    digest: build.digest,
    ...(version.value !== undefined ? { version: version.value } : {}),
    status: 'pending',
    tags: [],
    approvals: pending?.approvals ?? [],
    ...(requestedBy !== undefined ? { requestedBy } : {}),
    createdAt: pending?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
  switch (policy.kind) {
    case 'refuse': {
      if (!policy.stopsPromotion) return reject(policy.reason, build, stage);
      const stopped: Promotion = {
        ...base,
        status: 'rejected',
        reason: policy.reason,
        approvals: [...base.approvals, decision],
      };
      return record(
        outcomeOf(message, 'rejected', now, {
          build,
          promotion: stopped,
          stage,
          reason: policy.reason,
        }),
        [stopped],
      );
    }
    case 'pending': {
      const waiting: Promotion = { ...base, approvals: policy.valid };
      return record(outcomeOf(message, 'pending', now, { build, promotion: waiting, stage }), [
        waiting,
      ]);
    }
    case 'approve': {
      const counterKey = `${stage.name}|${version.value ?? ''}`;
      const n = stage.tag.placeholders.has('n') ? (state.counters[counterKey] ?? 0) + 1 : undefined;
      const tags = [stage.tag.render({ version: version.value, n, sha: build.gitShas[0] })];
      for (const tag of tags) {
        const owner = await promotions.findPromotionByTag(repo, tag);
        if (owner && owner.digest !== build.digest && stage.immutable)
          return reject(
            `tag ${tag} already points to ${owner.digest}; immutable tags never move`,
            build,
            stage,
          );
      }
      const promoting: Promotion = {
        ...base,
        status: 'promoting',
        tags,
        ...(n !== undefined ? { n } : {}),
        approvals: policy.valid,
      };
      const counters = n !== undefined ? { ...state.counters, [counterKey]: n } : state.counters;
      const reserved = await promotions.commit(repo, {
        expectedEtag: state.etag,
        heads: state.heads,
        counters,
        promotions: [promoting],
      });
      if (reserved.kind === 'conflict') return { kind: 'conflict' };
      return act(message, promoting, build, stage, deps);
    }
  }
}

type VersionChoice =
  | { readonly kind: 'ok'; readonly value: string | undefined }
  | { readonly kind: 'refuse'; readonly reason: string };

/** The version a promotion is for: given, implied by an rc tag, or the only one the digest reached. */
function chooseVersion(
  stage: Stage,
  message: ApprovalMessage,
  implied: string | undefined,
  ofDigest: readonly Promotion[],
): VersionChoice {
  if (!stage.tag.placeholders.has('version')) return { kind: 'ok', value: undefined };
  if (message.version !== undefined && implied !== undefined && message.version !== implied)
    return { kind: 'refuse', reason: `the tag names version ${implied}, not ${message.version}` };
  const given = message.version ?? implied;
  if (given !== undefined) return { kind: 'ok', value: given };
  const reached = new Set(
    ofDigest
      .filter((p) => p.stage === stage.from && p.status === 'promoted' && p.version)
      .map((p) => p.version),
  );
  const [only, ...others] = [...reached];
  if (stage.sameVersion && only !== undefined && others.length === 0)
    return { kind: 'ok', value: only };
  return {
    kind: 'refuse',
    reason: `stage ${stage.name} needs a version (e.g. "version": "1.2.3", or --version 1.2.3)`,
  };
}

/** Writes the allocated tags in the registry, then records the promotion and the stage head. */
async function act(
  message: ApprovalMessage,
  promotion: Promotion,
  build: Build,
  stage: Stage,
  deps: PromoteDeps,
): Promise<Step> {
  const { registry } = deps;
  const repo = promotion.repository;
  const doing = `promoting ${repo}@${promotion.digest} to ${stage.name}`;
  let manifest;
  try {
    manifest = await registry.getManifest(repo, promotion.digest);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return stop(
      message,
      promotion,
      build,
      stage,
      deps,
      `${promotion.digest} is no longer in the registry`,
    );
  }
  for (const tag of promotion.tags) {
    // A floating tag may move; an immutable one is checked, so nothing promoter did not
    // write (drift) and nothing another digest holds is ever overwritten.
    const current = stage.immutable ? await registry.resolveTag(repo, tag) : undefined;
    if (current !== undefined && current !== promotion.digest)
      return stop(
        message,
        promotion,
        build,
        stage,
        deps,
        `tag ${tag} already exists in the registry and points to ${current}; immutable tags never move`,
      );
    if (current === undefined) {
      const stored = await registry.putManifest(repo, tag, manifest);
      if (stored !== promotion.digest)
        throw new Error(
          `${doing}: the registry stored ${stored} under ${tag}, not the approved ${promotion.digest}`,
        );
    }
    if (stage.immutable) await registry.lockTag(repo, tag);
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const state = await deps.promotions.getRepositoryState(repo);
    const promoted: Promotion = {
      ...promotion,
      status: 'promoted',
      promotedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const heads = {
      ...state.heads,
      [stage.name]: {
        stage: stage.name,
        digest: promotion.digest,
        ...(promotion.version !== undefined ? { version: promotion.version } : {}),
        tags: promotion.tags,
        promotedAt: now.toISOString(),
      },
    };
    const outcome = outcomeOf(message, 'promoted', now, { build, promotion: promoted, stage });
    const done = await deps.promotions.commit(repo, {
      expectedEtag: state.etag,
      heads,
      counters: state.counters,
      promotions: [promoted],
      outcome,
    });
    if (done.kind === 'committed') return { kind: 'done', outcome };
  }
  throw new TransientError(
    `${doing}: the tags are written but recording the promotion kept conflicting; retry`,
  );
}

/** Ends a promotion that cannot go on (registry contradicts it): recorded as rejected. */
async function stop(
  message: ApprovalMessage,
  promotion: Promotion,
  build: Build,
  stage: Stage,
  deps: PromoteDeps,
  reason: string,
): Promise<Step> {
  const now = deps.clock.now();
  const state = await deps.promotions.getRepositoryState(promotion.repository);
  const stopped: Promotion = {
    ...promotion,
    status: 'rejected',
    reason,
    updatedAt: now.toISOString(),
  };
  const outcome = outcomeOf(message, 'rejected', now, { build, promotion: stopped, stage, reason });
  return commit(deps, promotion.repository, state, { promotions: [stopped], outcome });
}

async function commit(
  deps: PromoteDeps,
  repository: string,
  state: RepositoryState,
  change: { promotions: Promotion[]; outcome: OutcomeEvent },
): Promise<Step> {
  const result = await deps.promotions.commit(repository, {
    expectedEtag: state.etag,
    heads: state.heads,
    counters: state.counters,
    ...change,
  });
  return result.kind === 'committed' ? { kind: 'done', outcome: change.outcome } : { kind: 'conflict' };
}

/** An invalid message is announced, and recorded when it names a valid repository. */
async function announceInvalid(
  body: unknown,
  error: ValidationError,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const repository = str(fields.repository);
  const id = str(fields.id) ?? `invalid-${deps.clock.now().getTime()}`;
  const outcome = outcomeOf(
    {
      id,
      repository: repository ?? '(invalid)',
      stage: str(fields.stage) ?? '(invalid)',
      version: undefined,
    },
    'rejected',
    deps.clock.now(),
    {
      reason: `invalid approval message: ${error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    },
  );
  if (repository !== undefined && repositoryProblem(repository) === undefined) {
    const state = await deps.promotions.getRepositoryState(repository);
    await deps.promotions.commit(repository, {
      expectedEtag: state.etag,
      heads: state.heads,
      counters: state.counters,
      promotions: [],
      outcome,
    });
  }
  await deps.publisher.publish(outcome);
  return outcome;
}
