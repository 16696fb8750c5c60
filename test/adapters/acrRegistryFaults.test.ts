import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { registryFailure } from '../../src/adapters/acr/acrErrors.js';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import type { RawManifest } from '../../src/ports/registry.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/faultProxy.js';
import { buildImage, inspectDigest, push } from '../support/images.js';

// The adapter behind a fault-injecting TLS proxy (test/support/faultProxy.ts) in front of the
// suite's distribution registry: what reaches the registry, and what the caller is thrown.

const registryHost = inject('registryHost');
const certDir = inject('registryCertDir');
const certFile = inject('registryCertFile');

const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const isPut = (r: ProxiedRequest) => r.method === 'PUT';
const isGet = (r: ProxiedRequest) => r.method === 'GET';

let work: string;
let repository: string;
let digest: string;
let manifest: RawManifest;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-acr-faults-'));
  repository = unique('faulty');
  const image = await buildImage(path.join(work, 'img'), { content: unique('hello') });
  digest = await push(image.reference, `${registryHost}/${repository}:pushed`, certDir);
  manifest = await createAcrRegistry({ registry: registryHost }).getManifest(repository, digest);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function behindProxy(options: { timeoutInMs?: number; isAcr?: boolean } = {}) {
  const started = await startFaultProxy({ upstream: registryHost, certFile });
  proxy = started;
  const registry = createAcrRegistry({ registry: started.host, ...options });
  return { proxy: started, registry };
}

const isAcrApi = (r: ProxiedRequest) => r.path.startsWith('/acr/v1/');

/** ACR's answer to GET/PATCH /acr/v1/{repo}/_tags/{tag}. */
const acrTag = (name: string, tagDigest: string, writeEnabled = true) => ({
  registry: 'myacr.azurecr.io',
  imageName: repository,
  tag: {
    name,
    digest: tagDigest,
    createdTime: '2026-01-01T00:00:00Z',
    lastUpdateTime: '2026-01-01T00:00:00Z',
    signed: false,
    changeableAttributes: {
      deleteEnabled: writeEnabled,
      writeEnabled,
      readEnabled: true,
      listEnabled: true,
    },
  },
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the Registry port when the registry misbehaves', () => {
  it('a 503 on every PUT is a TransientError after the SDK’s two retries (three PUTs)', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(10, { kind: 'status', status: 503 }, isPut);

    const failure = await failureOf(registry.putManifest(repository, 'rc', manifest));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe(
      `tagging ${repository}@${digest} as rc: registry unavailable: HTTP 503: UNAVAILABLE: injected 503`,
    );
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(proxy.count('PUT')).toBe(3);
    expect(proxy.count()).toBe(3);
  });

  it('a single 503 on the PUT is absorbed by the SDK’s retry: the tag is written', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(1, { kind: 'status', status: 503 }, isPut);

    const stored = await registry.putManifest(repository, 'retried', manifest);

    expect(stored).toBe(digest);
    expect(proxy.count('PUT')).toBe(2);
    expect(await inspectDigest(`${registryHost}/${repository}:retried`, certDir)).toBe(digest);
  });

  it('a 429 without Retry-After is a TransientError at once (one PUT)', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(10, { kind: 'status', status: 429 }, isPut);

    const failure = await failureOf(registry.putManifest(repository, 'rc', manifest));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(/: registry unavailable: HTTP 429: /);
    expect(proxy.count('PUT')).toBe(1);
  });

  it('a 429 with Retry-After is retried after that delay, then a TransientError', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(10, { kind: 'status', status: 429, headers: { 'retry-after': '0' } }, isPut);

    const failure = await failureOf(registry.putManifest(repository, 'rc', manifest));

    expect(failure).toBeInstanceOf(TransientError);
    expect(proxy.count('PUT')).toBe(3);
  });

  it('a registry that never answers is a TransientError at the deadline, without retries', async () => {
    const { proxy, registry } = await behindProxy({ timeoutInMs: 500 });
    proxy.failNext(10, { kind: 'hang' }, isGet);
    const started = Date.now();

    const failure = await failureOf(registry.getManifest(repository, digest));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe(
      `fetching ${repository}@${digest}: registry unavailable: no answer within 500 ms (retries included)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(proxy.count('GET')).toBe(1);
  });

  it('a connection reset is retried by the SDK, then a TransientError (three requests)', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(10, { kind: 'reset' }, isGet);

    const failure = await failureOf(registry.resolveTag(repository, 'pushed'));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^resolving ${repository}:pushed: registry unavailable: ECONNRESET: `),
    );
    expect(proxy.count('GET')).toBe(3);
  });

  it('a registry that refuses connections is a TransientError naming ECONNREFUSED', async () => {
    const { proxy, registry } = await behindProxy();
    await proxy.close();
    const started = Date.now();

    const failure = await failureOf(registry.getManifest(repository, digest));

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^fetching ${repository}@${digest}: registry unavailable: ECONNREFUSED: `),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a 403 is a plain Error that names the permission to grant', async () => {
    const { proxy, registry } = await behindProxy();
    proxy.failNext(1, { kind: 'status', status: 403 }, isPut);

    const failure = await failureOf(registry.putManifest(repository, 'rc', manifest));

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(
      /^tagging .* as rc: HTTP 403 UNAVAILABLE: injected 403: the identity lacks permission .*AcrPush/,
    );
    expect(proxy.count('PUT')).toBe(1);
  });

  it('keeps its request-count promise over a promotion: 1 GET, then 1 GET + 1 PUT per tag', async () => {
    const { proxy, registry } = await behindProxy();
    const tags = [unique('rc'), unique('release')];

    const got = await registry.getManifest(repository, digest);
    for (const tag of tags) {
      expect(await registry.resolveTag(repository, tag)).toBeUndefined();
      expect(await registry.putManifest(repository, tag, got)).toBe(digest);
      expect(await registry.lockTag(repository, tag)).toBe(false);
    }

    expect(proxy.count('GET', '/manifests/')).toBe(1 + tags.length);
    expect(proxy.count('PUT', '/manifests/')).toBe(tags.length);
    expect(proxy.count()).toBe(1 + 2 * tags.length);
  });
});

describe('the Registry port on ACR (its /acr/v1/ tag API played by the proxy)', () => {
  it('resolveTag reads the tag’s properties: one GET of /acr/v1/<repo>/_tags/<tag>', async () => {
    const { proxy, registry } = await behindProxy({ isAcr: true });
    proxy.failNext(1, { kind: 'status', status: 200, body: acrTag('1.2.3', digest) }, isAcrApi);

    expect(await registry.resolveTag(repository, '1.2.3')).toBe(digest);
    expect(proxy.requests.map((r) => `${r.method} ${r.path.split('?')[0] ?? ''}`)).toEqual([
      `GET /acr/v1/${repository}/_tags/1.2.3`,
    ]);
  });

  it('resolveTag gives undefined when ACR answers TAG_UNKNOWN', async () => {
    const { proxy, registry } = await behindProxy({ isAcr: true });
    const unknown = {
      errors: [{ code: 'TAG_UNKNOWN', message: 'the specified tag does not exist' }],
    };
    proxy.failNext(1, { kind: 'status', status: 404, body: unknown }, isAcrApi);

    expect(await registry.resolveTag(repository, '9.9.9')).toBeUndefined();
    expect(proxy.count()).toBe(1);
  });

  it('lockTag sends one PATCH that disables writing and deleting the tag, and returns true', async () => {
    const { proxy, registry } = await behindProxy({ isAcr: true });
    proxy.failNext(
      1,
      { kind: 'status', status: 200, body: acrTag('1.2.3', digest, false) },
      isAcrApi,
    );

    expect(await registry.lockTag(repository, '1.2.3')).toBe(true);
    expect(proxy.requests).toHaveLength(1);
    const [patch] = proxy.requests;
    expect(patch?.method).toBe('PATCH');
    expect(patch?.path).toMatch(
      new RegExp(`^/acr/v1/${repository}/_tags/1\\.2\\.3\\?api-version=`),
    );
    expect(JSON.parse(patch?.body ?? '')).toEqual({ deleteEnabled: false, writeEnabled: false });
  });
});

describe('registryFailure', () => {
  const doing = 'fetching myapp@sha256:1';
  /** Shaped as the SDK's RestError (matched by name: the SDK bundles its own class). */
  const restError = (
    message: string,
    fields: { statusCode?: number; url?: string; details?: unknown } = {},
  ) =>
    Object.assign(new Error(message), {
      name: 'RestError',
      statusCode: fields.statusCode,
      request: { url: fields.url ?? 'https://myacr.azurecr.io/v2/myapp/manifests/sha256:1' },
      details: fields.details,
    });

  it.each([
    { status: 408, transient: true },
    { status: 500, transient: true },
    { status: 502, transient: true },
    { status: 400, transient: false },
    { status: 409, transient: false },
  ])('takes HTTP $status for transient: $transient', ({ status, transient }) => {
    const failure = registryFailure(doing, restError('{}', { statusCode: status }), 1000);
    expect(failure instanceof TransientError).toBe(transient);
  });

  it('takes a RestError without a status or a network code for a plain Error', () => {
    const error = restError('Expected property dockerContentDigest to be defined.');
    const failure = registryFailure(doing, error, 1000);
    expect(failure).not.toBeInstanceOf(TransientError);
    expect(failure.cause).toBe(error);
  });

  it('reads a 404 from a token endpoint as a failure, never as "not found"', () => {
    const error = restError('404 page not found', {
      statusCode: 404,
      url: 'https://myacr.azurecr.io/oauth2/exchange',
    });
    const failure = registryFailure(doing, error, 1000);
    expect(failure).not.toBeInstanceOf(NotFoundError);
    expect(failure.message).toBe(`${doing}: HTTP 404 404 page not found`);
  });

  it('reads ACR’s TAG_UNKNOWN on the tag API as "not found"', () => {
    const error = restError('{}', {
      statusCode: 404,
      url: 'https://myacr.azurecr.io/acr/v1/myapp/_tags/1.2.3?api-version=2021-07-01',
      details: { errors: [{ code: 'TAG_UNKNOWN', message: 'the specified tag does not exist' }] },
    });
    expect(registryFailure(doing, error, 1000)).toBeInstanceOf(NotFoundError);
  });

  it('reports bytes that do not match the digest as other bytes, not as an outage', () => {
    const error = Object.assign(new Error('Digest of downloaded manifest does not match'), {
      name: 'DigestMismatchError',
    });
    const failure = registryFailure(doing, error, 1000);
    expect(failure).not.toBeInstanceOf(TransientError);
    expect(failure.message).toBe(
      `${doing}: the registry returned other bytes: Digest of downloaded manifest does not match`,
    );
  });
});
