import { createHmac, randomUUID } from 'node:crypto';

/** The chat secrets the benchmark's hosts are configured with (never real ones). */
export const CHAT_SECRETS = {
  SLACK_SIGNING_SECRET: 'bench-slack-signing-secret-0123456789',
  TEAMS_OUTGOING_WEBHOOK_TOKEN: Buffer.from('bench-teams-outgoing-webhook-token').toString(
    'base64',
  ),
} as const;

/** What one chat request is: its path, headers and raw body. */
export interface ChatRequest {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A signed Slack slash command, as Slack sends it (no response_url: nothing is posted to Slack). */
export function slackSlash(text: string): ChatRequest {
  const body = new URLSearchParams({
    command: '/promote',
    text,
    user_id: 'UBENCH',
    user_name: 'bench',
    trigger_id: randomUUID(),
  }).toString();
  return { name: 'Slack /promote approve', path: '/api/chat/slack', ...signedSlack(body) };
}

/** A signed click on a pending notification's Approve button (no response_url). */
export function slackClick(value: string): ChatRequest {
  const payload = JSON.stringify({
    type: 'block_actions',
    user: { id: 'UBENCH', username: 'bench' },
    trigger_id: randomUUID(),
    actions: [{ type: 'button', action_id: 'approve', block_id: 'b', value }],
  });
  const body = new URLSearchParams({ payload }).toString();
  return { name: 'Slack Approve button', path: '/api/chat/slack', ...signedSlack(body) };
}

function signedSlack(body: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', CHAT_SECRETS.SLACK_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
  };
}

/** A signed Teams outgoing-webhook activity mentioning promoter. */
export function teamsMention(text: string): ChatRequest {
  const body = JSON.stringify({
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    text: `<at>promoter</at> ${text}`,
    from: { id: '29:bench', name: 'bench', aadObjectId: randomUUID() },
  });
  const key = Buffer.from(CHAT_SECRETS.TEAMS_OUTGOING_WEBHOOK_TOKEN, 'base64');
  const signature = createHmac('sha256', key).update(body).digest('base64');
  return {
    name: 'Teams @promoter approve',
    path: '/api/chat/teams',
    body,
    headers: { 'content-type': 'application/json', authorization: `HMAC ${signature}` },
  };
}

/** Sends `request` to `baseUrl`; resolves with the time to the whole answer (ms) and its status. */
export async function timeAnswer(
  baseUrl: string,
  request: ChatRequest,
): Promise<{ readonly ms: number; readonly status: number; readonly text: string }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  return { ms: performance.now() - started, status: response.status, text };
}
