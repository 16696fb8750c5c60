import { TransientError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Notifier } from '../../ports/notifier.js';
import { slackNotification } from './slackMessage.js';
import { teamsNotification } from './teamsMessage.js';

/** Where notifications go; an unset webhook is skipped. */
export interface ChatNotifierOptions {
  /** Slack incoming webhook URL (a secret: only its host is ever logged or reported). */
  readonly slackWebhookUrl?: string | undefined;
  /** Teams Workflows webhook URL (a secret, likewise: its `sig` parameter signs it). */
  readonly teamsWebhookUrl?: string | undefined;
  /** Injected for tests; the global `fetch` by default. */
  readonly fetch?: typeof fetch;
  /** How long one post may take; 10 s by default. */
  readonly timeoutMs?: number;
}

interface Target {
  /** `Slack webhook (hooks.slack.com)`: how errors name it, without the secret path. */
  readonly label: string;
  readonly url: string;
  readonly secretParts: readonly string[];
  readonly payload: (event: OutcomeEvent) => object;
}

/** How many event ids the notifier remembers as posted, per webhook. */
const REMEMBERED_EVENTS = 1000;

function target(name: string, url: string, payload: Target['payload']): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // URL's own error quotes the input, which is a secret.
    throw new Error(`the ${name} webhook URL is not a valid URL`);
  }
  const secretParts = [url, parsed.href, `${parsed.pathname}${parsed.search}`, parsed.search];
  return {
    label: `${name} webhook (${parsed.host})`,
    url,
    secretParts: secretParts.filter((part) => part.length > 1),
    payload,
  };
}

/** Removes the webhook's URL, path and query from text that may quote them. */
function redact(text: string, secretParts: readonly string[]): string {
  return secretParts.reduce((out, part) => out.split(part).join('<redacted>'), text);
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9`: an error and its causes, in one line. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4;) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error');
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}

async function post(
  target: Target,
  event: OutcomeEvent,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<void> {
  const failure = (detail: string) => `posting to the ${target.label}: ${detail}`;
  let response: Response;
  let answer: string;
  try {
    response = await fetchImpl(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(target.payload(event)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer = (await response.text()).trim().slice(0, 300);
  } catch (error) {
    // No `cause`: the raw error may quote the URL, whose path and query are the secret.
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new TransientError(
      failure(
        timedOut
          ? `no answer within ${timeoutMs} ms`
          : `network error: ${redact(describe(error), target.secretParts)}`,
      ),
    );
  }
  if (response.ok) return;
  const retryAfter = response.headers.get('retry-after');
  const detail = redact(
    `HTTP ${response.status}${answer ? `: ${answer}` : ''}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}`,
    target.secretParts,
  );
  if (response.status === 429 || response.status >= 500) throw new TransientError(failure(detail));
  const hint =
    response.status === 404 || response.status === 410 || response.status === 403
      ? '; the webhook may have been removed or revoked: check the webhook URL setting'
      : '';
  throw new Error(failure(`${detail}${hint}`));
}

/** One error for all failed webhooks: transient when any of them may succeed on a retry. */
function combined(errors: readonly Error[]): Error {
  const [first] = errors;
  if (errors.length === 1 && first) return first;
  const message = errors.map((e) => e.message).join('; ');
  return errors.some((e) => e instanceof TransientError)
    ? new TransientError(message)
    : new Error(message);
}

/**
 * Posts each outcome to the configured Slack incoming webhook (Block Kit) and Teams Workflows
 * webhook (a message with an Adaptive Card attachment); with none configured it does nothing.
 * Any 2xx is success: a workflow answers 202 Accepted once it has taken the request, before it
 * has posted (whether the post then succeeded shows only in the workflow's run history).
 *
 * The webhooks are posted to independently and concurrently: one failing does not stop the
 * other. When any failed, `notify` throws after both were tried: a `TransientError` when a
 * retry may help (429, 5xx, network error, timeout), else a plain Error with the webhook's
 * answer (4xx). Errors name the webhook by host only; its path and query are a secret.
 *
 * Redelivery: a webhook that already took an event (same `id`) is not posted to again by this
 * notifier, so the retry of a half-failed notification re-posts only where it failed. This is
 * remembered in memory (the last 1000 events): a retry handled by another process re-posts to
 * both (at least once; chat webhooks have no idempotency key).
 */
export function createChatNotifier(options: ChatNotifierOptions): Notifier {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const targets: Target[] = [];
  if (options.slackWebhookUrl)
    targets.push(target('Slack', options.slackWebhookUrl, slackNotification));
  if (options.teamsWebhookUrl)
    targets.push(target('Teams', options.teamsWebhookUrl, teamsNotification));
  /** Posts done or in flight, by `<label> <event id>`; a failed one is forgotten. */
  const posts = new Map<string, Promise<void>>();

  const postOnce = (t: Target, event: OutcomeEvent): Promise<void> => {
    const key = `${t.label} ${event.id}`;
    const known = posts.get(key);
    if (known) return known;
    const posting = post(t, event, fetchImpl, timeoutMs);
    posts.set(key, posting);
    posting.catch(() => posts.delete(key));
    for (const old of posts.keys()) {
      if (posts.size <= REMEMBERED_EVENTS * targets.length) break;
      posts.delete(old);
    }
    return posting;
  };

  return {
    async notify(event) {
      const results = await Promise.allSettled(targets.map((t) => postOnce(t, event)));
      const errors = results.flatMap((r) =>
        r.status === 'rejected'
          ? [r.reason instanceof Error ? r.reason : new Error(String(r.reason))]
          : [],
      );
      if (errors.length > 0) throw combined(errors);
    },
  };
}
