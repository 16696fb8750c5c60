import { html } from '../http/html.js';
import { PAGE_STYLE } from './boardPageStyle.js';

/** Cards, tags, tables, outcomes and conditions. */
const PARTS_STYLE = html`<style>
  .stages {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(230px, 1fr));
    gap: 12px;
  }
  .card {
    background: var(--card);
    border: 1px solid var(--line);
    border-radius: 8px;
    padding: 12px 14px;
  }
  .card.empty {
    color: var(--muted);
    border-style: dashed;
  }
  .card.pinned {
    border-color: var(--warn);
  }
  .card.dead {
    border-color: var(--bad);
  }
  .badge {
    font-size: 12px;
    font-weight: 500;
    color: var(--muted);
    border: 1px solid var(--line);
    border-radius: 999px;
    padding: 0 8px;
    white-space: nowrap;
  }
  .badge.warn {
    color: var(--warn);
    border-color: var(--warn);
  }
  .tags {
    margin: 0 0 8px;
  }
  .tag {
    display: inline-block;
    margin: 0 4px 4px 0;
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--chip);
    color: var(--chip-fg);
    font:
      12px/1.6 ui-monospace,
      SFMono-Regular,
      Menlo,
      Consolas,
      monospace;
  }
  .tag.floating {
    background: var(--float);
    color: var(--fg);
  }
  .tag.located {
    overflow-wrap: anywhere;
  }
  code,
  .mono {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 12.5px;
  }
  dl {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: 2px 12px;
    margin: 0;
  }
  dt {
    color: var(--muted);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .muted {
    color: var(--muted);
  }
  ul.plain {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 8px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    background: var(--card);
    border: 1px solid var(--line);
    border-radius: 8px;
    overflow: hidden;
  }
  th,
  td {
    padding: 6px 10px;
    text-align: left;
    vertical-align: top;
    border-bottom: 1px solid var(--line);
  }
  th {
    font-size: 12px;
    font-weight: 600;
    color: var(--muted);
    background: var(--bg);
  }
  tr:last-child td {
    border-bottom: 0;
  }
  .outcome {
    font-weight: 600;
  }
  .outcome-promoted,
  .outcome-unpinned {
    color: var(--ok);
  }
  .outcome-pending,
  .outcome-rolled-back,
  .outcome-drift {
    color: var(--warn);
  }
  .outcome-rejected,
  .outcome-failed,
  .outcome-deleted {
    color: var(--bad);
  }
  .condition.met .mark {
    color: var(--ok);
  }
  .condition.open .mark {
    color: var(--bad);
  }
  .condition.overridden .mark {
    color: var(--warn);
  }
  nav.pages {
    display: flex;
    gap: 16px;
    margin-top: 8px;
  }
  .notice {
    padding: 16px;
    border: 1px dashed var(--line);
    border-radius: 8px;
    color: var(--muted);
  }
</style>`;

/**
 * The board's style sheets (palette and page layout in `boardPageStyle.ts`; cards, tags, tables,
 * outcomes and conditions here): system fonts, cards in a grid, monospace digests, light and dark.
 * Inline, since the page's Content-Security-Policy allows no other source.
 */
export const STYLE = html`${PAGE_STYLE}${PARTS_STYLE}`;
