import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import type { RegistryService } from '../../src/local/services/registry.js';
import { buildImage, push } from './images.js';
import { startOwnRegistry } from './ownRegistry.js';

/** A name of this run alone: `name-<8 hex>`. */
export const unique = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

/** What `promise` rejected with, or undefined when it resolved. */
export const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** The two real registries of a copy test, and what its tests start beside them. */
export interface CopyRegistries {
  /** The suite's registry (`host:port`): the source, fed by skopeo. */
  readonly source: string;
  readonly certDir: string;
  readonly certFile: string;
  /** The file's scratch directory (from its `beforeAll` on). */
  readonly work: string;
  /** A distribution registry of the file's own, notifying nobody: the target. */
  readonly target: RegistryService;
  /** Closes `proxy` (a fault proxy, a token proxy) after the test that started it. */
  closeAfterTest: <P extends { close(): Promise<void> }>(proxy: P) => P;
  /** A one-layer image pushed to the source as `<prefix>/<label>-<hex>:pushed`. */
  pushImage: (
    prefix: string,
    label: string,
  ) => Promise<{
    readonly repository: string;
    readonly digest: string;
    readonly image: Awaited<ReturnType<typeof buildImage>>;
  }>;
}

/**
 * Registers the file's hooks: a scratch directory and a target registry before its tests
 * (both gone after them), and the proxies a test started closed after it.
 */
export function useCopyRegistries(label: string): CopyRegistries {
  let work: string | undefined;
  let target: RegistryService | undefined;
  const proxies: { close(): Promise<void> }[] = [];
  const source = inject('registryHost');
  const certDir = inject('registryCertDir');
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), `promoter-${label}-`));
    target = await startOwnRegistry(path.join(work, 'target'), undefined);
  });
  afterAll(async () => {
    await target?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is set up in beforeAll: use it in a test`);
    return value;
  };
  const registries: CopyRegistries = {
    source,
    certDir,
    certFile: inject('registryCertFile'),
    get work() {
      return started(work, 'the scratch directory');
    },
    get target() {
      return started(target, 'the target registry');
    },
    closeAfterTest: (proxy) => {
      proxies.push(proxy);
      return proxy;
    },
    async pushImage(prefix, name) {
      const repository = unique(`${prefix}/${name}`);
      const image = await buildImage(path.join(registries.work, unique(name)), {
        content: unique(name),
      });
      const digest = await push(image.reference, `${source}/${repository}:pushed`, certDir);
      return { repository, digest, image };
    },
  };
  return registries;
}
