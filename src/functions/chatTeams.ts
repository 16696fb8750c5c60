import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { informationReply } from '../app/views/repositoryStatus.js';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { parseChatCommand } from '../domain/chatCommand.js';
import { parseWith } from '../domain/zodIssues.js';
import { chatApprover } from '../app/promotion/queueChatCommand.js';
import { prepareQueue, queueChatCommand } from './chatQueue.js';
import { json } from './http/problem.js';
import { parseJson } from './http/parseJson.js';
import { readSignedBody, type SignedEndpoint } from './http/readSignedBody.js';
import { verifyTeamsSignature } from './http/teamsSignature.js';
import { withServices } from './withServices.js';

const MAX_TEAMS_BYTES = 256 * 1024;

/** The signed endpoint: who calls, the setting that enables it, its size limit. */
const TEAMS: SignedEndpoint = {
  caller: 'Teams',
  setting: 'TEAMS_OUTGOING_WEBHOOK_TOKEN',
  maxBytes: MAX_TEAMS_BYTES,
};

/** The window an activity's own (signed) timestamp must fall in, as for Slack's header. */
const MAX_SKEW_MS = 5 * 60_000;
/** How long an activity id is remembered when the activity carries no timestamp. */
const UNDATED_MEMORY_MS = 365 * 24 * 3_600_000;

/** The fields of an outgoing-webhook activity promoter reads (Teams sends many more). */
const activitySchema = z.object({
  id: z.string().min(1),
  timestamp: z.string().optional(),
  text: z.string().default(''),
  from: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    aadObjectId: z.string().min(1).optional(),
  }),
});

/** Teams renders text as markdown with HTML: escape what is not markup, keep line breaks. */
function reply(text: string): HttpResponseInit {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return json(200, { type: 'message', text: escaped.replace(/\n/g, '\n\n') });
}

/** The command typed after the mention, and the mention itself (`@promoter`) for the usage. */
function readMention(html: string): { readonly text: string; readonly invokedAs: string } {
  const name = /<at>(.*?)<\/at>/s.exec(html)?.[1]?.trim();
  const text = html.replace(/<at>.*?<\/at>/gs, ' ').replace(/<[^>]*>/g, ' ');
  return { text, invokedAs: `@${name || 'promoter'}` };
}

/** Why an activity is refused although Teams signed it: replayed, or dated too far from now. */
async function refusal(
  services: Services,
  activity: z.output<typeof activitySchema>,
): Promise<string | undefined> {
  const now = services.clock.now().getTime();
  const sentAt = activity.timestamp === undefined ? Number.NaN : Date.parse(activity.timestamp);
  if (Number.isFinite(sentAt) && Math.abs(now - sentAt) > MAX_SKEW_MS)
    return 'Refused: this request is more than 5 minutes old or ahead; nothing was queued.';
  const memory = Number.isFinite(sentAt) ? 2 * MAX_SKEW_MS : UNDATED_MEMORY_MS;
  const first = await services.replays.claim('teams', activity.id, new Date(now + memory));
  return first ? undefined : 'Replayed request refused: this message was handled before.';
}

/**
 * `POST /api/chat/teams`: a Teams outgoing webhook. Verifies `Authorization: HMAC …` over the
 * raw body (401 when forged or missing; an unset `TEAMS_OUTGOING_WEBHOOK_TOKEN` refuses
 * everything). A signed but replayed activity id is refused with a 200 message: only a 200
 * reply is shown in the channel (anything else is a generic error there), so whoever triggered
 * it sees why nothing happened. Then the command after the mention is run and answered
 * synchronously, within Teams' 5 seconds: a decision, rollback or unpin is only queued (the
 * send is awaited, so "Queued" means the queue has it; its connection is opened while the
 * replay claim is written), never carried out inside the request. Teams gives an outgoing
 * webhook no later reply URL: the outcome reaches the channel through the notifications.
 */
export function chatTeams(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const body = await readSignedBody(request, context, TEAMS, {
      secret: services.config.teams.outgoingWebhookToken,
      verify: (text, token) => verifyTeamsSignature(request.headers, text, token),
    });
    if (body.kind === 'refused') return body.answer;
    prepareQueue(services, context);
    const parsed = parseJson(body.text, 'Teams activity');
    const activity = parseWith(activitySchema, 'Teams activity', parsed);
    const refused = await refusal(services, activity);
    if (refused !== undefined) {
      context.warn('Teams request refused', { reason: refused, activityId: activity.id });
      return reply(refused);
    }
    const { text, invokedAs } = readMention(activity.text);
    const command = parseChatCommand(text, invokedAs);
    switch (command.kind) {
      case 'usage':
      case 'status':
        return reply(await informationReply(services, command));
      default: {
        const approver = chatApprover(
          services.pipeline,
          'teams',
          activity.from.aadObjectId ?? activity.from.id,
          activity.from.name,
        );
        return reply(await queueChatCommand(services, context, command, approver, 'teams'));
      }
    }
  });
}
