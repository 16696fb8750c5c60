import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDistributionCopier } from '../../src/adapters/oci/distributionCopier.js';
import { TransientError } from '../../src/domain/errors.js';
import type { RegistrySignIn } from '../../src/ports/imageCopier.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { fetchManifest } from '../support/ociArtifacts.js';
import { failureOf, unique, useCopyRegistries } from '../support/copyRegistries.js';
import { startTokenProxy } from '../support/tokenProxy.js';

// How the copier signs in: HTTP basic (an htpasswd registry), Bearer tokens from a token
// endpoint (anonymous or with basic credentials), and ACR's Entra ID token exchange, each
// against a real distribution registry (test/support/tokenProxy.ts asks for the tokens).

const registries = useCopyRegistries('signin');
const { source, certFile } = registries;

let repository: string;
let digest: string;
beforeAll(async () => {
  ({ repository, digest } = await registries.pushImage('signin', 'app'));
});

const signInTo =
  (host: string, signIn: RegistrySignIn) =>
  (registry: string): RegistrySignIn =>
    registry === host ? signIn : { kind: 'anonymous' };

describe('distribution copier sign-in', () => {
  it('Bearer tokens with basic credentials: one token for the target’s scopes, reused by a second copy', async () => {
    const proxy = registries.closeAfterTest(
      await startTokenProxy({
        upstream: registries.target.host,
        certFile,
        mode: 'docker',
        user: { name: 'ci', password: 's3cret' },
      }),
    );
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
    expect((await fetchManifest(registries.target.host, into, digest))?.digest).toBe(digest);
    // One challenge and one token per repository's scopes; none for each request after.
    expect(proxy.tokenRequests).toEqual(['/token', '/token']);
    expect(proxy.issued[0]).toEqual(
      expect.arrayContaining([`repository:${into}:pull`, `repository:${into}:push`]),
    );
    expect(proxy.challenges).toBe(2);
  });

  it('a token endpoint refusing the credentials is a plain Error with its answer, not a TransientError', async () => {
    const proxy = registries.closeAfterTest(
      await startTokenProxy({
        upstream: registries.target.host,
        certFile,
        mode: 'docker',
        user: { name: 'ci', password: 's3cret' },
      }),
    );
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
    const proxy = registries.closeAfterTest(
      await startTokenProxy({ upstream: source, certFile, mode: 'docker' }),
    );
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
    const proxy = registries.closeAfterTest(
      await startTokenProxy({
        upstream: registries.target.host,
        certFile,
        mode: 'acr',
        aadToken: 'entra-id-token',
      }),
    );
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

    expect((await fetchManifest(registries.target.host, into, digest))?.digest).toBe(digest);
    expect(scopes).toEqual(['https://containerregistry.azure.net/.default']);
    expect(proxy.tokenRequests).toEqual(['/oauth2/exchange', '/oauth2/token', '/oauth2/token']);
  });

  it('Azure identity without a credential is a plain Error saying so', async () => {
    const proxy = registries.closeAfterTest(
      await startTokenProxy({
        upstream: registries.target.host,
        certFile,
        mode: 'acr',
        aadToken: 'x',
      }),
    );
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
