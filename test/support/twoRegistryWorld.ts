import type { PromoteDeps } from '../../src/app/promotion/commitStep.js';
import { handlePromotionMessage } from '../../src/app/promotion/handlePromotionMessage.js';
import type { ReconcileDeps } from '../../src/app/reconcile/reconcileRegistry.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { parsePipeline } from '../../src/domain/pipeline.js';
import type { PromotionMessage } from '../../src/domain/promotionMessage.js';
import { MemoryBuildLedger } from './memoryBuildLedger.js';
import { MemoryCheckLedger } from './memoryCheckLedger.js';
import { MemoryCopier } from './memoryCopier.js';
import { MemoryPromotionLedger } from './memoryPromotionLedger.js';
import { MemoryReconcileMarks } from './memoryReconcileMarks.js';
import { MemoryRegistry } from './memoryRegistry.js';

export const BUILD = 'localhost:5000';
export const PROD = 'prodacr.azurecr.io';

/**
 * The stages of `twoRegistryWorld`: dev and rc in the build registry, release in
 * `release.repository` of `release.registry` (by default `prod/<repository>` of PROD).
 */
export function twoRegistryPipeline(
  release: { registry?: string | undefined; repository?: string } = {},
  extra: Record<string, unknown> = {},
) {
  const registry = 'registry' in release ? release.registry : PROD;
  return {
    registries: { [PROD]: { signIn: 'azure' } },
    ...extra,
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        sameVersion: true,
        latest: 'release-latest',
        approval: { required: 1 },
        ...(registry === undefined ? {} : { registry }),
        repository: release.repository ?? 'prod/{repository}',
      },
    ],
  };
}

/**
 * One repository over the memory fakes with two registries: builds pushed to `registry`
 * (BUILD), release copied into `prod` (PROD); every promotion handled as the queue function
 * does, and the deps the reconciler and retention take.
 */
export function twoRegistryWorld(pipelineJson: unknown = twoRegistryPipeline(), repo = 'myapp') {
  let clockMs = Date.parse('2026-12-01T10:00:00Z');
  const ledger = new MemoryBuildLedger();
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const prod = new MemoryRegistry();
  const published: OutcomeEvent[] = [];
  const sent: PromotionMessage[] = [];
  const registries = new Map([
    [BUILD, registry],
    [PROD, prod],
  ]);
  const deps: PromoteDeps & ReconcileDeps = {
    ledger,
    promotions,
    registry,
    buildRegistry: BUILD,
    defaultRegistry: BUILD,
    registryAt: (server) => {
      const found = registries.get(server);
      if (!found) throw new Error(`unexpected registry ${server}`);
      return found;
    },
    copier: new MemoryCopier(registries),
    checks: new MemoryCheckLedger(),
    publisher: {
      publish: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    },
    approvals: {
      send: (m) => {
        sent.push(m);
        return Promise.resolve();
      },
    },
    marks: new MemoryReconcileMarks(),
    pipeline: parsePipeline(pipelineJson),
    clock: { now: () => new Date(clockMs) },
  };
  let seq = 0;
  const approve = async (stage: string, sha: string, extra: Record<string, unknown> = {}) => {
    clockMs += 60_000;
    const outcome = await handlePromotionMessage(
      {
        type: 'approval',
        id: `m${++seq}`,
        repository: repo,
        stage,
        build: { gitSha: sha },
        decision: 'approve',
        approver: { id: 'alice' },
        source: 'cli',
        ...extra,
      },
      deps,
    );
    return outcome;
  };
  const world = {
    repo,
    deps,
    ledger,
    promotions,
    registry,
    prod,
    published,
    sent,
    /** Moves the clock on. */
    tick: (ms: number) => {
      clockMs += ms;
    },
    /** Pushes `sha` to the build registry (tag `git-<sha>`), recorded as its event would. */
    build: async (sha: string) => {
      const digest = registry.add(repo, `manifest of ${sha}`);
      registry.setTag(repo, `git-${sha}`, digest);
      await ledger.recordBuild({
        eventId: `push-${sha}`,
        repository: repo,
        digest,
        gitSha: sha,
        tag: `git-${sha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: BUILD,
        at: new Date(clockMs),
      });
      return digest;
    },
    approve,
    /** Handles any promotion message (a rollback, an unpin) as the queue function does. */
    handle: (body: Record<string, unknown>) => {
      clockMs += 60_000;
      return handlePromotionMessage(
        { id: `m${++seq}`, repository: repo, approver: { id: 'alice' }, source: 'cli', ...body },
        deps,
      );
    },
    /** Pushes `sha` and promotes it through dev, rc and release (into PROD) as `version`. */
    release: async (sha: string, version: string) => {
      const digest = await world.build(sha);
      await approve('dev', sha, { approver: { id: 'system:promoter' }, source: 'system' });
      await approve('rc', sha, { version });
      const release = await approve('release', sha, { version, approver: { id: 'bob' } });
      if (release.outcome !== 'promoted')
        throw new Error(`release of ${sha}: ${release.outcome} ${release.reason ?? ''}`);
      return digest;
    },
    history: async () => (await promotions.listHistory(repo, { limit: 100 })).outcomes,
  };
  return world;
}
