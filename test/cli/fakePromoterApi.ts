import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyPromoterSignature } from '../../src/domain/promoterSignature.js';
import { runCli } from '../../src/cli/runCli.js';
import type { CliDeps } from '../../src/cli/commandContext.js';

/** A request the fake API received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  /** The body exactly as received (what a signature covers). */
  readonly text: string;
  readonly body: unknown;
}

/** An answer the fake API gives. */
export interface FakeAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
}

/**
 * A local HTTP server imitating promoter's API: `POST /api/approvals` (checked as the host
 * does: a valid `X-Promoter-Signature` over the raw body with `secret`, within 300 s, never
 * seen before → 202; otherwise 401 with the host's reason),
 * `GET /api/repositories/{repository}/status`, `…/history` and `…/outcomes/{messageId}` (which
 * answers at once, without holding the request as the host does). Tests change the answers
 * through the mutable fields and read what was sent from `requests`.
 */
export class FakePromoterApi {
  readonly requests: RecordedRequest[] = [];
  /** The approvals HMAC secret (the host's PROMOTER_APPROVALS_HMAC_SECRET). */
  secret = 'test-approvals-hmac-secret-0123456789';
  /** The signatures accepted so far: a second use is refused as a replay, as the host does. */
  readonly seenSignatures = new Set<string>();
  /** The answer to a correctly signed, new approval (default 202 queued). */
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

  /**
   * The answer to `GET …/outcomes/{messageId}?wait=`; `poll` counts those requests from 1. By
   * default the outcome of that message id in `historyAnswer`'s page for the same poll, or
   * `event: null` (a history answer that is not a 200 is given as it is).
   */
  outcomeAnswer: (repository: string, messageId: string, poll: number) => FakeAnswer = (
    repository,
    messageId,
    poll,
  ) => {
    const page = this.historyAnswer(repository, poll);
    if (page.status !== 200) return page;
    const { outcomes = [] } = page.body as { outcomes?: { messageId?: string }[] };
    const event = outcomes.find((o) => o.messageId === messageId) ?? null;
    return { status: 200, body: { repository, messageId, event } };
  };

  private historyPolls = 0;
  private outcomePolls = 0;
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

  /** The host's checks on `POST /api/approvals`, in its order: signature, then replay. */
  private approval(req: IncomingMessage, text: string, body: unknown): FakeAnswer {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(name, value);
    const check = verifyPromoterSignature(headers, text, this.secret, new Date());
    if (!check.ok) return unauthorized(check.reason);
    if (this.seenSignatures.has(check.signature))
      return unauthorized(
        'this signed request was received before (a replay): sign each request anew, with a new X-Promoter-Timestamp',
      );
    this.seenSignatures.add(check.signature);
    return this.approvalAnswer(body);
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
      text,
      body,
    });
    const repository = /^\/api\/repositories\/(.+)\/(status|history)$/.exec(url.pathname);
    const outcome = /^\/api\/repositories\/(.+)\/outcomes\/([^/]+)$/.exec(url.pathname);
    let answer: FakeAnswer;
    if (req.method === 'POST' && url.pathname === '/api/approvals') {
      answer = this.approval(req, text, body);
    } else if (req.method === 'GET' && repository?.[2] === 'status') {
      answer = this.statusAnswer(repository[1] ?? '');
    } else if (req.method === 'GET' && repository?.[2] === 'history') {
      answer = this.historyAnswer(repository[1] ?? '', ++this.historyPolls);
    } else if (req.method === 'GET' && outcome !== null) {
      const [, name = '', id = ''] = outcome;
      answer = this.outcomeAnswer(name, decodeURIComponent(id), ++this.outcomePolls);
    } else {
      answer = { status: 404, body: { status: 404, title: 'Not Found' } };
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    res.end(JSON.stringify(answer.body));
  }
}

/** A 401 problem, as the host answers it. */
const unauthorized = (detail: string): FakeAnswer => ({
  status: 401,
  body: { status: 401, title: 'Unauthorized', detail },
  contentType: 'application/problem+json',
});

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
