import { isSlackResponseUrl } from '../../domain/chatReply.js';
import type { ChatReplies } from '../../ports/chatReplies.js';
import { slackNotification } from './slackMessage.js';

/** Options of the `response_url` replies. */
export interface SlackRepliesOptions {
  /** Injected for tests; the global `fetch` by default. */
  readonly fetch?: typeof fetch;
  /** How long one post may take; 5 s by default. */
  readonly timeoutMs?: number;
}

/**
 * Posts an outcome to a Slack `response_url` as an ephemeral message, only the user who
 * clicked or typed the command sees it: the same facts as the channel's notification, without
 * its Approve / Reject buttons (that user has just decided). Only Slack's own hosts are posted
 * to. A failure throws an Error naming the status, never the URL (a capability).
 */
export function createSlackReplies(options: SlackRepliesOptions = {}): ChatReplies {
  const post = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    async reply(url, event) {
      if (!isSlackResponseUrl(url)) throw new Error('not a Slack response_url; nothing posted');
      const { text, blocks } = slackNotification(event);
      let response: Response;
      try {
        response = await post(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({
            response_type: 'ephemeral',
            replace_original: false,
            text,
            blocks: blocks.filter((b) => b.type !== 'actions'),
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        // eslint-disable-next-line preserve-caught-error -- the cause may quote the URL
        throw new Error(
          timedOut
            ? `Slack response_url: no answer within ${timeoutMs} ms`
            : 'Slack response_url: network error',
        );
      }
      // 404 `expired_url` / `used_url`: older than 30 minutes, or used 5 times already.
      if (!response.ok)
        throw new Error(
          `Slack response_url: HTTP ${response.status}: ${(await response.text()).trim().slice(0, 100)}`,
        );
    },
  };
}
