import { createHash, randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { listAllBuilds } from './api.js';
import { postWebhook as post, pushEvent } from './webhook.js';
import type { BenchStack } from './stack.js';

export interface BurstOptions {
  readonly events: number;
  readonly copies: number;
  readonly senders: number;
  readonly repositories: number;
}

export interface BurstResult {
  readonly options: BurstOptions;
  readonly deliveries: number;
  readonly wallMs: number;
  /** Response time of every delivery, in milliseconds. */
  readonly responseMs: number[];
  /** HTTP status → count. */
  readonly statuses: Map<number, number>;
  /** The webhook's per-event outcome (`recorded`, `duplicate` …) → count. */
  readonly outcomes: Map<string, number>;
  /** Builds the API lists across the burst's repositories, and how many pages that took. */
  readonly buildsListed: number;
  readonly distinctDigestsListed: number;
  readonly expectedListed: number;
  readonly pages: number;
  /** Messages the record-only host enqueued (its pipeline's first stage needs an approval). */
  readonly enqueued: number;
  readonly errors: string[];
  /** Baseline before the burst, one request at a time: new events, then their redeliveries. */
  readonly sequential: { readonly newMs: number[]; readonly duplicateMs: number[] };
}

const SEQUENTIAL_EVENTS = 20;

interface Delivery {
  readonly body: string;
}

/** Fisher–Yates with a small seeded generator (mulberry32), so an order can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Sends `events` distinct push events (git-<sha> build tags, synthetic digests), each
 * `copies` times in a seeded random order, from `senders` concurrent keep-alive connections,
 * to the record-only host; then lists the builds through the API. Only recording is measured:
 * that host's pipeline has no automatic first stage, so nothing is enqueued or re-tagged.
 */
export async function webhookBurst(
  stack: BenchStack,
  options: BurstOptions,
  seed: number,
): Promise<BurstResult> {
  const host = stack.recordOnlyHost;
  const suffix = randomBytes(3).toString('hex');
  const repositories = Array.from(
    { length: options.repositories },
    (_, i) => `burst${i}-${suffix}`,
  );
  const expected = new Map<string, Set<string>>(repositories.map((r) => [r, new Set()]));
  const deliveries: Delivery[] = [];
  for (let i = 0; i < options.events; i++) {
    const repository = repositories[i % repositories.length] ?? 'burst';
    const sha = randomBytes(20).toString('hex');
    const digest = `sha256:${createHash('sha256').update(`bench ${suffix} ${i}`).digest('hex')}`;
    expected.get(repository)?.add(digest);
    const body = pushEvent(stack.registry.host, repository, digest, sha, i % 2 === 0);
    for (let c = 0; c < options.copies; c++) deliveries.push({ body });
  }
  shuffle(deliveries, seed);

  // Warm-up outside the measurement: the first webhook call builds the services and tables.
  const warmAgent = new Agent({ keepAlive: false });
  const warm = await post(
    warmAgent,
    host.port,
    stack.secret,
    pushEvent(
      stack.registry.host,
      `burst-warmup-${suffix}`,
      `sha256:${'0'.repeat(64)}`,
      'a'.repeat(40),
      true,
    ),
  );
  if (warm.status !== 200) throw new Error(`warm-up webhook → ${warm.status}: ${warm.text}`);

  // Baseline: one sender, so each figure is the webhook's own time, not time in a queue.
  const oneAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sequential = { newMs: [] as number[], duplicateMs: [] as number[] };
  const baseline = Array.from({ length: SEQUENTIAL_EVENTS }, (_, i) =>
    pushEvent(
      stack.registry.host,
      `burst-sequential-${suffix}`,
      `sha256:${createHash('sha256').update(`sequential ${suffix} ${i}`).digest('hex')}`,
      randomBytes(20).toString('hex'),
      i % 2 === 0,
    ),
  );
  for (const times of [sequential.newMs, sequential.duplicateMs])
    for (const body of baseline) {
      const started = performance.now();
      const answer = await post(oneAgent, host.port, stack.secret, body);
      times.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`webhook → ${answer.status}: ${answer.text}`);
    }
  oneAgent.destroy();

  const agent = new Agent({ keepAlive: true, maxSockets: options.senders });
  const responseMs: number[] = [];
  const statuses = new Map<number, number>();
  const outcomes = new Map<string, number>();
  const errors: string[] = [];
  let next = 0;
  const sender = async (): Promise<void> => {
    for (;;) {
      const delivery = deliveries[next++];
      if (delivery === undefined) return;
      const started = performance.now();
      try {
        const { status, text } = await post(agent, host.port, stack.secret, delivery.body);
        responseMs.push(performance.now() - started);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) {
          const { results } = JSON.parse(text) as { results: { outcome: string }[] };
          for (const r of results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
        } else if (errors.length < 5) errors.push(`HTTP ${status}: ${text.slice(0, 200)}`);
      } catch (error) {
        if (errors.length < 5) errors.push(String(error));
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.senders }, sender));
  const wallMs = performance.now() - started;
  agent.destroy();
  warmAgent.destroy();

  let buildsListed = 0;
  let distinct = 0;
  let pages = 0;
  for (const repository of repositories) {
    const listed = await listAllBuilds(host, repository);
    pages += listed.pages;
    buildsListed += listed.builds.length;
    const want = expected.get(repository) ?? new Set<string>();
    distinct += new Set(listed.builds.map((b) => b.digest).filter((d) => want.has(d))).size;
  }
  await host.queue.idle();
  return {
    options,
    deliveries: deliveries.length,
    wallMs,
    responseMs,
    statuses,
    outcomes,
    buildsListed,
    distinctDigestsListed: distinct,
    expectedListed: options.events,
    pages,
    enqueued: host.outcomes.list().length + host.queue.deadLetters().length + host.queue.size,
    errors,
    sequential,
  };
}
