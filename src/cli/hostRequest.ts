import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { formatPath } from '../domain/zodIssues.js';
import { problemAnswer } from './apiAnswers.js';
import { CliError, ExitCode } from './cliError.js';
import type { ApiSettings } from './cliSettings.js';

/*
 * One HTTP exchange with promoter's host (the local host, or the Function App in Azure), and
 * what its status means for the CLI: a 400 is bad input (exit 2, with the server's field
 * errors); anything else that fails is a transport failure (exit 1).
 */

/** How long one request may take before the CLI gives up on it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** An answer of the host: its status, and its body as JSON (undefined if it is not) and as text. */
export interface HostResponse {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
}

/** How to send one request. */
export interface HostRequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  /** What to suggest when the host cannot be reached (default: `npm start`, PROMOTER_URL). */
  readonly unreachable?: readonly string[] | undefined;
}

/**
 * Sends `method path` to the host, with its function key when the settings have one. Throws
 * a transient CliError that says what to check when the host cannot be reached.
 */
export async function requestHost(
  settings: ApiSettings,
  method: 'GET' | 'POST',
  path: string,
  options: HostRequestOptions,
): Promise<HostResponse> {
  const { url, urlSource, functionKey } = settings;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (functionKey !== undefined) headers['x-functions-key'] = functionKey;
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  try {
    const { status, text } = await exchange(new URL(`${url}${path}`), method, headers, {
      body: options.body,
      timeoutMs,
    });
    return { status, json: parseJson(text), text };
  } catch (error) {
    throw new CliError(
      ExitCode.transport,
      [
        `cannot reach ${url} (${urlSource}): ${networkProblem(error, timeoutMs)}`,
        ...(options.unreachable ?? [
          'is `npm start` running? Otherwise set PROMOTER_URL (or --url) to the promoter host',
        ]),
      ],
      { transient: true, cause: error },
    );
  }
}

/**
 * Keep-alive agents, one per scheme: `--wait` asks on the connection the approval was sent on.
 * Idle sockets do not keep the process alive (Node unrefs them).
 */
const agents = {
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
};

/**
 * One request over `node:http(s)`, not `fetch`: a CLI run makes two or three requests, and
 * loading `fetch`'s HTTP client (undici) takes several times longer than the exchanges.
 */
function exchange(
  target: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  options: { readonly body: string | undefined; readonly timeoutMs: number },
): Promise<{ status: number; text: string }> {
  const secure = target.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method,
        headers: {
          ...headers,
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        agent: secure ? agents.https : agents.http,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.once('error', reject);
      },
    );
    request.once('error', reject);
    request.end(options.body);
  });
}

/** The 2xx answer parsed with `schema`, or the CliError that explains the status. */
export function hostAnswer<S extends z.ZodType>(
  settings: ApiSettings,
  method: string,
  path: string,
  response: HostResponse,
  schema: S,
): z.output<S> {
  const where = `${method} ${settings.url}${path}`;
  const { status } = response;
  if (status >= 200 && status < 300) {
    const parsed = schema.safeParse(response.json);
    if (parsed.success) return parsed.data;
    const first = parsed.error.issues[0];
    throw new CliError(
      ExitCode.transport,
      `${where}: unexpected answer${first ? ` (${formatPath(first.path)}: ${first.message})` : ''}: is ${settings.url} a promoter host?`,
    );
  }
  if (status === 400) throw badRequest(where, response);
  if (status === 401 || status === 403)
    throw new CliError(ExitCode.transport, [
      `${where}: ${status}${problemTitle(response)}`,
      settings.functionKey === undefined
        ? 'set PROMOTER_FUNCTION_KEY to a function key of the promoter app (az functionapp keys list)'
        : 'PROMOTER_FUNCTION_KEY was refused: check it is a function key of this app',
    ]);
  const transient = status === 404 || status === 408 || status === 429 || status >= 500;
  throw new CliError(
    ExitCode.transport,
    `${where}: ${status}${problemTitle(response)}${problemDetail(response)}`,
    { transient },
  );
}

/** Whether a 401 says the request was a replay (a signature the host has seen before). */
export function isReplay(response: HostResponse): boolean {
  return /replay/i.test(problemOf(response)?.detail ?? response.text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function problemOf(response: HostResponse): z.output<typeof problemAnswer> | undefined {
  const parsed = problemAnswer.safeParse(response.json);
  return parsed.success ? parsed.data : undefined;
}

/** ` Unauthorized`: the problem's title, for an error line; empty without one. */
export function problemTitle(response: HostResponse): string {
  const title = problemOf(response)?.title;
  return title === undefined ? '' : ` ${title}`;
}

/** `: <detail>`: the problem's detail, or the start of the body, for an error line. */
export function problemDetail(response: HostResponse): string {
  const detail = problemOf(response)?.detail ?? response.text.trim().slice(0, 200);
  return detail === '' ? '' : `: ${detail}`;
}

/** A 400: the server's field errors, one line each (exit 2). */
function badRequest(where: string, response: HostResponse): CliError {
  const errors = problemOf(response)?.errors ?? [];
  return new CliError(ExitCode.usage, [
    `${where}: 400${problemTitle(response)}${problemDetail(response)}`,
    ...errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)),
  ]);
}

/** What went wrong with the connection, as precisely as Node says it. */
function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  // Connecting to each address of a name in turn fails with all their errors.
  if (error instanceof AggregateError && error.errors[0] instanceof Error)
    return error.errors[0].message;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof AggregateError && cause.errors[0] instanceof Error)
    return cause.errors[0].message;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
