import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/cli/runCli.js';
import type { CliDeps } from '../../src/cli/commandContext.js';

/** A request the fake API received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** An answer the fake API gives. */
export interface FakeAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
}

/**
 * A local HTTP server imitating promoter's API: `POST /api/approvals` (Bearer secret → 202,
 * else 401), `GET /api/repositories/{repository}/status` and `…/history`. Tests change the
 * answers through the mutable fields and read what was sent from `requests`.
 */
export class FakePromoterApi {
  readonly requests: RecordedRequest[] = [];
  secret = 'test-secret-0123456789';
  /** The answer to an authenticated approval (default 202 queued). */
  approvalAnswer: (body: unknown) => FakeAnswer = (body) => {
    const message = body as { id: string; repository: string; stage: string };
    return {
      status: 202,
      body: {
        id: message.id,
        status: 'queued',
        repository: message.repository,
        stage: message.stage,
      },
    };
  };
  statusAnswer: (repository: string) => FakeAnswer = (repository) => ({
    status: 200,
    body: { repository, stages: [], pending: [] },
  });
  /** The history answer; `poll` counts history requests from 1. */
  historyAnswer: (repository: string, poll: number) => FakeAnswer = (repository) => ({
    status: 200,
    body: { repository, outcomes: [] },
  });

  private historyPolls = 0;
  private readonly server = createServer((req, res) => {
    void this.handle(req, res);
  });

  /** `http://127.0.0.1:<port>`, once started. */
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  /** The bodies of the approvals POSTed so far. */
  get approvals(): unknown[] {
    return this.requests.filter((r) => r.path === '/api/approvals').map((r) => r.body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });
    const repository = /^\/api\/repositories\/(.+)\/(status|history)$/.exec(url.pathname);
    let answer: FakeAnswer;
    if (req.method === 'POST' && url.pathname === '/api/approvals') {
      answer =
        req.headers.authorization === `Bearer ${this.secret}`
          ? this.approvalAnswer(body)
          : {
              status: 401,
              body: { status: 401, title: 'Unauthorized', detail: 'bad secret' },
              contentType: 'application/problem+json',
            };
    } else if (req.method === 'GET' && repository?.[2] === 'status') {
      answer = this.statusAnswer(repository[1] ?? '');
    } else if (req.method === 'GET' && repository?.[2] === 'history') {
      answer = this.historyAnswer(repository[1] ?? '', ++this.historyPolls);
    } else {
      answer = { status: 404, body: { status: 404, title: 'Not Found' } };
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    res.end(JSON.stringify(answer.body));
  }
}

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with `env` (nothing from the real environment) and `cwd`. */
export async function run(
  argv: readonly string[],
  options: {
    readonly env?: Record<string, string>;
    readonly cwd?: string;
    readonly deps?: CliDeps;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      env: options.env ?? {},
      cwd: options.cwd ?? '/nonexistent',
      stdout: { write: (text) => (stdout += text) },
      stderr: { write: (text) => (stderr += text) },
    },
    options.deps,
  );
  return { code, stdout, stderr };
}
