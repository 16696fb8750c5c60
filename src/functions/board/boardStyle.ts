import { html } from '../http/html.js';

/**
 * The board's style sheet: system fonts, cards in a grid, monospace digests, light and dark.
 * Inline, since the page's Content-Security-Policy allows no other source.
 */
export const STYLE = html`<style>
  :root {
    color-scheme: light dark;
    --fg: #1f2328;
    --muted: #59636e;
    --bg: #f6f8fa;
    --card: #fff;
    --line: #d1d9e0;
    --accent: #0969da;
    --chip: #ddf4ff;
    --chip-fg: #0550ae;
    --float: #fff8c5;
    --ok: #1a7f37;
    --warn: #9a6700;
    --bad: #cf222e;
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --fg: #e6edf3;
      --muted: #9198a1;
      --bg: #0d1117;
      --card: #151b23;
      --line: #3d444d;
      --accent: #4493f8;
      --chip: #12263f;
      --chip-fg: #79c0ff;
      --float: #3b2e00;
      --ok: #3fb950;
      --warn: #d29922;
      --bad: #f85149;
    }
  }
  * {
    box-sizing: border-box;
  }
  body {
    margin: 0;
    font:
      14px/1.5 system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Helvetica Neue',
      sans-serif;
    color: var(--fg);
    background: var(--bg);
  }
  a {
    color: var(--accent);
    text-decoration: none;
  }
  a:hover {
    text-decoration: underline;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 8px 24px;
    padding: 14px 24px;
    background: var(--card);
    border-bottom: 1px solid var(--line);
  }
  header h1 {
    margin: 0;
    font-size: 18px;
  }
  header .muted {
    font-size: 13px;
  }
  main {
    max-width: 1280px;
    margin: 0 auto;
    padding: 20px 24px 48px;
  }
  section.repo {
    margin: 0 0 40px;
  }
  section.repo > h2 {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 6px 14px;
    margin: 0 0 12px;
    font-size: 20px;
  }
  section.repo > h2 .links {
    font-size: 13px;
    font-weight: 400;
  }
  h3 {
    margin: 0 0 8px;
    font-size: 15px;
    display: flex;
    justify-content: space-between;
    gap: 8px;
  }
  h4 {
    margin: 20px 0 8px;
    font-size: 13px;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--muted);
  }
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
