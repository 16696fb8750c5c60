import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/functions/http/html.js';
import { relativeTime } from '../../src/functions/board/relativeTime.js';

describe('escapeHtml', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="alert(1)', '&quot; onmouseover=&quot;alert(1)'],
    ["' autofocus onfocus='x", '&#39; autofocus onfocus=&#39;x'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&lt;already escaped&gt;', '&amp;lt;already escaped&amp;gt;'],
    ['`backtick`', '&#96;backtick&#96;'],
    ['1.2.3-rc1', '1.2.3-rc1'],
  ])('shows %j literally', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

describe('html templates', () => {
  const hostile = '<img src=x onerror="alert(1)">';

  it('escape every interpolated value, in content and in attributes', () => {
    const out = html`<a title="${hostile}">${hostile}</a>`.toString();
    expect(out).toBe(
      '<a title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</a>',
    );
    expect(out).not.toContain('<img');
  });

  it('escape each element of a list, keep nested templates, and omit nothing-values', () => {
    const items = ['a<b', 'c&d'].map((t) => html`<li>${t}</li>`);
    const list = html`<ul>
      ${items}${undefined}${null}${false}${3}
    </ul>`;
    expect(list.toString().replace(/\s+/g, '')).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li>3</ul>');
  });

  it('never treat a plain string as markup, even one that looks like a template result', () => {
    const sneaky = '</li><script>x</script>';
    expect(html`<li>${sneaky}</li>`.toString()).toBe(
      '<li>&lt;/li&gt;&lt;script&gt;x&lt;/script&gt;</li>',
    );
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  it.each([
    ['2026-11-27T10:00:03Z', 'just now'],
    ['2026-11-27T10:05:00Z', 'just now'],
    ['2026-11-27T09:59:20Z', '40 s ago'],
    ['2026-11-27T09:48:00Z', '12 min ago'],
    ['2026-11-27T07:00:00Z', '3 h ago'],
    ['2026-11-25T11:00:00Z', '47 h ago'],
    ['2026-11-22T10:00:00Z', '5 d ago'],
    ['not a time', 'not a time'],
  ])('%s is %s', (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });
});
