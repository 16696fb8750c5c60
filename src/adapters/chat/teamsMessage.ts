import type { OutcomeEvent, RecordedApproval } from '../../domain/outcomeEvent.js';
import {
  chatCommand,
  outcomeFacts,
  outcomeHeadline,
  pendingSummary,
  utcTime,
  type OutcomeFact,
} from './outcomeFacts.js';

/** The Adaptive Card elements promoter uses. */
export type TeamsCardElement =
  | {
      readonly type: 'TextBlock';
      readonly text: string;
      readonly wrap: true;
      readonly size?: 'Small' | 'Medium' | 'Large';
      readonly weight?: 'Bolder';
      readonly color?: 'Good' | 'Warning' | 'Attention';
      readonly fontType?: 'Monospace';
      readonly isSubtle?: boolean;
      readonly spacing?: 'None' | 'Medium';
    }
  | { readonly type: 'FactSet'; readonly facts: readonly OutcomeFact[] };

/**
 * What a Teams Workflows webhook takes ("Send webhook alerts to a channel", trigger "When a
 * Teams webhook request is received"): a message whose `attachments` hold Adaptive Cards; the
 * workflow's "Post card in a chat or channel" step posts each attachment's `content`. This is
 * the format of Microsoft's "Send Adaptive Cards using an incoming webhook" sample
 * (`contentUrl: null` included); Workflows take Adaptive Cards only, no connector MessageCard.
 */
export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: {
        readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
        readonly type: 'AdaptiveCard';
        readonly version: '1.4';
        readonly body: readonly TeamsCardElement[];
        readonly msteams: { readonly width: 'Full' };
      };
    },
  ];
}

/** The name users @mention: the outgoing webhook's name in Teams. */
const MENTION = '@promoter';

const COLORS = {
  promoted: 'Good',
  pending: 'Warning',
  rejected: 'Attention',
  failed: 'Attention',
  'rolled-back': 'Warning',
  unpinned: 'Good',
  drift: 'Attention',
  deleted: 'Warning',
  reconciled: 'Warning',
} as const;

const text = (
  value: string,
  style: Omit<Extract<TeamsCardElement, { type: 'TextBlock' }>, 'type' | 'text' | 'wrap'> = {},
): TeamsCardElement => ({ type: 'TextBlock', text: value, wrap: true, ...style });

function approvalLine(a: RecordedApproval): string {
  const name = a.approverName === undefined ? '' : ` (${a.approverName})`;
  const verb = a.decision === 'approve' ? '✔ approved' : '✖ rejected';
  const comment = a.comment === undefined ? '' : ` — “${a.comment}”`;
  return `${a.approverId}${name} ${verb} ${utcTime(a.at)} via ${a.source}${comment}`;
}

function pendingBlocks(event: OutcomeEvent): TeamsCardElement[] {
  const { needs, soFar, mayApprove } = pendingSummary(event, {
    id: (id) => id,
    group: (g) => `group ${g}`,
  });
  const blocks = [
    text(`**${needs}** ${soFar}. **May approve:** ${mayApprove}`, { spacing: 'Medium' }),
  ];
  const approve = chatCommand(MENTION, 'approve', event);
  const reject = chatCommand(MENTION, 'reject', event);
  if (approve !== undefined && reject !== undefined)
    blocks.push(
      text('To approve, mention promoter in this channel:'),
      text(approve, { fontType: 'Monospace', spacing: 'None' }),
      text('To reject (this stops the promotion for good):'),
      text(`${reject} -- <reason>`, { fontType: 'Monospace', spacing: 'None' }),
    );
  return blocks;
}

/**
 * The Workflows-webhook message for an outcome: an Adaptive Card (1.4) with the same facts as the
 * Slack message (outcome, repository, stage, version, tags, short digest, git SHAs,
 * approvals, reason). It has no buttons: Teams approvals go through the outgoing webhook, so
 * a `pending` card says which @mention command approves or rejects the exact digest. Pure.
 */
export function teamsNotification(event: OutcomeEvent): TeamsMessage {
  const body: TeamsCardElement[] = [
    text(outcomeHeadline(event), {
      size: 'Medium',
      weight: 'Bolder',
      color: COLORS[event.outcome],
    }),
    { type: 'FactSet', facts: outcomeFacts(event) },
  ];
  const approvals = event.approvals ?? [];
  if (approvals.length > 0)
    body.push(
      text('**Approvals**', { spacing: 'Medium' }),
      ...approvals.map((a) => text(approvalLine(a), { spacing: 'None' })),
    );
  if (event.reason !== undefined)
    body.push(text(`**Reason:** ${event.reason}`, { color: 'Attention', spacing: 'Medium' }));
  if (event.outcome === 'pending') body.push(...pendingBlocks(event));
  body.push(
    text(`Approval message ${event.messageId} · ${utcTime(event.at)}`, {
      size: 'Small',
      isSubtle: true,
      spacing: 'Medium',
    }),
  );
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}
