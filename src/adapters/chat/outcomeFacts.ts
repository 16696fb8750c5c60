import type { ChatActionId } from '../../domain/chatAction.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { joinBounded } from '../../domain/build.js';
import { conditionLines } from '../../domain/describeConditions.js';
import { describeCopy, locatedTags } from '../../domain/outcomeLocation.js';
import { shortDigest } from '../../domain/shortDigest.js';

/*
 * Outcome facts, shared by the Slack message (`slackMessage.ts`) and the Teams card
 * (`teamsMessage.ts`) so that both channels say the same thing. Plain text; each renderer
 * formats and escapes for its own markup.
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
  reconciled: (t) => `🔁 Reconciled: ${t}`,
};

const RECONCILED_WORDS: Readonly<Record<NonNullable<OutcomeEvent['reconciled']>, string>> = {
  'build-recorded': 'a build no registry event reported was recorded',
  'build-deleted': 'a recorded build is gone from the registry',
  'tag-missing': 'a promoted tag is missing from the registry',
  'tag-unknown': 'a stage tag no promotion made',
  'promotion-requested': 'a lost automatic promotion was asked for again',
  'promotion-held': 'a recovered build older than the stage’s head was not promoted',
};

/** `✅ Promoted myapp to rc 1.2.3`, `⚠️ Drift: myapp tag 1.2.3 was moved` … */
export function outcomeHeadline(event: OutcomeEvent): string {
  const stage = [event.stage, event.version].filter((s) => s !== undefined).join(' ');
  switch (event.outcome) {
    case 'drift':
      return HEADLINES.drift(
        `${event.repository} tag ${locatedTags(event)?.join(', ') ?? event.stage} was moved outside promoter${event.restored ? ' (restored)' : ''}`,
      );
    case 'rolled-back':
      return HEADLINES['rolled-back'](`${event.repository} ${stage}`);
    case 'unpinned':
      return HEADLINES.unpinned(`${event.repository} ${event.stage}`);
    case 'deleted':
      return HEADLINES.deleted(`${event.repository} build`);
    case 'reconciled':
      return HEADLINES.reconciled(
        `${event.repository} ${locatedTags(event)?.join(', ') ?? event.stage}: ${RECONCILED_WORDS[event.reconciled ?? 'build-recorded']}${event.restored ? ' (restored)' : ''}`,
      );
    default:
      return HEADLINES[event.outcome](`${event.repository} to ${stage}`);
  }
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
  const list = (title: string, values: readonly string[] | undefined, more = 0) => {
    if (values !== undefined && values.length > 0)
      facts.push({
        title: values.length + more === 1 ? title : `${title}s`,
        value: joinBounded(values, values.length + more),
      });
  };
  if (event.version !== undefined) facts.push({ title: 'Version', value: event.version });
  list('Tag', locatedTags(event), event.moreTags);
  if (event.copy !== undefined) facts.push({ title: 'Copy', value: describeCopy(event.copy) });
  if (event.digest !== undefined) facts.push({ title: 'Digest', value: shortDigest(event.digest) });
  if (event.previousDigest !== undefined)
    facts.push({
      title: event.outcome === 'drift' ? 'Ledger digest' : 'Previous digest',
      value: shortDigest(event.previousDigest),
    });
  list('Git SHA', event.gitShas, event.moreGitShas);
  if (event.actor !== undefined) facts.push({ title: 'By', value: event.actor });
  if (event.reason !== undefined && !['rejected', 'failed'].includes(event.outcome))
    facts.push({ title: 'Why', value: event.reason });
  // A gated promotion's conditions, ✓ or ✗ each, with who reported and the link.
  if (event.conditions !== undefined && event.conditions.length > 0)
    facts.push({ title: 'Conditions', value: conditionLines(event.conditions).join('\n') });
  return facts;
}

/** For `pending`, in words each channel marks up its own way. */
export interface PendingSummary {
  /** `Needs 1 more approval`. */
  readonly needs: string;
  /** `(1 of 2 so far)`. */
  readonly soFar: string;
  /** Who may still approve: `alice, group release-managers`, any approver, or nobody left. */
  readonly mayApprove: string;
}

/**
 * For `pending`: the approvals still needed (`required` − received), and who may still give
 * them: the stage's approver ids (less those who already approved; one approver counts once)
 * and groups, each written by `show`, or any approver when the stage lists none.
 */
export function pendingSummary(
  event: OutcomeEvent,
  show: { readonly id: (id: string) => string; readonly group: (group: string) => string },
): PendingSummary {
  const received = (event.approvals ?? []).filter((a) => a.decision === 'approve').length;
  const required = event.required ?? received + 1;
  const needed = Math.max(required - received, 0);
  const { ids = [], groups = [] } = event.eligible ?? {};
  const approved = new Set((event.approvals ?? []).map((a) => a.approverId));
  const names = [...ids.filter((id) => !approved.has(id)).map(show.id), ...groups.map(show.group)];
  return {
    needs: `Needs ${needed} more approval${needed === 1 ? '' : 's'}`,
    soFar: `(${received} of ${required} so far)`,
    mayApprove:
      ids.length === 0 && groups.length === 0
        ? 'any approver (except the build’s author and the promotion’s requester)'
        : names.join(', ') || 'nobody left on the list',
  };
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
