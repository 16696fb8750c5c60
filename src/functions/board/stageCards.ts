import type { PendingCard, StageCard } from '../../app/views/stageBoard.js';
import { SYSTEM_APPROVER } from '../../domain/approvalMessage.js';
import type { Condition } from '../../domain/gatePolicy.js';
import type { RecordedApproval } from '../../domain/outcomeEvent.js';
import { html, type SafeHtml } from '../http/html.js';
import { timeAgo } from './relativeTime.js';

/** An approver as a person knows them: the name, with the id as tooltip; or the id. */
export function approverLabel(a: Pick<RecordedApproval, 'approverId' | 'approverName'>): SafeHtml {
  if (a.approverId === SYSTEM_APPROVER.id)
    return html`<span class="approver muted" title="${a.approverId}">automatic</span>`;
  return a.approverName !== undefined && a.approverName !== a.approverId
    ? html`<span class="approver" title="${a.approverId}">${a.approverName}</span>`
    : html`<span class="approver">${a.approverId}</span>`;
}

/** `alice 3 h ago, bob 2 h ago`, or `nobody yet`. */
function approvals(list: readonly RecordedApproval[], now: Date): SafeHtml {
  if (list.length === 0) return html`<span class="muted">nobody yet</span>`;
  return html`${list.map(
    (a, i) => html`${i > 0 ? ', ' : ''}${approverLabel(a)} ${timeAgo(a.at, now)}`,
  )}`;
}

const digestCode = (digest: string, short: string) =>
  html`<code class="digest" title="${digest}">${short}</code>`;

const shas = (gitShas: readonly string[]) =>
  gitShas.length === 0
    ? html`<span class="muted">unknown</span>`
    : html`${gitShas.map((s, i) => html`${i > 0 ? ', ' : ''}<code class="git">${s}</code>`)}`;

/** One stage's column: its tags, digest, git SHA, who approved and when, age, pin. */
export function stageCard(card: StageCard, required: number, now: Date): SafeHtml {
  const policy = card.automatic ? 'automatic' : `${required} approval${required === 1 ? '' : 's'}`;
  const heading = html`<h3>
    <span class="stage-name">${card.stage}</span><span class="badge">${policy}</span>
  </h3>`;
  if (card.digest === null)
    return html`<article class="card stage empty" data-stage="${card.stage}">
      ${heading}
      <p>nothing yet</p>
    </article>`;
  const bySystem = card.approvedBy.every((a) => a.approverId === SYSTEM_APPROVER.id);
  const approved =
    card.approvedBy.length > 0 && bySystem
      ? html`automatically ${timeAgo(card.promotedAt, now)}`
      : approvals(
          card.approvedBy.filter((a) => a.approverId !== SYSTEM_APPROVER.id),
          now,
        );
  const pin = card.pinned;
  return html`<article class="card stage${pin ? ' pinned' : ''}" data-stage="${card.stage}">
    ${heading}
    <div class="tags">
      ${card.tags.map((t) => {
        // A stage in another registry or repository: the full reference, to pull it by.
        const shown = card.location === undefined ? t : `${card.location}:${t}`;
        const located = card.location === undefined ? '' : ' located';
        return card.floatingTags.includes(t)
          ? html`<span
              class="tag floating${located}"
              title="floating tag: moves with every promotion"
              >${shown}</span
            >`
          : html`<span class="tag${located}">${shown}</span>`;
      })}
    </div>
    <dl>
      <dt>digest</dt>
      <dd>${digestCode(card.digest, card.shortDigest)}</dd>
      <dt>git</dt>
      <dd>${shas(card.gitShas)}</dd>
      <dt>approved</dt>
      <dd>${approved}</dd>
      <dt>age</dt>
      <dd>${timeAgo(card.promotedAt, now)}</dd>
      ${
        pin
          ? html`<dt>pinned</dt>
              <dd>
                <span class="badge warn">pinned</span> by ${pin.by} ${timeAgo(pin.at, now)}:
                ${pin.reason}
              </dd>`
          : ''
      }
    </dl>
  </article>`;
}

/** A promotion waiting for approvals: what, since when, who approved, who may still approve. */
export function pendingCard(p: PendingCard, now: Date): SafeHtml {
  const received = p.required - p.mayStillApprove.needed;
  return html`<li class="card pending" data-stage="${p.stage}">
    <h3>
      <span>${p.stage}${p.version === undefined ? '' : html` <code>${p.version}</code>`}</span
      ><span class="badge warn"
        >${received} of ${p.required} approval${p.required === 1 ? '' : 's'}</span
      >
    </h3>
    <dl>
      <dt>digest</dt>
      <dd>${digestCode(p.digest, p.shortDigest)}</dd>
      <dt>git</dt>
      <dd>${shas(p.gitShas)}</dd>
      <dt>requested</dt>
      <dd>
        ${p.requestedBy === undefined ? '' : html`by ${p.requestedBy} `}${timeAgo(p.requestedAt, now)}
      </dd>
      <dt>approved</dt>
      <dd>${approvals(p.approvedBy, now)}</dd>
      <dt>may approve</dt>
      <dd class="may-approve">${p.mayStillApprove.text}</dd>
      ${
        p.conditions === undefined
          ? ''
          : html`<dt>conditions</dt>
              <dd>
                <ul class="plain conditions">
                  ${p.conditions.map(conditionItem)}
                </ul>
              </dd>`
      }
    </dl>
  </li>`;
}

/** Only http(s) URLs become links; anything else (`javascript:`, a typo) is shown as text. */
function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** One condition: ✓, ✗ or ⚠ (overridden), what it says, who reported, the details link. */
function conditionItem(c: Condition): SafeHtml {
  const state = c.met ? 'met' : c.overridden === true ? 'overridden' : 'open';
  const mark = c.met ? '✓' : c.overridden === true ? '⚠' : '✗';
  // A failed check's detail ends with its link in brackets: the link is shown once, below.
  const detail =
    c.url !== undefined && c.detail.endsWith(` (${c.url})`)
      ? c.detail.slice(0, -` (${c.url})`.length)
      : c.detail;
  const link =
    c.url === undefined
      ? ''
      : isWebUrl(c.url)
        ? html` <a class="details" href="${c.url}" rel="noopener noreferrer">details</a>`
        : html` <span class="details muted">${c.url}</span>`;
  return html`<li class="condition ${state}" data-kind="${c.kind}" data-name="${c.name}">
    <span class="mark" aria-label="${state}">${mark}</span> ${detail}${
      c.reporter === undefined ? '' : html` <span class="reporter">— ${c.reporter}</span>`
    }${link}${c.overridden === true ? html` <span class="badge warn">overridden</span>` : ''}
  </li>`;
}
