import type { StageBoard } from '../../app/views/stageBoard.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { BuildPage } from '../../ports/buildLedger.js';
import { html, type SafeHtml } from '../http/html.js';
import type { BoardLinks } from './boardLinks.js';
import { buildsTable, deadLettersTable, eventsTable } from './boardTables.js';
import { pendingCard, stageCard } from './stageCards.js';

/**
 * One repository on the board: a column per stage, the promotions waiting for approvals, the
 * newest outcome events, dead letters if any, and one page of builds with a link to the next.
 */
export function repositorySection(input: {
  readonly board: StageBoard;
  readonly builds: BuildPage;
  readonly pipeline: Pipeline;
  readonly links: BoardLinks;
  readonly now: Date;
  /** The builds page shown starts at this cursor (not the first page). */
  readonly cursor?: string | undefined;
}): SafeHtml {
  const { board, builds, links, now } = input;
  const repo = board.repository;
  const required = (stage: string) => input.pipeline.stage(stage)?.approval.required ?? 0;
  const next = builds.nextCursor;
  return html`<section class="repo" data-repository="${repo}">
    <h2>
      <a href="${links.repository(repo)}">${repo}</a
      ><span class="muted links"
        >JSON: <a href="${links.api(repo, 'stages')}">stages</a> ·
        <a href="${links.api(repo, 'history')}">history</a> ·
        <a href="${links.api(repo, 'builds')}">builds</a></span
      >
    </h2>
    <div class="stages">${board.stages.map((s) => stageCard(s, required(s.stage), now))}</div>
    <h4>Waiting for approval</h4>
    ${
      board.pending.length === 0
        ? html`<p class="notice">Nothing is waiting for approval.</p>`
        : html`<ul class="plain pending-list">
            ${board.pending.map((p) => pendingCard(p, now))}
          </ul>`
    }
    ${deadLettersTable(board.deadLetters, now, board.moreDeadLetters === true)}
    <h4>Recent events</h4>
    ${eventsTable(board.events, now)}
    <h4>${input.cursor === undefined ? 'Recent builds' : 'Older builds'}</h4>
    ${buildsTable(builds.builds, board.stages, now)}
    <nav class="pages">
      ${input.cursor === undefined ? '' : html`<a href="${links.repository(repo)}">newest builds</a>`}${next === undefined ? '' : html`<a rel="next" href="${links.repository(repo, next)}">older builds →</a>`}
    </nav>
  </section>`;
}
