import type { StageCard } from '../../app/views/stageBoard.js';
import { shortDigest } from '../../domain/shortDigest.js';
import { gitShaCountOf, tagCountOf, type Build } from '../../domain/build.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { locatedTags } from '../../domain/outcomeLocation.js';
import { html, type SafeHtml } from '../http/html.js';
import { timeAgo } from './relativeTime.js';
import { approverLabel } from './stageCards.js';

const digestCell = (digest: string | undefined) =>
  digest === undefined
    ? html`<td></td>`
    : html`<td><code class="digest" title="${digest}">${shortDigest(digest)}</code></td>`;

/** Who acted: the actor (rollback, drift), else who approved or rejected. */
function who(e: OutcomeEvent): SafeHtml {
  if (e.actor !== undefined) return html`${e.actor}`;
  const list = e.approvals ?? [];
  return html`${list.map((a, i) => html`${i > 0 ? ', ' : ''}${approverLabel(a)}`)}`;
}

/** The newest outcome events, newest first. */
export function eventsTable(events: readonly OutcomeEvent[], now: Date): SafeHtml {
  if (events.length === 0) return html`<p class="notice">No outcome recorded yet.</p>`;
  return html`<table class="events">
    <thead>
      <tr>
        <th>when</th>
        <th>outcome</th>
        <th>stage</th>
        <th>tags</th>
        <th>digest</th>
        <th>who</th>
        <th>detail</th>
      </tr>
    </thead>
    <tbody>
      ${events.map(
        (e) =>
          html` <tr>
            <td>${timeAgo(e.at, now)}</td>
            <td class="outcome outcome-${e.outcome}">${e.outcome}</td>
            <td>${e.stage}</td>
            <td>
              ${(locatedTags(e) ?? (e.version === undefined ? [] : [e.version])).map((t, i) => html`${i > 0 ? ' ' : ''}<code>${t}</code>`)}
            </td>
            ${digestCell(e.digest)}
            <td>${who(e)}</td>
            <td>${e.reason ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * Messages that gave up after their last delivery, or nothing when there are none; `more`
 * says that older ones exist beyond those shown.
 */
export function deadLettersTable(
  deadLetters: readonly OutcomeEvent[],
  now: Date,
  more = false,
): SafeHtml {
  if (deadLetters.length === 0) return html``;
  return html`<h4>Dead-lettered messages</h4>
    <div class="card dead">
      <table class="dead-letters">
        <thead>
          <tr>
            <th>when</th>
            <th>stage</th>
            <th>digest</th>
            <th>message id</th>
            <th>why it gave up</th>
          </tr>
        </thead>
        <tbody>
          ${deadLetters.map(
            (e) =>
              html` <tr>
                <td>${timeAgo(e.at, now)}</td>
                <td>${e.stage}</td>
                ${digestCell(e.digest)}
                <td><code>${e.messageId}</code></td>
                <td>${e.reason ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${more ? html`<p class="notice">Older dead letters are in the history.</p>` : ''}
    </div>`;
}

/** One page of builds, newest first, with the stages that hold each one now. */
export function buildsTable(
  builds: readonly Build[],
  stages: readonly StageCard[],
  now: Date,
): SafeHtml {
  if (builds.length === 0) return html`<p class="notice">No builds on this page.</p>`;
  const holding = (digest: string) => stages.filter((s) => s.digest === digest).map((s) => s.stage);
  return html`<table class="builds">
    <thead>
      <tr>
        <th>recorded</th>
        <th>git</th>
        <th>digest</th>
        <th>build tag</th>
        <th>pushed by</th>
        <th>in stage</th>
      </tr>
    </thead>
    <tbody>
      ${builds.map(
        (b) =>
          html` <tr class="build">
            <td>${timeAgo(b.recordedAt, now)}</td>
            <td>
              ${b.gitShas.map((s, i) => html`${i > 0 ? ', ' : ''}<code>${s}</code>`)}${more(b.gitShas, gitShaCountOf(b))}
            </td>
            ${digestCell(b.digest)}
            <td>
              ${b.tags.map((t, i) => html`${i > 0 ? ', ' : ''}<code>${t}</code>`)}${more(b.tags, tagCountOf(b))}
            </td>
            <td>${b.pushedBy ?? ''}</td>
            <td>
              ${holding(b.digest).join(', ')}${b.deletedAt === undefined ? '' : html` <span class="badge warn" title="${b.deletedAt}">deleted</span>`}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** ` and 7 more` after a build's bounded list of `total` entries, or nothing. */
const more = (list: readonly string[], total: number) =>
  total > list.length ? html` and ${String(total - list.length)} more` : '';
