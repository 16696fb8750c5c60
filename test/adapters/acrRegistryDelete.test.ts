import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { buildImage, buildIndex, push } from '../support/images.js';

// Registry.deleteManifest against the suite's distribution registry (deletes enabled, see
// src/local/services/registry.ts), and behind the fault proxy for the refusals it cannot make.
// Tags are never build tags, so the function host records nothing in these repositories.

const registryHost = inject('registryHost');
const certDir = inject('registryCertDir');
const certFile = inject('registryCertFile');
const registry = createAcrRegistry({ registry: registryHost });

const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-acr-delete-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function pushImage(repository: string, tag: string): Promise<string> {
  const image = await buildImage(path.join(work, unique('img')), { content: unique('hello') });
  return push(image.reference, `${registryHost}/${repository}:${tag}`, certDir);
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Registry.deleteManifest on a distribution registry', () => {
  it('deletes the manifest and every tag on it, with one DELETE', async () => {
    const repository = unique('retention/app');
    const digest = await pushImage(repository, 'git-0000001');
    await registry.putManifest(repository, 'also', await registry.getManifest(repository, digest));
    const other = await pushImage(repository, 'other');
    proxy = await startFaultProxy({ upstream: registryHost, certFile });
    const viaProxy = createAcrRegistry({ registry: proxy.host });

    expect(await viaProxy.deleteManifest(repository, digest)).toBe('deleted');
    expect(proxy.count('DELETE')).toBe(1);
    expect(proxy.count()).toBe(1);
    expect(await registry.resolveTag(repository, 'git-0000001')).toBeUndefined();
    expect(await registry.resolveTag(repository, 'also')).toBeUndefined();
    expect(await failureOf(registry.getManifest(repository, digest))).toBeInstanceOf(NotFoundError);
    expect(await registry.resolveTag(repository, 'other')).toBe(other);
  });

  it('answers not-found for a manifest deleted already, and in a repository that does not exist', async () => {
    const repository = unique('retention/twice');
    const digest = await pushImage(repository, 'pushed');
    expect(await registry.deleteManifest(repository, digest)).toBe('deleted');
    expect(await registry.deleteManifest(repository, digest)).toBe('not-found');
    expect(await registry.deleteManifest(unique('retention/none'), digest)).toBe('not-found');
  });

  it('deletes an OCI index by its digest', async () => {
    const repository = unique('retention/multi');
    const index = await buildIndex(path.join(work, unique('idx')), { content: unique('multi') });
    await push(index.reference, `${registryHost}/${repository}:pushed`, certDir, { all: true });
    expect(await registry.deleteManifest(repository, index.digest)).toBe('deleted');
    expect(await registry.resolveTag(repository, 'pushed')).toBeUndefined();
  });
});

describe('Registry.deleteManifest when the registry refuses', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;

  async function refusing(status: number, code: string) {
    proxy = await startFaultProxy({ upstream: registryHost, certFile });
    proxy.failNext(1, {
      kind: 'status',
      status,
      body: { errors: [{ code, message: 'refused' }] },
    });
    return failureOf(createAcrRegistry({ registry: proxy.host }).deleteManifest('app', digest));
  }

  it('names storage.delete.enabled when deletes are switched off (405 UNSUPPORTED)', async () => {
    const error = await refusing(405, 'UNSUPPORTED');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `deleting app@${digest}: HTTP 405: the registry does not allow this delete (a distribution registry needs storage.delete.enabled: true in its config; on ACR the manifest, or its repository, is locked: deleteEnabled false)`,
    );
  });

  it('names the role to grant when the identity may not delete (403)', async () => {
    const error = await refusing(403, 'DENIED');
    expect((error as Error).message).toContain(
      `deleting app@${digest}: HTTP 403: the identity may not delete in this registry (on ACR grant AcrDelete`,
    );
  });

  it('is a TransientError when the registry is unavailable', async () => {
    proxy = await startFaultProxy({ upstream: registryHost, certFile });
    proxy.failNext(3, { kind: 'status', status: 503 });
    const error = await failureOf(
      createAcrRegistry({ registry: proxy.host }).deleteManifest('app', digest),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain(`deleting app@${digest}: registry unavailable`);
  });
});
