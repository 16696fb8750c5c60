import functions, { type HttpHandler } from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';
import { board, REPOSITORY_BUILDS } from '../../src/functions/board.js';
import type { StageHead } from '../../src/domain/promotion.js';
import { stageBoard } from '../../src/app/views/stageBoard.js';
import { repositoryStatus, statusText } from '../../src/app/views/repositoryStatus.js';
import { boardScenario, promotedMyapp, TWO_APPROVALS_PIPELINE } from '../support/boardScenario.js';

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

/** The two-approval release, also gated on checks trivy and e2e and a 3 h soak in rc. */
const GATED_PIPELINE = {
  ...TWO_APPROVALS_PIPELINE,
  stages: TWO_APPROVALS_PIPELINE.stages.map((s) =>
    s.name === 'release' ? { ...s, checks: ['trivy', 'e2e'], soak: '3h' } : s,
  ),
};

/** myapp's release of 1.2.3 pending (`promotedMyapp`), trivy passed, e2e failed, at 10:00. */
async function gatedMyapp(failureUrl = 'https://ci.example/e2e/7?a=1&b="<x>"') {
  const s = await promotedMyapp(GATED_PIPELINE);
  const result = { repository: 'myapp', digest: s.first };
  await s.services.checks.recordCheck({
    ...result,
    name: 'trivy',
    conclusion: 'success',
    reporter: 'ci:scan',
    detailsUrl: 'https://ci.example/scan/1',
    at: '2026-11-27T09:40:00.000Z',
    messageId: 'c1',
  });
  await s.services.checks.recordCheck({
    ...result,
    name: 'e2e',
    conclusion: 'failure',
    reporter: 'ci:<e2e>',
    detailsUrl: failureUrl,
    summary: '3 tests failed',
    at: '2026-11-27T09:50:00.000Z',
    messageId: 'c2',
  });
  return s;
}

describe('a pending promotion’s conditions on the board, in status and in chat', () => {
  it('lists each condition with ✓/✗, who reported and the link, derived by the gate policy', async () => {
    const s = await gatedMyapp('https://ci.example/e2e/7');
    const { pending } = await stageBoard(s.services, 'myapp');
    expect(pending[0]?.conditions).toEqual([
      {
        kind: 'approvals',
        name: 'approvals',
        met: false,
        detail: '1 of 2 approval(s): waiting for 1 more',
      },
      {
        kind: 'check',
        name: 'trivy',
        met: true,
        detail: 'check trivy succeeded at 2026-11-27T09:40:00.000Z',
        reporter: 'ci:scan',
        url: 'https://ci.example/scan/1',
        at: '2026-11-27T09:40:00.000Z',
      },
      {
        kind: 'check',
        name: 'e2e',
        met: false,
        detail:
          'check e2e failed at 2026-11-27T09:50:00.000Z: 3 tests failed (https://ci.example/e2e/7)',
        reporter: 'ci:<e2e>',
        url: 'https://ci.example/e2e/7',
        at: '2026-11-27T09:50:00.000Z',
      },
      {
        kind: 'soak',
        name: 'soak',
        met: false,
        detail:
          'soaking in rc until 2026-11-27T11:00:00.000Z (3 hours from 2026-11-27T08:00:00.000Z)',
        at: '2026-11-27T11:00:00.000Z',
      },
    ]);
    // Time moves on: the soak holds by itself, with nothing else reported.
    s.advance(60);
    const later = await repositoryStatus(s.services, 'myapp');
    expect(later.pending[0]?.conditions?.find((c) => c.kind === 'soak')).toMatchObject({
      met: true,
      detail: 'soaked 3 hours in rc (since 2026-11-27T08:00:00.000Z)',
    });
  });

  it('shows a stage without gates with no conditions at all', async () => {
    const s = await promotedMyapp();
    const { pending } = await stageBoard(s.services, 'myapp');
    expect(pending[0]).not.toHaveProperty('conditions');
  });

  it('chat status shows the conditions under the pending promotion', async () => {
    const s = await gatedMyapp('https://ci.example/e2e/7');
    const text = statusText(await repositoryStatus(s.services, 'myapp'));
    expect(text).toContain(
      [
        `• release 1.2.3 of ${s.first.slice(0, 19)}, needs 2, approved so far by alice`,
        '    ✗ 1 of 2 approval(s): waiting for 1 more',
        '    ✓ check trivy succeeded at 2026-11-27T09:40:00.000Z — ci:scan (https://ci.example/scan/1)',
        '    ✗ check e2e failed at 2026-11-27T09:50:00.000Z: 3 tests failed (https://ci.example/e2e/7) — ci:<e2e>',
        '    ✗ soaking in rc until 2026-11-27T11:00:00.000Z (3 hours from 2026-11-27T08:00:00.000Z)',
      ].join('\n'),
    );
  });

  it('the page shows them with marks and escaped links', async () => {
    const s = await gatedMyapp();
    const { page } = await open(board(s.provider), { repository: 'myapp' });
    const conditions = element(page, 'class="plain conditions"', 'ul');
    expect(visible(conditions)).toBe(
      [
        '✗ 1 of 2 approval(s): waiting for 1 more',
        '✓ check trivy succeeded at 2026-11-27T09:40:00.000Z — ci:scan details',
        '✗ check e2e failed at 2026-11-27T09:50:00.000Z: 3 tests failed — ci:<e2e> details',
        '✗ soaking in rc until 2026-11-27T11:00:00.000Z (3 hours from 2026-11-27T08:00:00.000Z)',
      ].join(' '),
    );
    expect(conditions).toContain(
      '<a class="details" href="https://ci.example/scan/1" rel="noopener noreferrer">details</a>',
    );
    expect(conditions).toContain('href="https://ci.example/e2e/7?a=1&amp;b=&quot;&lt;x&gt;&quot;"');
    expect(conditions).toContain('— ci:&lt;e2e&gt;');
    expect(conditions).not.toContain('<x>');
    expect(conditions).toContain('<li class="condition met" data-kind="check" data-name="trivy">');
    expect(conditions).toContain('<li class="condition open" data-kind="check" data-name="e2e">');
  });

  it('shows a link that is not http(s) as text, never as a link', async () => {
    const s = await gatedMyapp('javascript:alert(1)');
    const { page } = await open(board(s.provider), { repository: 'myapp' });
    const conditions = element(page, 'class="plain conditions"', 'ul');
    expect(conditions).not.toContain('href="javascript:');
    expect(conditions).toContain('<span class="details muted">javascript:alert(1)</span>');
  });
});
