import functions, { type HttpHandler } from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';
import { board, REPOSITORY_BUILDS } from '../../src/functions/board.js';
import type { StageHead } from '../../src/domain/promotion.js';
import { boardScenario, promotedMyapp } from '../support/boardScenario.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;

/** Opens the board as a browser would: status, headers and the page's HTML. */
async function open(handler: HttpHandler, query: Record<string, string> = {}, path = '/') {
  const search = new URLSearchParams(query).toString();
  const request = new HttpRequest({
    method: 'GET',
    url: `http://localhost:7071${path}${search ? `?${search}` : ''}`,
    query,
  });
  const context = new InvocationContext({ functionName: 'board', logHandler: () => undefined });
  const result = await handler(request, context);
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  return { status: response.status, headers: response.headers, page: await response.text() };
}

const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#96;': '`',
  '&amp;': '&',
};

/** The text a person reads: no style sheet, no tags, entities decoded, spaces collapsed. */
function visible(page: string): string {
  return page
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|#39|#96|amp);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The markup of one element, from its opening tag (found by `marker`) to the matching close. */
function element(page: string, marker: string, tag: string): string {
  const at = page.indexOf(marker);
  if (at < 0) throw new Error(`no ${marker} on the page`);
  const start = page.indexOf('>', at) + 1;
  const end = page.indexOf(`</${tag}>`, start);
  return page.slice(start, end);
}

describe('GET / (the board)', () => {
  it('shows a section per repository with a column per stage: tag, digest, git SHA, approver, age', async () => {
    const s = await promotedMyapp();
    await s.push('team/backend', 'c3d4e5f');
    const { status, page } = await open(board(s.provider));
    expect(status).toBe(200);
    expect(visible(page)).toContain('2 repositories');
    const text = visible(element(page, 'data-repository="myapp"', 'section'));
    expect(visible(element(page, 'data-stage="dev"', 'article'))).toBe(
      `dev automatic dev-latest digest ${s.second.slice(0, 19)} git b2c3d4e approved automatically 1 h ago age 1 h ago`,
    );
    expect(visible(element(page, 'data-stage="rc"', 'article'))).toBe(
      `rc 1 approval 1.2.3-rc1 digest ${s.first.slice(0, 19)} git a1b2c3d approved Alice Liddell 2 h ago age 2 h ago`,
    );
    expect(visible(element(page, 'data-stage="release"', 'article'))).toBe(
      'release 2 approvals nothing yet',
    );
    expect(text).toContain(
      'Waiting for approval release 1.2.3 1 of 2 approvals digest ' +
        `${s.first.slice(0, 19)} git a1b2c3d requested by dave 30 min ago approved Alice Liddell 30 min ago ` +
        'may approve bob or a member of release-managers (not carol, dave or alice)',
    );
    expect(text).toContain('Recent events');
    expect(text).toContain('30 min ago pending release 1.2.3');
    expect(text).toContain(`1 h ago promoted dev dev-latest ${s.second.slice(0, 19)} automatic`);
    expect(text).toContain('Recent builds');
    expect(page).toContain(`title="${s.first}"`);
    expect(page).toContain(
      '<time datetime="2026-11-27T08:00:00.000Z" title="2026-11-27T08:00:00.000Z">2 h ago</time>',
    );
    expect(page).toContain('data-repository="team/backend"');
  });

  it('answers HTML that may load and run nothing but its own inline style', async () => {
    const s = await promotedMyapp();
    const { headers, page } = await open(board(s.provider));
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|<img|src=/i);
  });

  it('escapes hostile approver names, tags, reasons, authors and query parameters', async () => {
    const s = await promotedMyapp();
    const name = '<img src=x onerror="alert(1)">';
    await s.push('myapp', 'd4e5f60', '"><script>alert("author")</script>');
    await s.send({
      repository: 'myapp',
      stage: 'rc',
      build: { gitSha: 'b2c3d4e' },
      version: '1.2.4',
      approver: { id: 'mallory', name },
    });
    const state = await s.promotions.getRepositoryState('myapp');
    await s.promotions.commit('myapp', {
      expectedEtag: state.etag,
      heads: {
        ...state.heads,
        release: {
          ...(state.heads.rc as StageHead),
          stage: 'release',
          tags: ['"><svg onload=alert(1)>'],
          pinned: {
            by: '<b>erin</b>',
            at: state.heads.rc?.promotedAt ?? '',
            reason: '<i>x</i>',
            messageId: 'r',
          },
        },
      },
      promotions: [],
    });
    await s.promotions.appendHistory('myapp', {
      type: 'promotion.outcome',
      id: 'f1',
      outcome: 'failed',
      repository: 'myapp',
      stage: 'rc',
      reason: '<script>alert("dead")</script>',
      messageId: 'dead-1',
      at: '2026-11-27T09:59:00.000Z',
    });
    const hostileCode = '"><script>alert("code")</script>';
    for (const query of [{ code: hostileCode }, { repository: 'myapp', code: hostileCode }]) {
      const { status, page } = await open(board(s.provider), query);
      expect(status).toBe(200);
      expect(page).not.toMatch(/<(script|img|svg|b|i)[\s>]/i);
      const text = visible(page);
      expect(text).toContain(`approved ${name}`);
      expect(text).toContain('"><svg onload=alert(1)>');
      expect(text).toContain('pinned by <b>erin</b>');
      expect(text).toContain('Dead-lettered messages');
      expect(text).toContain('<script>alert("dead")</script>');
      expect(text).toContain('"><script>alert("author")</script>');
    }
  });

  it('carries the function key (?code=) along in every link', async () => {
    const s = await promotedMyapp();
    for (let i = 0; i < 10; i++) await s.push('myapp', `e${String(i).padStart(6, '0')}`);
    const { page } = await open(board(s.provider), { code: 'k3y/+=' });
    const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(3);
    for (const href of hrefs) expect(href).toContain('code=k3y%2F%2B%3D');
    expect(hrefs).toContain('/api/repositories/myapp/stages?code=k3y%2F%2B%3D');
  });

  it('keeps its links under /board when opened there, the API links unchanged', async () => {
    const s = await promotedMyapp();
    for (let i = 0; i < 30; i++) await s.push('myapp', `e${String(i).padStart(6, '0')}`);
    const handler = board(s.provider, '/board');
    const { status, page } = await open(handler, { code: 'k3y' }, '/board');
    expect(status).toBe(200);
    const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(hrefs).toContain('/board?repository=myapp&amp;code=k3y');
    expect(hrefs).toContain('/api/repositories/myapp/stages?code=k3y');
    expect(hrefs.filter((h) => !h.startsWith('/board?') && !h.startsWith('/api/'))).toEqual([]);
    const repository = await open(handler, { repository: 'myapp', code: 'k3y' }, '/board');
    const older = [...repository.page.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(older).toContain('/board?code=k3y');
    expect(older.some((h) => h.startsWith('/board?repository=myapp&amp;cursor='))).toBe(true);
  });

  it('pages through a repository’s builds, reading one page of builds per request', async () => {
    const s = boardScenario();
    for (let i = 0; i < 30; i++) {
      await s.push('myapp', `f${String(i).padStart(6, '0')}`);
      s.advance(1);
    }
    const listBuilds = vi.spyOn(s.ledger, 'listBuilds');
    const first = await open(board(s.provider), { repository: 'myapp' });
    expect(listBuilds).toHaveBeenCalledTimes(1);
    expect(listBuilds).toHaveBeenLastCalledWith('myapp', { limit: REPOSITORY_BUILDS });
    const rows = (page: string) => [...page.matchAll(/<tr class="build">/g)].length;
    expect(rows(first.page)).toBe(REPOSITORY_BUILDS);
    expect(visible(first.page)).toContain('f000029');
    const next =
      /<a rel="next" href="\/\?repository=myapp&amp;cursor=([^"&]+)">older builds →<\/a>/.exec(
        first.page,
      );
    expect(next?.[1]).toBeDefined();
    const second = await open(board(s.provider), { repository: 'myapp', cursor: next?.[1] ?? '' });
    expect(listBuilds).toHaveBeenCalledTimes(2);
    expect(rows(second.page)).toBe(5);
    expect(visible(second.page)).toContain('Older builds');
    expect(visible(second.page)).toContain('f000000');
    expect(second.page).not.toContain('older builds →');
    expect(second.page).toContain('newest builds');
  });

  it('shows the first repositories in full and links the others', async () => {
    const s = boardScenario();
    for (let i = 0; i < 23; i++) await s.push(`app${String(i).padStart(2, '0')}`, 'a1b2c3d');
    const { page } = await open(board(s.provider));
    expect([...page.matchAll(/<section class="repo" data-repository=/g)]).toHaveLength(20);
    expect(visible(page)).toContain('3 more app20 app21 app22');
    expect(page).toContain('href="/?repository=app22"');
  });

  it('tells a new user how to get a first build on the board', async () => {
    const { status, page } = await open(board(boardScenario().provider));
    expect(status).toBe(200);
    expect(visible(page)).toContain('No build recorded yet');
  });

  it('answers 400 pages for a bad repository name or cursor, naming the problem', async () => {
    const s = await promotedMyapp();
    const bad = await open(board(s.provider), { repository: 'My App' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(visible(bad.page)).toMatch(/repository .+/);
    const cursor = await open(board(s.provider), { repository: 'myapp', cursor: 'nonsense' });
    expect(cursor.status).toBe(400);
    expect(visible(cursor.page)).toContain('cursor');
    expect(visible(cursor.page)).toContain('Start from the newest builds.');
  });
});
