import { setTimeout as sleep } from 'node:timers/promises';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import { signPromoterRequest } from '../src/domain/promoterSignature.js';
import type { LocalHost } from '../src/local/host.js';

/**
 * POSTs an approval to the host, signed with the approvals secret (`signPromoterRequest`);
 * resolves to the queued message id (202) or throws.
 */
export async function postApproval(
  host: LocalHost,
  approvalsSecret: string,
  message: { repository: string; digest: string; stage: string; version?: string },
): Promise<string> {
  const body = JSON.stringify({
    repository: message.repository,
    build: { digest: message.digest },
    stage: message.stage,
    ...(message.version === undefined ? {} : { version: message.version }),
    decision: 'approve',
    approver: { id: 'bench-approver' },
    source: 'bench',
  });
  const response = await fetch(`http://127.0.0.1:${host.port}/api/approvals`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signPromoterRequest(body, approvalsSecret, new Date()),
    },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST /api/approvals → ${response.status}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

/** Waits (in process, no HTTP) for the first outcome in `repository` that `match` accepts. */
export async function waitForOutcome(
  host: LocalHost,
  repository: string,
  match: (event: OutcomeEvent) => boolean,
  timeoutMs = 20_000,
): Promise<OutcomeEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = host.outcomes.list({ repository }).find(match);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no matching outcome in ${repository} within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Every build the API lists for `repository`, following `nextCursor` across pages. */
export async function listAllBuilds(
  host: LocalHost,
  repository: string,
): Promise<{ builds: { digest: string; gitSha?: string }[]; pages: number }> {
  const builds: { digest: string; gitSha?: string }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query = `limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const url = `http://127.0.0.1:${host.port}/api/repositories/${repository}/builds?${query}`;
    const response = await fetch(url);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${text}`);
    const page = JSON.parse(text) as {
      builds: { digest: string; gitSha?: string }[];
      nextCursor?: string;
    };
    builds.push(...page.builds);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== undefined && pages < 100);
  return { builds, pages };
}
