import { encodeChatAction } from '../../domain/chatAction.js';
import { ValidationError } from '../../domain/errors.js';
import type { OutcomeEvent, RecordedApproval } from '../../domain/outcomeEvent.js';
import { shortDigest } from '../../domain/shortDigest.js';
import {
  chatCommand,
  outcomeFacts,
  outcomeHeadline,
  pendingSummary,
  utcTime,
} from './outcomeFacts.js';
import type { SlackBlock, SlackMarkdown, SlackPlainText } from './slackBlocks.js';

/** An incoming-webhook message: `text` is the fallback shown in notifications. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Slack's limits: header text 150, section text 3000, field text 2000 characters. */
const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** Slack reads `& < >` in mrkdwn as markup: escape everything promoter did not write. */
const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const plain = (text: string): SlackPlainText => ({ type: 'plain_text', text, emoji: true });
const md = (text: string, max = 3000): SlackMarkdown => ({ type: 'mrkdwn', text: clip(text, max) });
const code = (text: string) => `\`${esc(text)}\``;

/** Facts shown as words; the others (names, tags, digests, SHAs) are shown as code. */
const PROSE_FACTS = new Set(['Stage', 'Version']);

/** A Slack user approver id (`slack:U123`) becomes a mention; other ids are shown as code. */
function who(id: string): string {
  const user = /^slack:([UW][A-Z0-9]+)$/.exec(id)?.[1];
  return user === undefined ? code(id) : `<@${user}>`;
}

/** Shown in each reader's time zone, with UTC as the fallback. */
function when(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${utcTime(iso)}>`;
}

function approvalLine(a: RecordedApproval): string {
  const name = a.approverName === undefined ? '' : ` (${esc(a.approverName)})`;
  const verb = a.decision === 'approve' ? '✔ approved' : '✖ rejected';
  const comment = a.comment === undefined ? '' : ` — “${esc(a.comment)}”`;
  return `• ${who(a.approverId)}${name} ${verb} ${when(a.at)} via ${esc(a.source)}${comment}`;
}

function pendingSection(event: OutcomeEvent): SlackBlock {
  const { needs, soFar, mayApprove } = pendingSummary(event, {
    id: who,
    group: (g) => `group ${code(g)}`,
  });
  return { type: 'section', text: md(`*${needs}* ${soFar}\n*May approve:* ${mayApprove}`) };
}

/** The Approve / Reject buttons, or undefined when the event cannot name its digest. */
function decisionButtons(event: OutcomeEvent): SlackBlock | undefined {
  if (event.digest === undefined) return undefined;
  let value: string;
  try {
    value = encodeChatAction({
      repository: event.repository,
      digest: event.digest,
      stage: event.stage,
      ...(event.version === undefined ? {} : { version: event.version }),
    });
  } catch (error) {
    // A button that cannot carry its action is left out; the slash command still works.
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
  const target = `${code(shortDigest(event.digest))} to ${esc([event.stage, event.version].filter(Boolean).join(' '))}`;
  return {
    type: 'actions',
    block_id: 'promoter-decision',
    elements: [
      { type: 'button', action_id: 'approve', text: plain('Approve'), style: 'primary', value },
      {
        type: 'button',
        action_id: 'reject',
        text: plain('Reject'),
        style: 'danger',
        value,
        confirm: {
          title: plain('Reject this promotion?'),
          text: md(`A rejection stops promoting ${target} for good.`),
          confirm: plain('Reject'),
          deny: plain('Cancel'),
          style: 'danger',
        },
      },
    ],
  };
}

/**
 * The Block Kit message for an outcome: a header with the outcome, the facts (repository,
 * stage, version, tags, short digest, git SHAs), who approved and when, the reason of a
 * rejection or failure, and for `pending` how many approvals are still needed, who may give
 * them, and Approve / Reject buttons. Pure: the same event gives the same message.
 */
export function slackNotification(event: OutcomeEvent): SlackMessage {
  const headline = outcomeHeadline(event);
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(clip(headline, 150)) },
    {
      type: 'section',
      fields: outcomeFacts(event).map((f) =>
        md(`*${f.title}*\n${PROSE_FACTS.has(f.title) ? esc(f.value) : code(f.value)}`, 2000),
      ),
    },
  ];
  const approvals = event.approvals ?? [];
  if (approvals.length > 0)
    blocks.push({
      type: 'section',
      text: md(`*Approvals*\n${approvals.map(approvalLine).join('\n')}`),
    });
  if (event.reason !== undefined)
    blocks.push({ type: 'section', text: md(`*Reason*\n${esc(event.reason)}`) });
  if (event.outcome === 'pending') {
    blocks.push(pendingSection(event));
    const buttons = decisionButtons(event);
    if (buttons) blocks.push(buttons);
    const command = chatCommand('/promote', 'approve', event);
    if (command !== undefined)
      blocks.push({ type: 'context', elements: [md(`Or type ${code(command)}`)] });
  }
  blocks.push({
    type: 'context',
    elements: [md(`Approval message ${code(event.messageId)} · ${when(event.at)}`)],
  });
  const digest = event.digest === undefined ? '' : ` · ${shortDigest(event.digest)}`;
  return { text: esc(`${headline}${digest}`), blocks };
}
