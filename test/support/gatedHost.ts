import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import { DEFAULT_PIPELINE_JSON } from '../../src/domain/pipeline.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { buildImage, inspectDigest, push } from './images.js';
import { startOwnRegistry } from './ownRegistry.js';
import { newSha, stack, unique } from './stack.js';

/** Fields added to stages of the seed pipeline, by stage name: `{release: {checks: ['trivy']}}`. */
export type StageGates = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The seed pipeline (dev → rc → release) with `gates` added to its stages. */
export function gatedPipeline(gates: StageGates): unknown {
  return {
    ...DEFAULT_PIPELINE_JSON,
    stages: DEFAULT_PIPELINE_JSON.stages.map((s) => ({ ...s, ...gates[s.name] })),
  };
}

/** A `promoter` command's exit code and what it printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A host of a test's own on the suite's ledger (Azurite), with a gated pipeline. */
export interface GatedHost {
  readonly host: LocalHost;
  readonly url: string;
  /** The registry builds are pushed to: the suite's, or (`ownRegistry`) the host's own. */
  readonly registry: string;
  /** Runs the real `promoter` command against this host (signed with the suite's secret). */
  promoter(...argv: string[]): Promise<CliRun>;
  /**
   * Builds a new image, pushes it as `<repository>:git-<sha>` into `registry` and waits until
   * the automatic dev promotion moved `dev-latest` to it (the suite's host promotes it when
   * `registry` is the suite's; this host when it is its own).
   */
  pushBuild(repository: string): Promise<{ sha: string; digest: string }>;
  /** The digest `tag` points to in `registry`, or undefined when there is no such tag. */
  tagDigest(repository: string, tag: string): Promise<string | undefined>;
  /** Polls until `tag` points to `digest` in `registry`. */
  waitForTag(repository: string, tag: string, digest: string): Promise<void>;
  /** Stops the host, and its own registry. */
  close(): Promise<void>;
}

/**
 * Starts a local host whose pipeline is `pipeline` (or the seed pipeline with `gates`), on the
 * suite's ledger and approvals secret. By default its registry is the suite's, whose
 * notifications go to the suite's host (which records builds and promotes them to dev); approvals
 * and check results go to this one. With `ownRegistry` it gets a distribution registry of its
 * own (the suite's certificate) whose notifications reach this host: it records the builds,
 * promotes them to dev, and sees every push, referrers' too.
 */
export async function startGatedHost(options: {
  readonly work: string;
  readonly gates?: StageGates;
  readonly pipeline?: unknown;
  readonly ownRegistry?: boolean;
  readonly clock?: Parameters<typeof startLocalHost>[0]['clock'];
  readonly durableQueue?: { readonly table: string };
}): Promise<GatedHost> {
  const { work } = options;
  await mkdir(work, { recursive: true });
  const pipelineFile = path.join(work, 'promoter.pipeline.json');
  await writeFile(
    pipelineFile,
    JSON.stringify(options.pipeline ?? gatedPipeline(options.gates ?? {})),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let own: RegistryService | undefined;
  if (options.ownRegistry === true)
    own = await startOwnRegistry(path.join(work, unique('registry')), {
      url: `${url}/api/hooks/registry`,
      secret: stack.secret,
    });
  const registry = own?.host ?? stack.registry;
  let host: LocalHost;
  try {
    host = await startLocalHost({
      port,
      log: () => undefined,
      env: {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
        PROMOTER_WEBHOOK_SECRET: stack.secret,
        PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
        PROMOTER_REGISTRY: registry,
        PROMOTER_PIPELINE_FILE: pipelineFile,
        PROMOTER_RECONCILE_ENABLED: 'false',
      },
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.durableQueue !== undefined ? { durableQueue: options.durableQueue } : {}),
    });
  } catch (error) {
    await own?.stop();
    throw error;
  }

  const tagDigest = async (repository: string, tag: string) => {
    try {
      return await inspectDigest(`${registry}/${repository}:${tag}`, stack.certDir);
    } catch (error) {
      if (/manifest unknown|not found|MANIFEST_UNKNOWN/i.test(String(error))) return undefined;
      throw error;
    }
  };
  const waitForTag = async (repository: string, tag: string, digest: string) => {
    const deadline = Date.now() + 20_000;
    let last: string | undefined;
    while (Date.now() < deadline) {
      // The local registry's filesystem driver answers 500 now and then while a tag moves.
      last = await tagDigest(repository, tag).catch((error: unknown) => {
        if (/500 Internal Server Error/.test(String(error))) return undefined;
        throw error;
      });
      if (last === digest) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${repository}:${tag} is ${last ?? 'absent'}, not ${digest}, after 20 s`);
  };
  return {
    host,
    url,
    registry,
    promoter: async (...argv) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, {
        env: { PROMOTER_URL: url, PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret') },
        cwd: work,
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
      });
      return { code, stdout, stderr };
    },
    pushBuild: async (repository) => {
      const sha = newSha();
      const image = await buildImage(path.join(work, unique('b')), { content: `image ${sha}` });
      const digest = await push(
        image.reference,
        `${registry}/${repository}:git-${sha}`,
        stack.certDir,
      );
      await waitForTag(repository, 'dev-latest', digest);
      return { sha, digest };
    },
    tagDigest,
    waitForTag,
    close: async () => {
      await host.close();
      await own?.stop();
    },
  };
}
