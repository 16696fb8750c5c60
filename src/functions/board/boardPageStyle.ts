import { html } from '../http/html.js';

/** The board's palette (light and dark) and page layout: body, header, repository sections, headings. */
export const PAGE_STYLE = html`<style>
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
</style>`;
