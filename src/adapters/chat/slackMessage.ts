import { encodeChatAction, type ChatActionId } from '../../domain/chatAction.js';
import { ValidationError } from '../../domain/errors.js';
import type { OutcomeEvent, RecordedApproval } from '../../domain/outcomeEvent.js';

/*
 * Outcome facts, shared with the Teams card (`teamsMessage.ts`) so that both channels say the
 * same thing. Plain text; each renderer formats and escapes for its own markup.
 */

const HEADLINES: Readonly<Record<OutcomeEvent['outcome'], (target: string) => string>> = {
  promoted: (t) => `✅ Promoted ${t}`,
  pending: (t) => `⏳ Awaiting approval: ${t}`,
  rejected: (t) => `⛔ Rejected: ${t}`,
  failed: (t) => `❌ Failed: ${t}`,
  'rolled-back': (t) => `↩️ Rolled back: ${t}`,
  unpinned: (t) => `▶️ Unpinned: ${t}`,
  drift: (t) => `⚠️ Drift: ${t}`,
  deleted: (t) => `🗑️ Deleted by retention: ${t}`,
};

/** `✅ Promoted myapp to rc 1.2.3`, `⚠️ Drift: myapp tag 1.2.3 was moved` … */
export function outcomeHeadline(event: OutcomeEvent): string {
  const stage = [event.stage, event.version].filter((s) => s !== undefined).join(' ');
  switch (event.outcome) {
    case 'drift':
      return HEADLINES.drift(
        `${event.repository} tag ${event.tags?.join(', ') ?? event.stage} was moved outside promoter${event.restored ? ' (restored)' : ''}`,
      );
    case 'rolled-back':
      return HEADLINES['rolled-back'](`${event.repository} ${stage}`);
    case 'unpinned':
      return HEADLINES.unpinned(`${event.repository} ${event.stage}`);
    case 'deleted':
      return HEADLINES.deleted(`${event.repository} build`);
    default:
      return HEADLINES[event.outcome](`${event.repository} to ${stage}`);
  }
}

/** `sha256:4f53ab12cd34`: the algorithm and the first 12 hex characters. */
export function shortDigest(digest: string): string {
  const [algorithm = '', hex] = digest.split(':', 2);
  return hex === undefined ? digest : `${algorithm}:${hex.slice(0, 12)}`;
}

/** `2026-11-27 10:00 UTC`. */
export function utcTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A labelled fact of an outcome, as plain text. */
export interface OutcomeFact {
  readonly title: string;
  readonly value: string;
}

/** Repository, stage, version, tag(s), short digest and git SHA(s): those the event has. */
export function outcomeFacts(event: OutcomeEvent): OutcomeFact[] {
  const facts: OutcomeFact[] = [
    { title: 'Repository', value: event.repository },
    { title: 'Stage', value: event.stage },
  ];
  const list = (title: string, values: readonly string[] | undefined) => {
    if (values !== undefined && values.length > 0)
      facts.push({ title: values.length === 1 ? title : `${title}s`, value: values.join(', ') });
  };
  if (event.version !== undefined) facts.push({ title: 'Version', value: event.version });
  list('Tag', event.tags);
  if (event.digest !== undefined) facts.push({ title: 'Digest', value: shortDigest(event.digest) });
  if (event.previousDigest !== undefined)
    facts.push({
      title: event.outcome === 'drift' ? 'Ledger digest' : 'Previous digest',
      value: shortDigest(event.previousDigest),
    });
  list('Git SHA', event.gitShas);
  if (event.actor !== undefined) facts.push({ title: 'By', value: event.actor });
  if (event.reason !== undefined && !['rejected', 'failed'].includes(event.outcome))
    facts.push({ title: 'Why', value: event.reason });
  return facts;
}

/** For `pending`: approvals received, required, and still needed (`required` − received). */
export function approvalsNeeded(event: OutcomeEvent): {
  readonly received: number;
  readonly required: number;
  readonly needed: number;
} {
  const received = (event.approvals ?? []).filter((a) => a.decision === 'approve').length;
  const required = event.required ?? received + 1;
  return { received, required, needed: Math.max(required - received, 0) };
}

/**
 * Who may still approve: the stage's approver ids (less those who already approved; one
 * approver counts once) and groups, or `anyone` when the stage lists none.
 */
export function mayStillApprove(
  event: OutcomeEvent,
): 'anyone' | { readonly ids: readonly string[]; readonly groups: readonly string[] } {
  const { ids = [], groups = [] } = event.eligible ?? {};
  if (ids.length === 0 && groups.length === 0) return 'anyone';
  const approved = new Set((event.approvals ?? []).map((a) => a.approverId));
  return { ids: ids.filter((id) => !approved.has(id)), groups };
}

/**
 * The chat command that decides this promotion by its exact digest, as the shared command
 * grammar reads it: `/promote approve myapp sha256:… rc 1.2.3`. Undefined without a digest.
 */
export function chatCommand(
  invokedAs: string,
  decision: ChatActionId,
  event: OutcomeEvent,
): string | undefined {
  if (event.digest === undefined) return undefined;
  const args = [event.repository, event.digest, event.stage, event.version];
  return [invokedAs, decision, ...args.filter((a) => a !== undefined)].join(' ');
}

/* Slack Block Kit. */

/** Block Kit text objects. */
export interface SlackPlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}
export interface SlackMarkdown {
  readonly type: 'mrkdwn';
  readonly text: string;
}

/** A decision button; its `value` is `encodeChatAction(...)` (see `domain/chatAction.ts`). */
export interface SlackButton {
  readonly type: 'button';
  readonly action_id: ChatActionId;
  readonly text: SlackPlainText;
  readonly style: 'primary' | 'danger';
  readonly value: string;
  readonly confirm?: {
    readonly title: SlackPlainText;
    readonly text: SlackMarkdown;
    readonly confirm: SlackPlainText;
    readonly deny: SlackPlainText;
    readonly style: 'danger';
  };
}

/** The Block Kit blocks promoter posts. */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackPlainText }
  | {
      readonly type: 'section';
      readonly text?: SlackMarkdown;
      readonly fields?: readonly SlackMarkdown[];
    }
  | { readonly type: 'context'; readonly elements: readonly SlackMarkdown[] }
  | { readonly type: 'actions'; readonly block_id: string; readonly elements: SlackButton[] };

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
  const { needed, received, required } = approvalsNeeded(event);
  const eligible = mayStillApprove(event);
  const mayApprove =
    eligible === 'anyone'
      ? 'any approver (except the build’s author and the promotion’s requester)'
      : [...eligible.ids.map(who), ...eligible.groups.map((g) => `group ${code(g)}`)].join(', ') ||
        'nobody left on the list';
  return {
    type: 'section',
    text: md(
      `*Needs ${needed} more approval${needed === 1 ? '' : 's'}* (${received} of ${required} so far)\n*May approve:* ${mayApprove}`,
    ),
  };
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
