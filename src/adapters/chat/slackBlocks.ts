import type { ChatActionId } from '../../domain/chatAction.js';

/* The Slack Block Kit objects promoter posts. */

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
