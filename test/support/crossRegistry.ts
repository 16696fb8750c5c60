import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { inspectDigest } from './images.js';
import { startOwnRegistry } from './ownRegistry.js';
import { stack } from './stack.js';

/*
 * What the end-to-end tests of promotion into a second registry share: the pipeline file
 * and the host's settings, and reading digests at either registry with skopeo.
 */

/** Writes `pipeline` as `<work>/<name>.pipeline.json`; its path. */
export function writePipeline(work: string, name: string, pipeline: unknown): string {
  const file = path.join(work, `${name}.pipeline.json`);
  writeFileSync(file, JSON.stringify(pipeline));
  return file;
}

/** The local host's settings: the suite's Azurite, builds in `buildRegistry`, and `extra`. */
export function hostEnv(
  buildRegistry: string,
  pipelineFile: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
    PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
    PROMOTER_WEBHOOK_SECRET: stack.secret,
    PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
    PROMOTER_REGISTRY: buildRegistry,
    PROMOTER_PIPELINE_FILE: pipelineFile,
    ...extra,
  };
}

/** The digest under `ref` (`host/repo:tag` or `@digest`), or undefined when there is none. */
export const digestAt = (ref: string): Promise<string | undefined> =>
  inspectDigest(ref, stack.certDir).catch((error: unknown) => {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN/i.test(String(error))) return undefined;
    throw error;
  });

/** Waits (20 s at most) until `ref` holds `digest`. */
export async function waitForDigest(ref: string, digest: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await digestAt(ref).catch(() => undefined)) === digest) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${ref} is not ${digest}`);
}

/** A scratch directory, the host's port, and the build and production registries. */
export interface TwoRegistryWorld {
  readonly work: string;
  readonly hostPort: number;
  /** `http://localhost:<hostPort>` */
  readonly hostUrl: string;
  /** Builds are pushed here; it notifies the host (on `hostPort`). */
  readonly builds: RegistryService;
  /** The production registry; it notifies the host too when `notifyProduction`. */
  readonly production: RegistryService;
  /** Stops both registries and removes the scratch directory. */
  stop(): Promise<void>;
}

/** Starts the two registries of a cross-registry test (the host is the test's to start). */
export async function startTwoRegistries(
  label: string,
  options: { readonly notifyProduction: boolean },
): Promise<TwoRegistryWorld> {
  const work = await mkdtemp(path.join(os.tmpdir(), `promoter-${label}-`));
  const hostPort = await freePort();
  const notify = { url: `http://127.0.0.1:${hostPort}/api/hooks/registry`, secret: stack.secret };
  const builds = await startOwnRegistry(path.join(work, 'builds'), notify);
  const production = await startOwnRegistry(
    path.join(work, 'production'),
    options.notifyProduction ? notify : undefined,
  );
  return {
    work,
    hostPort,
    hostUrl: `http://localhost:${hostPort}`,
    builds,
    production,
    stop: async () => {
      await production.stop();
      await builds.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
