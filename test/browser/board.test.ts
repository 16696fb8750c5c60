import { accessSync, constants, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { findOnPath } from '../../src/local/services/registryBinary.js';
import { TWO_APPROVALS_PIPELINE } from '../support/boardScenario.js';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import { approve, outcomeOf, pushBuild, stack, unique } from '../support/stack.js';

// The board in a real browser (Debian's chromium, driven by playwright-core) after a real push
// and promotion on the suite's stack. The suite's host runs the seed pipeline, where one
// approval promotes, so nothing would stay pending: a second host on the same registry and
// Azurite tables runs a pipeline whose release needs two approvals, takes the release
// approval, and serves the board that is opened. The push and its dev promotion go through
// the suite's host, as the registry notifies it.

const INSTALL = 'apt-get install -y chromium (or set PROMOTER_CHROMIUM to a Chromium binary)';
const SCREENSHOT = new URL('../../test-artifacts/board.png', import.meta.url);

/** The Chromium binary: PROMOTER_CHROMIUM, else `chromium` on PATH; missing fails the test. */
function chromiumBinary(): string {
  const override = process.env.PROMOTER_CHROMIUM;
  if (override !== undefined && override !== '') {
    try {
      accessSync(override, constants.X_OK);
      return override;
    } catch {
      throw new Error(`PROMOTER_CHROMIUM=${override} is not an executable; ${INSTALL}`);
    }
  }
  const found = findOnPath('chromium');
  if (found === undefined)
    throw new Error(`the browser test needs Chromium, not found on PATH; install with: ${INSTALL}`);
  return found;
}

let work: string;
let host: LocalHost;
let browser: Browser;
let gated: GatedHost;

beforeAll(async () => {
  const executablePath = chromiumBinary();
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-board-'));
  const pipelineFile = path.join(work, 'promoter.pipeline.json');
  writeFileSync(pipelineFile, JSON.stringify(TWO_APPROVALS_PIPELINE));
  host = await startLocalHost({
    port: 0,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: inject('webhookSecret'),
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: stack.registry,
      PROMOTER_PIPELINE_FILE: pipelineFile,
    },
    log: () => undefined,
  });
  // Release gated on checks trivy and e2e (the suite's registry; its host promotes to dev).
  gated = await startGatedHost({
    work: path.join(work, 'gated'),
    gates: { release: { checks: ['trivy', 'e2e'] } },
  });
  browser = await chromium.launch({ executablePath });
});

afterAll(async () => {
  await browser.close();
  await gated.close();
  await host.close();
  await rm(work, { recursive: true, force: true });
});

describe('the board in a browser', () => {
  it('shows each stage’s tag, digest, git SHA and approver, and who may still approve', async () => {
    // Sorts before the other tests' repositories, so it is among the sections shown in full.
    const repo = unique('a-board');
    const build = await pushBuild(work, repo);
    const rc = await outcomeOf(
      repo,
      await approve(
        {
          repository: repo,
          build: { gitSha: build.sha },
          stage: 'rc',
          version: '1.2.3',
          approver: { id: 'alice', name: 'Alice Liddell' },
        },
        host.url,
      ),
      host.url,
    );
    expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc1'] });
    const hostile = '<img src=x onerror=alert(1)>';
    const release = await outcomeOf(
      repo,
      await approve(
        {
          repository: repo,
          build: { tag: '1.2.3-rc1' },
          stage: 'release',
          approver: { id: 'bob', name: hostile },
        },
        host.url,
      ),
      host.url,
    );
    expect(release).toMatchObject({ outcome: 'pending' });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      // Chromium asks for /favicon.ico when it shows the JSON pages the board links to (plain
      // JSON, no page to name an icon); nothing serves one, and that 404 is no board problem.
      const { url } = m.location();
      if (m.type() === 'error' && new URL(url, host.url).pathname !== '/favicon.ico')
        problems.push(`${m.text()} (${url})`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    const response = await page.goto(`${host.url}/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('promoter board');

    const section = page.locator(`section[data-repository="${repo}"]`);
    await expect(section.locator('h2').innerText()).resolves.toContain(repo);
    const short = build.digest.slice(0, 'sha256:'.length + 12);
    const dev = await section.locator('article[data-stage="dev"]').innerText();
    expect(dev).toContain('dev-latest');
    expect(dev).toContain(short);
    expect(dev).toContain(build.sha);
    expect(dev).toContain('automatically');
    const rcColumn = await section.locator('article[data-stage="rc"]').innerText();
    expect(rcColumn).toContain('1.2.3-rc1');
    expect(rcColumn).toContain(short);
    expect(rcColumn).toContain('Alice Liddell');
    expect(rcColumn).toMatch(/just now|s ago/);
    const title = await section.locator('article[data-stage="rc"] .digest').getAttribute('title');
    expect(title).toBe(build.digest);
    await expect(section.locator('article[data-stage="release"]').innerText()).resolves.toContain(
      'nothing yet',
    );

    const pending = await section.locator('.pending').innerText();
    expect(pending).toContain('release');
    expect(pending).toContain('1 of 2 approvals');
    expect(pending).toContain(hostile);
    expect(pending).toContain('alice or a member of release-managers (not bob)');
    expect(await section.locator('img').count()).toBe(0);

    const events = await section.locator('table.events').innerText();
    expect(events).toContain('pending');
    expect(events).toContain('promoted');

    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    expect(problems).toEqual([]);

    // The same board at /board (for hosts that keep / for their own page): its links, followed
    // by clicking them, stay under /board, and the JSON links reach the API.
    for (const home of ['/', '/board']) {
      const opened = await page.goto(`${host.url}${home}`);
      expect(opened?.status()).toBe(200);
      await expect(page.title()).resolves.toBe('promoter board');
      const shown = page.locator(`section[data-repository="${repo}"]`);
      await Promise.all([page.waitForURL(/repository=/), shown.locator('h2 a').first().click()]);
      const url = new URL(page.url());
      expect([url.pathname, url.searchParams.get('repository')]).toEqual([home, repo]);
      await expect(page.title()).resolves.toBe(`${repo} · promoter board`);
      await Promise.all([
        page.waitForURL(/\/api\/repositories\//),
        page.getByRole('link', { name: 'stages', exact: true }).click(),
      ]);
      expect(JSON.parse(await page.locator('body').innerText())).toMatchObject({
        repository: repo,
      });
      await page.goBack();
      await Promise.all([
        page.waitForURL(new RegExp(`${home}$`)),
        page.getByRole('link', { name: '← all repositories' }).click(),
      ]);
      expect(new URL(page.url()).pathname).toBe(home);
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows a gated pending promotion’s conditions: ✓/✗, who reported, and the details link', async () => {
    const repo = unique('a-gated');
    const build = await pushBuild(work, repo);
    const rc = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: build.sha }, stage: 'rc', version: '2.0.0' },
        gated.url,
      ),
      gated.url,
    );
    expect(rc).toMatchObject({ outcome: 'promoted', tags: ['2.0.0-rc1'] });
    await outcomeOf(
      repo,
      await approve(
        {
          repository: repo,
          build: { tag: '2.0.0-rc1' },
          stage: 'release',
          approver: { id: 'bob' },
        },
        gated.url,
      ),
      gated.url,
    );
    const failed = await gated.promoter(
      'check',
      repo,
      build.digest,
      '--name',
      'trivy',
      '--conclusion',
      'failure',
      '--details-url',
      'https://ci.example/scan/7',
      '--summary',
      '2 critical',
      '--as',
      'ci:scan',
      '--wait',
      '20',
    );
    expect(failed.code, failed.stderr).toBe(3);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const response = await page.goto(`${gated.url}/?repository=${repo}`);
    expect(response?.status()).toBe(200);
    const conditions = page.locator(`section[data-repository="${repo}"] .pending .condition`);
    await expect(conditions.count()).resolves.toBe(3);
    const approvals = conditions.nth(0);
    await expect(approvals.getAttribute('class')).resolves.toContain('met');
    await expect(approvals.innerText()).resolves.toMatch(/^✓ 1 of 1 approval/);
    const trivy = page.locator(`section[data-repository="${repo}"] .condition[data-name="trivy"]`);
    await expect(trivy.getAttribute('class')).resolves.toContain('open');
    const trivyText = await trivy.innerText();
    expect(trivyText).toMatch(/^✗ check trivy failed at \S+: 2 critical — ci:scan details$/);
    await expect(trivy.locator('a.details').getAttribute('href')).resolves.toBe(
      'https://ci.example/scan/7',
    );
    const e2e = page.locator(`section[data-repository="${repo}"] .condition[data-name="e2e"]`);
    await expect(e2e.innerText()).resolves.toBe('✗ check e2e has not reported');
    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({
      path: new URL('board-conditions.png', SCREENSHOT).pathname,
      fullPage: true,
    });
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
