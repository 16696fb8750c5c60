import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOciRegistry } from '../../src/adapters/oci/ociRegistry.js';
import { TransientError } from '../../src/domain/errors.js';
import { buildImage, push } from '../support/images.js';
import { startTokenProxy, type TokenProxy } from '../support/tokenProxy.js';

// The Registry adapter of a non-ACR registry, signing in as GHCR, Harbor and Docker Hub ask:
// Bearer tokens from a token endpoint, for basic credentials (test/support/tokenProxy.ts in
// front of the suite's distribution registry).

const registryHost = inject('registryHost');
const USER = 'robot';
const PASSWORD = 'oci-registry-test-password';
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

let work: string;
let repository: string;
let digest: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-oci-registry-'));
  repository = unique('ociregistry/app');
  const image = await buildImage(path.join(work, 'img'), { content: unique('oci-registry') });
  digest = await push(
    image.reference,
    `${registryHost}/${repository}:pushed`,
    inject('registryCertDir'),
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let proxy: TokenProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const tokenProxy = (expiresIn?: number) =>
  startTokenProxy({
    upstream: registryHost,
    certFile: inject('registryCertFile'),
    mode: 'docker',
    user: { name: USER, password: PASSWORD },
    ...(expiresIn === undefined ? {} : { expiresIn }),
  });

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('OCI registry adapter behind a Bearer token service', () => {
  it('asks for one token per repository and action (pull to read, pull,push to write), and reuses each until it expires', async () => {
    proxy = await tokenProxy(300);
    let now = Date.now();
    const registry = createOciRegistry({
      registry: proxy.host,
      signIn: { kind: 'basic', username: USER, password: PASSWORD },
      now: () => now,
    });
    const manifest = await registry.getManifest(repository, digest);

    expect(await registry.resolveTag(repository, 'pushed')).toBe(digest);
    expect(await registry.resolveTag(repository, 'pushed')).toBe(digest);
    expect(proxy.tokenRequests).toHaveLength(1);
    expect(await registry.putManifest(repository, 'written', manifest)).toBe(digest);
    expect(await registry.putManifest(repository, 'written-again', manifest)).toBe(digest);
    expect(proxy.tokenRequests).toHaveLength(2);
    expect(proxy.issued).toEqual([
      [`repository:${repository}:pull`],
      expect.arrayContaining([`repository:${repository}:pull`, `repository:${repository}:push`]),
    ]);

    now += 200_000; // still within 90% of its 300 s
    expect(await registry.resolveTag(repository, 'written')).toBe(digest);
    expect(proxy.tokenRequests).toHaveLength(2);

    now += 80_000; // 280 s in: renewed before it expires
    expect(await registry.resolveTag(repository, 'written-again')).toBe(digest);
    expect(proxy.tokenRequests).toHaveLength(3);
    expect(proxy.issued[2]).toEqual([`repository:${repository}:pull`]);
  });

  it('a token endpoint without expires_in: its token is used for 54 s (90% of the spec’s 60 s)', async () => {
    proxy = await tokenProxy();
    let now = Date.now();
    const registry = createOciRegistry({
      registry: proxy.host,
      signIn: { kind: 'basic', username: USER, password: PASSWORD },
      now: () => now,
    });

    await registry.resolveTag(repository, 'pushed');
    now += 50_000;
    await registry.resolveTag(repository, 'pushed');
    expect(proxy.tokenRequests).toHaveLength(1);
    now += 5_000;
    await registry.resolveTag(repository, 'pushed');
    expect(proxy.tokenRequests).toHaveLength(2);
  });

  it('refused credentials are a plain Error with the token endpoint’s answer, never the credentials', async () => {
    proxy = await tokenProxy();
    const wrong = 'not-the-password-3b1f';
    const registry = createOciRegistry({
      registry: proxy.host,
      signIn: { kind: 'basic', username: USER, password: wrong },
    });

    const failure = await failureOf(registry.resolveTag(repository, 'pushed'));

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TransientError);
    const message = (failure as Error).message;
    expect(message).toContain(`resolving ${repository}:pushed`);
    expect(message).toMatch(/HTTP 401: UNAUTHORIZED: wrong credentials/);
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(Buffer.from(`${USER}:${wrong}`).toString('base64'));
  });
});
