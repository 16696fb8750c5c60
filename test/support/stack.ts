import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, inject } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { signPromoterRequest } from '../../src/domain/promoterSignature.js';
import { buildImage, buildIndex, inspectDigest, push, run } from './images.js';

/** Helpers for end-to-end tests against the suite's local stack (test/globalSetup.ts). */
export const stack = {
  hostUrl: inject('hostUrl'),
  registry: inject('registryHost'),
  certDir: inject('registryCertDir'),
  secret: inject('webhookSecret'),
};

export const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
export const newSha = (length = 7) => randomBytes(20).toString('hex').slice(0, length);

/**
 * POSTs an approval message to `hostUrl`'s /api/approvals, signed with the suite's approvals
 * HMAC secret; returns the queued message id. Posting the same message twice within one second
 * would be the same signed request (refused as a replay), so a replay is signed anew once the
 * next second has begun, as a gate retrying would.
 */
export async function approve(
  message: Record<string, unknown>,
  hostUrl = stack.hostUrl,
): Promise<string> {
  const body = JSON.stringify({
    decision: 'approve',
    approver: { id: 'alice' },
    source: 'test',
    ...message,
  });
  const post = () =>
    fetch(`${hostUrl}/api/approvals`, {
      method: 'POST',
      headers: {
        ...signPromoterRequest(body, inject('approvalsHmacSecret'), new Date()),
        'content-type': 'application/json',
      },
      body,
    });
  let response = await post();
  let answer = (await response.json()) as { id: string; detail?: string };
  if (response.status === 401 && /replay/.test(answer.detail ?? '')) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    response = await post();
    answer = (await response.json()) as { id: string; detail?: string };
  }
  expect(response.status, JSON.stringify(answer)).toBe(202);
  return answer.id;
}

/** Polls a repository's history until the outcome of `messageId` is recorded. */
export async function outcomeOf(
  repository: string,
  messageId: string,
  hostUrl = stack.hostUrl,
  timeoutMs = 20_000,
): Promise<OutcomeEvent> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${hostUrl}/api/repositories/${repository}/history?limit=100`);
    if (response.ok) {
      const { outcomes } = (await response.json()) as { outcomes: OutcomeEvent[] };
      const found = outcomes.find((o) => o.messageId === messageId);
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no outcome for ${messageId} in ${repository} within ${timeoutMs} ms`);
}

/** The digest a tag points to in the registry, or undefined when the tag does not exist. */
export async function tagDigest(repository: string, tag: string): Promise<string | undefined> {
  try {
    return await inspectDigest(`${stack.registry}/${repository}:${tag}`, stack.certDir);
  } catch (error) {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN/i.test(String(error))) return undefined;
    throw error;
  }
}

/** Polls until `tag` points to `digest` (the webhook's dev promotion runs asynchronously). */
export async function waitForTag(
  repository: string,
  tag: string,
  digest: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    try {
      last = await tagDigest(repository, tag);
    } catch (error) {
      // The local registry's filesystem driver answers 500 now and then while a tag moves.
      if (!/500 Internal Server Error/.test(String(error))) throw error;
    }
    if (last === digest) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${repository}:${tag} is ${last ?? 'absent'}, not ${digest}, after ${timeoutMs} ms`,
  );
}

/** What a person does by hand: `skopeo copy` one tag of `repository` onto another. */
export async function copyTag(repository: string, from: string, to: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--src-cert-dir',
    stack.certDir,
    '--dest-cert-dir',
    stack.certDir,
    `docker://${stack.registry}/${repository}:${from}`,
    `docker://${stack.registry}/${repository}:${to}`,
  ]);
}

/** Tags in a repository, from the registry's tag list. */
export async function listTags(repository: string): Promise<string[]> {
  const out = await run('skopeo', [
    'list-tags',
    '--cert-dir',
    stack.certDir,
    `docker://${stack.registry}/${repository}`,
  ]);
  return (JSON.parse(out.toString('utf8')) as { Tags: string[] }).Tags.sort();
}

/**
 * Builds a new image (an OCI index with `index`) under `workDir`, pushes it as
 * `<repository>:git-<sha>` and waits until the automatic dev promotion moved `dev-latest` to it.
 */
export async function pushBuild(
  workDir: string,
  repository: string,
  options: { readonly index?: boolean } = {},
): Promise<{ sha: string; digest: string }> {
  const sha = newSha();
  const dir = path.join(workDir, unique('b'));
  const image = options.index
    ? await buildIndex(dir, { content: `index ${sha}` })
    : await buildImage(dir, { content: `image ${sha}` });
  const digest = await push(
    image.reference,
    `${stack.registry}/${repository}:git-${sha}`,
    stack.certDir,
    {
      all: options.index === true,
    },
  );
  await waitForTag(repository, 'dev-latest', digest);
  return { sha, digest };
}
