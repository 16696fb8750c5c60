import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { informationReply } from '../app/views/repositoryStatus.js';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { isChatActionId, parseChatAction, type ChatAction } from '../domain/chatAction.js';
import { parseChatCommand, type ChatDecision } from '../domain/chatCommand.js';
import { ValidationError } from '../domain/errors.js';
import { parseWith } from '../domain/zodIssues.js';
import { chatApprover } from '../app/promotion/queueChatCommand.js';
import { isSlackResponseUrl } from '../domain/chatReply.js';
import { prepareQueue, queueChatCommand } from './chatQueue.js';
import { json } from './http/problem.js';
import { parseJson } from './http/parseJson.js';
import { readSignedBody, type SignedEndpoint } from './http/readSignedBody.js';
import { SLACK_MAX_SKEW_SECONDS, verifySlackSignature } from './http/slackSignature.js';
import { withServices } from './withServices.js';

/**
 * The signed endpoint: at most 64 KiB, and signatures remembered for twice the timestamp
 * window, longer than any timestamp they could be accepted with.
 */
const SLACK: SignedEndpoint = {
  caller: 'Slack',
  setting: 'SLACK_SIGNING_SECRET',
  maxBytes: 64 * 1024,
  replay: {
    scope: 'slack',
    rememberMs: 2 * SLACK_MAX_SKEW_SECONDS * 1000,
    refusal: 'replayed request refused',
  },
};

/** A slash command's form fields (Slack sends more; these are the ones promoter reads). */
const slashCommandSchema = z.object({
  command: z.string().min(1).default('/promote'),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  response_url: z.string().optional(),
});

/** An interactive payload (`payload=<json>`); only `block_actions` button clicks are acted on. */
const interactionSchema = z.object({
  type: z.string(),
  user: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    username: z.string().optional(),
  }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).default([]),
  response_url: z.string().optional(),
});

/** A `response_url` the queue handler may answer (only Slack's own hosts, never any URL). */
const replyUrl = (url: string | undefined): string | undefined =>
  url !== undefined && isSlackResponseUrl(url) ? url : undefined;

/** A reply only the user sees. Slack reads `& < >` as markup, so they are escaped. */
function ephemeral(text: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return json(200, { response_type: 'ephemeral', ...extra, text: escaped });
}

async function slashCommand(
  services: Services,
  context: InvocationContext,
  form: URLSearchParams,
): Promise<HttpResponseInit> {
  const fields = parseWith(slashCommandSchema, 'Slack slash command', Object.fromEntries(form));
  const command = parseChatCommand(fields.text, fields.command);
  switch (command.kind) {
    case 'usage':
    case 'status':
      return ephemeral(await informationReply(services, command));
    default:
      return ephemeral(
        await queueChatCommand(
          services,
          context,
          command,
          chatApprover(services.pipeline, 'slack', fields.user_id, fields.user_name),
          'slack',
          replyUrl(fields.response_url),
        ),
      );
  }
}

async function interaction(
  services: Services,
  context: InvocationContext,
  payload: string,
): Promise<HttpResponseInit> {
  const parsed = parseJson(payload, 'Slack payload', 'payload');
  const { type, user, actions, response_url } = parseWith(
    interactionSchema,
    'Slack payload',
    parsed,
    'payload',
  );
  const action = actions[0];
  // Link buttons and other interactions are only acknowledged.
  if (type !== 'block_actions' || !action || !isChatActionId(action.action_id))
    return { status: 200 };
  let target: ChatAction;
  try {
    target = parseChatAction(action.value ?? '');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return ephemeral(`Not queued: this button is broken (${error.message})`, {
      replace_original: false,
    });
  }
  const decision: ChatDecision = {
    kind: action.action_id,
    repository: target.repository,
    build: { digest: target.digest },
    stage: target.stage,
    ...(target.version === undefined ? {} : { version: target.version }),
  };
  const approver = chatApprover(services.pipeline, 'slack', user.id, user.name ?? user.username);
  // Slack shows nothing of the answer to a click; the queue handler posts the outcome to the
  // click's response_url instead (after the promotion, not inside this request).
  const text = await queueChatCommand(
    services,
    context,
    decision,
    approver,
    'slack',
    replyUrl(response_url),
  );
  return ephemeral(text, { replace_original: false });
}

/**
 * `POST /api/chat/slack`: the `/promote` slash command (approve, reject, rollback, unpin,
 * status, help) and the Approve / Reject buttons of pending-approval notifications. Verifies
 * Slack's signature over the raw body first and refuses a replayed signature (401, nothing
 * changes; an unset `SLACK_SIGNING_SECRET` refuses everything); then answers with an ephemeral
 * acknowledgement built from the request alone (what was queued, as whom). A decision,
 * rollback or unpin is only queued — the send is the one thing awaited, so "Queued" means the
 * queue has it — and the message carries the request's `response_url`: the queue handler posts
 * the outcome there. Nothing else waits on the way: the queue connection is opened while the
 * replay claim is written.
 */
export function chatSlack(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const now = services.clock.now();
    const body = await readSignedBody(request, context, SLACK, {
      secret: services.config.slack.signingSecret,
      verify: (text, secret) => verifySlackSignature(request.headers, text, secret, now),
      replays: { guard: services.replays, now },
      onVerified: () => {
        prepareQueue(services, context);
      },
    });
    if (body.kind === 'refused') return body.answer;
    const form = new URLSearchParams(body.text);
    const payload = form.get('payload');
    return payload === null
      ? slashCommand(services, context, form)
      : interaction(services, context, payload);
  });
}
