import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One event of a distribution registry notification (`{"events":[…]}`), as it was sent. */
export interface NotifiedEvent {
  readonly id: string;
  readonly target?: { readonly repository?: string; readonly tag?: string };
  readonly [key: string]: unknown;
}

/** What the webhook answered for one event. */
export interface WebhookResult {
  readonly id: string;
  readonly outcome: string;
  readonly tag?: string;
  readonly reason?: string;
}

export interface EventFloodOptions {
  /** Where each event goes: the webhook URL for its repository, or undefined to drop it. */
  readonly webhookFor: (event: NotifiedEvent) => string | undefined;
  /** The webhook's bearer secret. */
  readonly secret: string;
  /** How many times each event is delivered. */
  readonly copies: number;
  /** How many senders post at the same time. */
  readonly senders: number;
  /** Each copy is held back a random time up to this long, so that copies arrive late. */
  readonly spreadMs: number;
}

interface Copy {
  readonly event: NotifiedEvent;
  readonly dueMs: number;
}

/**
 * Stands between a registry and the webhook as a hostile network would: it answers each
 * notification at once, then delivers every event `copies` times, each copy alone in its own
 * body, held back a random time up to `spreadMs` (so copies of earlier events keep arriving
 * after later ones), in random order, from `senders` concurrent senders. A copy answered 503 goes back into
 * the pool (the registry would redeliver it); any other answer but 200 is kept in `failures`.
 */
export class EventFlood {
  readonly received: NotifiedEvent[] = [];
  readonly results: WebhookResult[] = [];
  readonly failures: string[] = [];
  /** Copies answered 503 and put back. */
  redelivered = 0;
  private readonly pool: Copy[] = [];
  private inFlight = 0;
  private stopped = false;
  private server: Server | undefined;
  private readonly loops: Promise<void>[] = [];
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly options: EventFloodOptions) {}

  /** Listens on 127.0.0.1 and starts the senders; resolves to the URL for the registry. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200).end();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          events?: NotifiedEvent[];
        };
        for (const event of body.events ?? []) {
          this.received.push(event);
          for (let i = 0; i < this.options.copies; i++) this.add(event);
        }
        this.wake();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    for (let i = 0; i < this.options.senders; i++) this.loops.push(this.send());
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/events`;
  }

  /** Resolves once an event matching `test` was received. */
  until(test: (event: NotifiedEvent) => boolean): Promise<void> {
    return this.wait(() => this.received.some(test));
  }

  /** Whether every copy received so far was delivered and answered. */
  get idle(): boolean {
    return this.pool.length === 0 && this.inFlight === 0;
  }

  /** Resolves once every copy received so far was delivered and answered. */
  drained(): Promise<void> {
    return this.wait(() => this.idle);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.all(this.loops);
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private wait(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.test()) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private add(event: NotifiedEvent): void {
    this.pool.push({ event, dueMs: Date.now() + Math.random() * this.options.spreadMs });
  }

  /** A random copy that is due, taken out of the pool: the order is shuffled as it goes. */
  private take(): NotifiedEvent | undefined {
    const now = Date.now();
    const due = this.pool.flatMap((c, i) => (c.dueMs <= now ? [i] : []));
    const i = due[Math.floor(Math.random() * due.length)];
    if (i === undefined) return undefined;
    const [copy] = this.pool.splice(i, 1);
    return copy?.event;
  }

  private async send(): Promise<void> {
    while (!this.stopped) {
      const event = this.take();
      if (event === undefined) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      this.inFlight += 1;
      try {
        await this.deliver(event);
      } finally {
        this.inFlight -= 1;
        this.wake();
      }
    }
  }

  private async deliver(event: NotifiedEvent): Promise<void> {
    const url = this.options.webhookFor(event);
    if (url === undefined) return;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.secret}`,
        'content-type': 'application/vnd.docker.distribution.events.v2+json',
      },
      body: JSON.stringify({ events: [event] }),
    });
    const text = await response.text();
    if (response.status === 503) {
      this.redelivered += 1;
      this.add(event);
      return;
    }
    if (response.status !== 200) {
      this.failures.push(`${event.id}: ${response.status} ${text}`);
      return;
    }
    this.results.push(...(JSON.parse(text) as { results: WebhookResult[] }).results);
  }
}
