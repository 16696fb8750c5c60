import functions, { type HttpHandler } from '@azure/functions';
import type { Services, ServicesProvider } from '../../src/composition/createServices.js';
import { loadConfig } from '../../src/composition/config.js';
import { defaultPipeline } from '../../src/domain/pipeline.js';
import type { PromotionMessage } from '../../src/domain/promotionMessage.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { MemoryBuildLedger } from './memoryBuildLedger.js';
import { MemoryCheckLedger } from './memoryCheckLedger.js';
import { MemoryPromotionLedger } from './memoryPromotionLedger.js';
import { MemoryReconcileMarks } from './memoryReconcileMarks.js';
import { MemoryCopier } from './memoryCopier.js';
import { MemoryRegistry } from './memoryRegistry.js';
import { MemoryMarkerSweep } from './memoryMarkerSweep.js';
import { MemoryReplayGuard } from './memoryReplayGuard.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;

export const SECRET = 'test-secret-0123456789abcdef';
export const PREVIOUS_SECRET = 'previous-secret-0123456789';

/** In-memory services and what they captured. */
export interface MemoryServices {
  readonly services: Services;
  readonly provider: ServicesProvider;
  readonly ledger: MemoryBuildLedger;
  readonly promotions: MemoryPromotionLedger;
  readonly registry: MemoryRegistry;
  /** Approval messages sent to the queue. */
  readonly sent: PromotionMessage[];
  /** Outcome events published. */
  readonly published: OutcomeEvent[];
  readonly replays: MemoryReplayGuard;
  /** Outcome events the notifier was asked to post. */
  readonly notified: OutcomeEvent[];
  /** Outcomes posted back to a chat user (`response_url`), with the URL. */
  readonly replied: { readonly url: string; readonly event: OutcomeEvent }[];
}

/** Services over in-memory adapters and a fixed clock, with settings from `env`. */
export function memoryServices(
  env: Record<string, string> = {},
  ledger = new MemoryBuildLedger(),
): MemoryServices {
  const config = loadConfig({
    PROMOTER_WEBHOOK_SECRET: SECRET,
    PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    ...env,
  });
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const sent: PromotionMessage[] = [];
  const published: OutcomeEvent[] = [];
  const notified: OutcomeEvent[] = [];
  const replied: { url: string; event: OutcomeEvent }[] = [];
  const clock = { now: () => new Date('2026-11-27T10:00:00.000Z') };
  // Replay claims expire by the wall clock: tests of signed requests use the real time.
  const replays = new MemoryReplayGuard();
  const services: Services = {
    config,
    pipeline: defaultPipeline(),
    ledger,
    promotions,
    checks: new MemoryCheckLedger(),
    marks: new MemoryReconcileMarks(),
    registry,
    buildRegistry: config.registry,
    registryAt: () => registry,
    copier: new MemoryCopier(new Map()),
    approvals: {
      send: (m) => {
        sent.push(m);
        return Promise.resolve();
      },
    },
    publisher: {
      publish: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    },
    replays,
    sweeps: new MemoryMarkerSweep({ ledger, replays }),
    notifier: {
      notify: (e) => {
        notified.push(e);
        return Promise.resolve();
      },
    },
    replies: {
      reply: (url, event) => {
        replied.push({ url, event });
        return Promise.resolve();
      },
    },
    clock,
  };
  return {
    services,
    provider: () => Promise.resolve(services),
    ledger,
    promotions,
    registry,
    sent,
    published,
    replays,
    notified,
    replied,
  };
}

/** What a client sees: status, headers and the parsed JSON body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  /** The logged lines, for assertions that secrets never appear. */
  readonly logs: string[];
}

/** Invokes a handler the way the Functions host does, with real request and context objects. */
export async function invoke(
  handler: HttpHandler,
  init: {
    method?: string;
    url?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    params?: Record<string, string>;
    query?: Record<string, string>;
  },
): Promise<Answer> {
  const logs: string[] = [];
  const request = new HttpRequest({
    method: init.method ?? 'POST',
    url: init.url ?? 'http://localhost:7071/api/hooks/registry',
    headers: init.headers ?? {},
    ...(init.params ? { params: init.params } : {}),
    ...(init.query ? { query: init.query } : {}),
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? { string: init.body } : { bytes: init.body } }),
  });
  const context = new InvocationContext({
    functionName: 'test',
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  const result = await handler(request, context);
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    logs,
  };
}

export const bearer = (secret = SECRET) => ({ authorization: `Bearer ${secret}` });
