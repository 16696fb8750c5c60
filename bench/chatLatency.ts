import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../tools/package.js';
import { encodeChatAction } from '../src/domain/chatAction.js';
import { startLocalHost } from '../src/local/host.js';
import {
  CHAT_SECRETS,
  slackClick,
  slackSlash,
  teamsMention,
  timeAnswer,
  type ChatRequest,
} from './chatRequests.js';
import type { BenchStack } from './stack.js';
import { ms, summarize, table } from './stats.js';

/** Targets of issue 12: Slack answers within 3 s and Teams within 5 s, with room to spare. */
const WARM_P95_TARGET_MS = 300;
const FIRST_REQUEST_TARGET_MS = 1500;

const digest = `sha256:${'b'.repeat(64)}`;
const KINDS: readonly (() => ChatRequest)[] = [
  () => slackSlash('approve benchchat a1b2c3d rc 1.2.3'),
  () =>
    slackClick(
      encodeChatAction({ repository: 'benchchat', digest, stage: 'rc', version: '1.2.3' }),
    ),
  () => teamsMention('approve benchchat a1b2c3d rc 1.2.3'),
];

/** The settings of every host this measurement starts: the bench's Azurite, its own tables. */
function chatEnv(stack: BenchStack): Record<string, string> {
  return {
    PROMOTER_TABLES_CONNECTION_STRING: stack.tablesConnectionString,
    PROMOTER_TABLE_PREFIX: 'benchchat',
    PROMOTER_WEBHOOK_SECRET: stack.secret,
    PROMOTER_REGISTRY: stack.registry.host,
    ...CHAT_SECRETS,
  };
}

/** A chat answer is right when it is a 200 saying what was queued. */
function check(request: ChatRequest, answer: { status: number; text: string }): string[] {
  return answer.status === 200 && answer.text.includes('Queued:')
    ? []
    : [`${request.name}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`];
}

/** Starts one new node process on the bundle, sends `request` first, and stops it. */
async function firstRequest(
  entry: string,
  env: Record<string, string>,
  request: ChatRequest,
): Promise<{ readonly ms: number; readonly readyMs: number; readonly problems: string[] }> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  try {
    const ready = await new Promise<{ url: string; readyMs: number }>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const match = /^ready (\S+) ([\d.]+)$/.exec(line);
        if (match?.[1] && match[2]) resolve({ url: match[1], readyMs: Number(match[2]) });
      });
      child.once('exit', (code) => {
        reject(new Error(`the cold-start process exited (${code}): ${errors.join('')}`));
      });
    });
    const answer = await timeAnswer(ready.url, request);
    return { ms: answer.ms, readyMs: ready.readyMs, problems: check(request, answer) };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * The chat handlers' time to answer (request sent → whole answer received, over HTTP to the
 * local host): warm, `runs` requests of each kind on a running host; and the first request of
 * `processes` new node processes per kind, each running the app bundled as it ships (esbuild,
 * split ESM chunks, lazy imports). Both on the bench's Azurite (the replay claim is a real
 * Table Storage write) and the local stand-in queue. Returns the report section.
 */
export async function measureChatLatency(
  stack: BenchStack,
  options: { readonly runs: number; readonly processes: number },
  progress: (line: string) => void,
): Promise<string> {
  const env = chatEnv(stack);
  const problems: string[] = [];
  const host = await startLocalHost({ port: 0, env, log: () => undefined });
  const warm: number[][] = KINDS.map(() => []);
  try {
    // The first requests create the tables and load the adapters: not part of "warm".
    for (const kind of KINDS) problems.push(...check(kind(), await timeAnswer(host.url, kind())));
    for (let run = 0; run < options.runs; run++)
      for (const [i, kind] of KINDS.entries()) {
        const request = kind();
        const answer = await timeAnswer(host.url, request);
        warm[i]?.push(answer.ms);
        problems.push(...check(request, answer));
      }
  } finally {
    await host.close();
  }

  progress(`chat: bundling the cold-start process, then ${options.processes} processes per kind`);
  const dir = path.join(stack.stateDir, 'chat-cold');
  await bundle(fileURLToPath(new URL('./chatColdChild.ts', import.meta.url)), dir);
  const entry = path.join(dir, 'dist', 'functions', 'index.js');
  const cold: number[][] = KINDS.map(() => []);
  const ready: number[] = [];
  for (let p = 0; p < options.processes; p++)
    for (const [i, kind] of KINDS.entries()) {
      const first = await firstRequest(entry, env, kind());
      cold[i]?.push(first.ms);
      ready.push(first.readyMs);
      problems.push(...first.problems);
    }

  const rows = KINDS.map((kind, i) => {
    const w = summarize(warm[i] ?? []);
    const c = summarize(cold[i] ?? []);
    return [kind().name, w.n, ms(w.median), ms(w.p95), ms(w.max), c.n, ms(c.median), ms(c.max)];
  });
  const warmP95 = Math.max(...warm.map((w) => summarize(w).p95));
  const firstMax = Math.max(...cold.map((c) => summarize(c).max));
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    'chat: time to answer (request → whole answer, HTTP to the local host; replay claim on Azurite, stand-in queue)',
    table([
      [
        'request',
        'warm n',
        'p50 ms',
        'p95 ms',
        'max ms',
        'first n',
        'first p50 ms',
        'first max ms',
      ],
      ...rows,
    ]),
    `target p95 < ${WARM_P95_TARGET_MS} ms warm: ${verdict(warmP95 < WARM_P95_TARGET_MS)} (worst p95 ${ms(warmP95)} ms)`,
    `target first request of a new process < ${FIRST_REQUEST_TARGET_MS} ms: ${verdict(firstMax < FIRST_REQUEST_TARGET_MS)} (worst ${ms(firstMax)} ms; process start → listening, median ${ms(summarize(ready).median)} ms, not included)`,
    'not measurable here: instance allocation, Functions host start, managed-identity tokens, the first AMQP connection to Service Bus (docs/performance.md)',
    ...(problems.length === 0 ? [] : ['problems:', ...problems.map((p) => `  ${p}`)]),
  ].join('\n');
}
