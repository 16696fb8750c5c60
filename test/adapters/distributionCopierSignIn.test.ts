import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDistributionCopier } from '../../src/adapters/oci/distributionCopier.js';
import { TransientError } from '../../src/domain/errors.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import type { RegistrySignIn } from '../../src/ports/imageCopier.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { buildImage, push } from '../support/images.js';
import { fetchManifest } from '../support/ociArtifacts.js';
import { startOwnRegistry } from '../support/ownRegistry.js';
import { startTokenProxy, type TokenProxy } from '../support/tokenProxy.js';

// How the copier signs in: HTTP basic (an htpasswd registry), Bearer tokens from a token
// endpoint (anonymous or with basic credentials), and ACR's Entra ID token exchange, each
// against a real distribution registry (test/support/tokenProxy.ts asks for the tokens).

const source = inject('registryHost');
const certDir = inject('registryCertDir');
const certFile = inject('registryCertFile');
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

let work: string;
let target: RegistryService;
let repository: string;
let digest: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-signin-'));
  target = await startOwnRegistry(path.join(work, 'target'), undefined);
  repository = unique('signin/app');
  const image = await buildImage(path.join(work, 'img'), { content: unique('signin') });
  digest = await push(image.reference, `${source}/${repository}:pushed`, certDir);
});
afterAll(async () => {
  await target.stop();
  await rm(work, { recursive: true, force: true });
});

let proxy: TokenProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

const signInTo =
  (host: string, signIn: RegistrySignIn) =>
  (registry: string): RegistrySignIn =>
    registry === host ? signIn : { kind: 'anonymous' };

describe('distribution copier sign-in', () => {
  it('Bearer tokens with basic credentials: one token for the target’s scopes, reused by a second copy', async () => {
    proxy = await startTokenProxy({
      upstream: target.host,
      certFile,
      mode: 'docker',
      user: { name: 'ci', password: 's3cret' },
    });
    const copier = createDistributionCopier({
      signIn: signInTo(proxy.host, { kind: 'basic', username: 'ci', password: 's3cret' }),
    });
    const into = unique('prod/bearer');

    const report = await copier.copy(
      { registry: source, repository },
      { registry: proxy.host, repository: into },
      digest,
    );
    await copier.copy(
      { registry: source, repository },
      { registry: proxy.host, repository: unique('prod/bearer') },
      digest,
    );

    expect(report.blobsUploaded).toBe(2);
    expect((await fetchManifest(target.host, into, digest))?.digest).toBe(digest);
    // One challenge and one token per repository's scopes; none for each request after.
    expect(proxy.tokenRequests).toEqual(['/token', '/token']);
    expect(proxy.issued[0]).toEqual(
      expect.arrayContaining([`repository:${into}:pull`, `repository:${into}:push`]),
    );
    expect(proxy.challenges).toBe(2);
  });

  it('a token endpoint refusing the credentials is a plain Error with its answer, not a TransientError', async () => {
    proxy = await startTokenProxy({
      upstream: target.host,
      certFile,
      mode: 'docker',
      user: { name: 'ci', password: 's3cret' },
    });
    const copier = createDistributionCopier({
      signIn: signInTo(proxy.host, { kind: 'basic', username: 'ci', password: 'wrong' }),
    });

    const failure = await failureOf(
      copier.copy(
        { registry: source, repository },
        { registry: proxy.host, repository: unique('prod/refused') },
        digest,
      ),
    );

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(/HTTP 401: UNAUTHORIZED: wrong credentials/);
    expect((failure as Error).message).not.toContain('wrong"');
  });

  it('anonymous Bearer tokens at the source (a public image), and a mount within one registry with a token covering both repositories', async () => {
    proxy = await startTokenProxy({ upstream: source, certFile, mode: 'docker' });
    const copier = createDistributionCopier({ signIn: () => ({ kind: 'anonymous' }) });
    const into = unique('signin/mounted');

    const report = await copier.copy(
      { registry: proxy.host, repository },
      { registry: proxy.host, repository: into },
      digest,
    );

    expect(report).toMatchObject({ blobsMounted: 2, blobsUploaded: 0 });
    expect(proxy.issued).toContainEqual(
      expect.arrayContaining([`repository:${into}:push`, `repository:${repository}:pull`]),
    );
    expect((await fetchManifest(source, into, digest))?.digest).toBe(digest);
  });

  it('Azure identity: the Entra ID token is exchanged once for a refresh token, then for access tokens', async () => {
    proxy = await startTokenProxy({
      upstream: target.host,
      certFile,
      mode: 'acr',
      aadToken: 'entra-id-token',
    });
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.resolve({ token: 'entra-id-token', expiresOnTimestamp: Date.now() + 3.6e6 });
      },
    };
    const copier = createDistributionCopier({
      signIn: signInTo(proxy.host, { kind: 'azure' }),
      credential,
    });
    const into = unique('prod/acr');

    await copier.copy(
      { registry: source, repository },
      { registry: proxy.host, repository: into },
      digest,
    );
    await copier.copy(
      { registry: source, repository },
      { registry: proxy.host, repository: unique('prod/acr') },
      digest,
    );

    expect((await fetchManifest(target.host, into, digest))?.digest).toBe(digest);
    expect(scopes).toEqual(['https://containerregistry.azure.net/.default']);
    expect(proxy.tokenRequests).toEqual(['/oauth2/exchange', '/oauth2/token', '/oauth2/token']);
  });

  it('Azure identity without a credential is a plain Error saying so', async () => {
    proxy = await startTokenProxy({ upstream: target.host, certFile, mode: 'acr', aadToken: 'x' });
    const copier = createDistributionCopier({ signIn: signInTo(proxy.host, { kind: 'azure' }) });

    await expect(
      copier.copy(
        { registry: source, repository },
        { registry: proxy.host, repository: 'prod/x' },
        digest,
      ),
    ).rejects.toThrow(/signs in with Azure identity, and no credential was given/);
  });
});

describe('distribution copier with HTTP basic', () => {
  let auth: AuthRegistry;
  beforeAll(async () => {
    auth = await startAuthRegistry();
  });
  afterAll(async () => {
    await auth.stop();
  });

  it('copies into a registry that asks for a password, with basic sign-in', async () => {
    const copier = createDistributionCopier({
      signIn: signInTo(auth.host, { kind: 'basic', username: auth.user, password: auth.password }),
    });
    const into = unique('prod/basic');

    const report = await copier.copy(
      { registry: source, repository },
      { registry: auth.host, repository: into },
      digest,
    );

    expect(report).toMatchObject({ digest, blobsUploaded: 2, manifestsWritten: 1 });
    const check = await fetch(`https://${auth.host}/v2/${into}/manifests/${digest}`, {
      method: 'HEAD',
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`,
        accept: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
    expect(check.headers.get('docker-content-digest')).toBe(digest);
  });

  it('anonymous sign-in to it is refused with the registry’s answer, naming how promoter signed in', async () => {
    const copier = createDistributionCopier({ signIn: () => ({ kind: 'anonymous' }) });

    const failure = await failureOf(
      copier.copy(
        { registry: source, repository },
        { registry: auth.host, repository: 'prod/anon' },
        digest,
      ),
    );

    expect(failure).not.toBeInstanceOf(TransientError);
    expect((failure as Error).message).toContain(`${auth.host} asks for a password`);
  });
});
