import { handlePromotionMessage } from '../../src/app/promotion/handlePromotionMessage.js';
import type { PromoteDeps } from '../../src/app/promotion/commitStep.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../src/domain/pipeline.js';
import type { PromotionMessage, PromotionMessageInput } from '../../src/domain/promotionMessage.js';
import { MemoryBuildLedger } from './memoryBuildLedger.js';
import { MemoryCheckLedger } from './memoryCheckLedger.js';
import { MemoryPromotionLedger } from './memoryPromotionLedger.js';
import { MemoryRegistry } from './memoryRegistry.js';

type Selector = Extract<PromotionMessageInput, { type: 'rollback' }>['to'];

/**
 * One repository's promotions over the memory fakes, every message handled the way the queue
 * function does (`handlePromotionMessage`): builds pushed, promoted, rolled back and unpinned.
 * With `queue`, what promoter sends to the `promotions` queue itself is kept in `sent` (in
 * order, scheduled ones with their time) and `drain()` handles it as the queue would.
 */
export function stageWorld(
  pipelineJson: unknown = DEFAULT_PIPELINE_JSON,
  repo = 'myapp',
  options: { readonly queue?: boolean } = {},
) {
  let clockMs = Date.parse('2026-11-27T10:00:00Z');
  const ledger = new MemoryBuildLedger();
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const published: OutcomeEvent[] = [];
  const checks = new MemoryCheckLedger();
  const sent: { message: PromotionMessage; at?: Date }[] = [];
  const handled = new Set<number>();
  const queue = {
    send: (message: PromotionMessage) => {
      sent.push({ message });
      return Promise.resolve();
    },
    schedule: (message: PromotionMessage, at: Date) => {
      sent.push({ message, at });
      return Promise.resolve();
    },
  };
  const deps: PromoteDeps = {
    ledger,
    promotions,
    registry,
    publisher: {
      publish: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    },
    pipeline: parsePipeline(pipelineJson),
    checks,
    clock: { now: () => new Date(clockMs) },
    ...(options.queue === true ? { approvals: queue } : {}),
  };
  let seq = 0;
  const handle = (body: unknown) => handlePromotionMessage(body, deps);
  const world = {
    repo,
    deps,
    ledger,
    promotions,
    checks,
    registry,
    published,
    handle,
    sent,
    /**
     * Handles what promoter sent itself and has not been handled, in order (and what that
     * sends), as the queue would: a message scheduled for later than the clock stays queued.
     */
    drain: async () => {
      const outcomes: OutcomeEvent[] = [];
      for (let i = 0; i < sent.length; i++) {
        const next = sent[i];
        if (!next || handled.has(i)) continue;
        if (next.at !== undefined && next.at.getTime() > clockMs) continue;
        handled.add(i);
        outcomes.push(await handle(next.message));
      }
      return outcomes;
    },
    /** Moves the clock on by `minutes` (every message happens a minute after the last). */
    tick: (minutes = 1) => {
      clockMs += minutes * 60_000;
    },
    /** Pushes a build: its manifest into the registry, its record into the ledger. */
    build: async (sha: string) => {
      const digest = registry.add(repo, `manifest of ${sha}`);
      await ledger.recordBuild({
        eventId: `push-${sha}`,
        repository: repo,
        digest,
        gitSha: sha,
        tag: `git-${sha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'localhost:5000',
        at: new Date(clockMs),
      });
      return digest;
    },
    approve: (stage: string, build: Selector, extra: Record<string, unknown> = {}) => {
      world.tick();
      return handle({
        type: 'approval',
        id: `m${++seq}`,
        repository: repo,
        stage,
        build,
        decision: 'approve',
        approver: { id: 'alice' },
        source: 'cli',
        ...extra,
      });
    },
    /** The automatic dev promotion the webhook asks for. */
    dev: (sha: string) =>
      world.approve(
        'dev',
        { gitSha: sha },
        { approver: { id: 'system:promoter' }, source: 'system' },
      ),
    /** Pushes `sha`, then takes it through dev, rc and release as `version`. */
    release: async (sha: string, version: string) => {
      const digest = await world.build(sha);
      await world.dev(sha);
      await world.approve('rc', { gitSha: sha }, { version });
      await world.approve('release', { gitSha: sha }, { version, approver: { id: 'bob' } });
      return digest;
    },
    rollback: (stage: string, to: Selector, extra: Record<string, unknown> = {}) => {
      world.tick();
      return handle(world.rollbackMessage(stage, to, extra));
    },
    rollbackMessage: (stage: string, to: Selector, extra: Record<string, unknown> = {}) => ({
      type: 'rollback',
      id: `m${++seq}`,
      repository: repo,
      stage,
      to,
      reason: 'checkout fails for EU customers',
      approver: { id: 'alice' },
      source: 'cli',
      ...extra,
    }),
    unpin: (stage: string, extra: Record<string, unknown> = {}) => {
      world.tick();
      return handle({
        type: 'unpin',
        id: `m${++seq}`,
        repository: repo,
        stage,
        approver: { id: 'alice' },
        source: 'cli',
        ...extra,
      });
    },
    /** A check result on `build` (a `check` message), reported by ci:pipeline. */
    check: (
      name: string,
      build: Selector,
      conclusion: string,
      extra: Record<string, unknown> = {},
    ) => {
      world.tick();
      return handle(world.checkMessage(name, build, conclusion, extra));
    },
    checkMessage: (
      name: string,
      build: Selector,
      conclusion: string,
      extra: Record<string, unknown> = {},
    ) => ({
      type: 'check',
      id: `m${++seq}`,
      repository: repo,
      build,
      name,
      conclusion,
      reporter: 'ci:pipeline',
      ...extra,
    }),
    /** The digest `tag` points to in the registry. */
    tag: (tag: string) => registry.tags.get(`${repo}:${tag}`),
    /** What the ledger says `stage` holds. */
    head: async (stage: string) => (await promotions.getRepositoryState(repo)).heads[stage],
    /** How many times the registry was asked to do `op` so far. */
    count: (op: string) => registry.calls.filter((c) => c === op).length,
  };
  return world;
}
