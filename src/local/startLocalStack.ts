import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LocalHost } from './host.js';
import { azuriteLogFile, startAzurite } from './services/azurite.js';
import { extraCaCertsFile } from './services/certificate.js';
import type { ManagedProcess } from './services/processes.js';
import { startRegistry, type RegistryService } from './services/registry.js';
import { writeSampleImage, type SampleImage } from './services/sampleImage.js';
import { freePort } from './services/tcpPorts.js';
import { startStackHost, type ChildProcessHost, type InProcessHost } from './startStackHost.js';
import { LocalServiceError, stopInReverse } from './stackLifecycle.js';

export { LocalServiceError };

/** What differs between `npm start`, the tests' global setup and the bench. */
export interface LocalStackOptions {
  /** Holds the registry's storage and certificate, tables kept on disk, the sample images. */
  readonly stateDir: string;
  /** The services' logs; `<stateDir>/logs` by default. */
  readonly logDir?: string;
  /** Azurite's tables: lost on stop (`memory`), or kept in `<stateDir>/tables` (`disk`). */
  readonly tables: 'memory' | 'disk';
  /** Fixed ports; each one left out is a free port the OS picks. */
  readonly ports?: {
    readonly host?: number;
    readonly tables?: number;
    readonly registry?: number;
    readonly production?: number;
  };
  /**
   * Start a second local registry too, "production" (`ports.production`), beside the first:
   * a pipeline stage can promote into it (`examples/two-registries.pipeline.json`). Its
   * notifications go to the same webhook; it serves the first one's certificate.
   */
  readonly productionRegistry?: boolean | undefined;
  /** The webhook's shared secret and the approvals HMAC key; new random ones by default. */
  readonly secrets?: { readonly webhook: string; readonly approvals: string };
  /** A registry that is not on this machine (PROMOTER_REGISTRY): no local one is started. */
  readonly externalRegistry?: string | undefined;
  /**
   * The host's settings besides those the stack sets (tables, secrets, registry): the whole
   * environment for `npm start`, only a table prefix for the tests.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly host: InProcessHost | ChildProcessHost;
  /** Writes the quick start's sample images: `<stateDir>/sample-image`, `-2` and `-3`. */
  readonly sampleImages?: boolean;
  /** Child processes in their own process group, so that a Ctrl-C reaches only the caller. */
  readonly detached?: boolean;
  /** Called as soon as each child process exists, with a marker of its command line. */
  readonly onSpawn?: (child: ManagedProcess, marker: string) => void;
  /** Aborting stops what has started, also during the start (which then rejects). */
  readonly signal?: AbortSignal;
  /** Receives one line as each service starts. */
  readonly log?: (line: string) => void;
}

/** A running local stack. */
export interface LocalStack<Host> {
  readonly stateDir: string;
  readonly logDir: string;
  /** A `LocalHost` in process, or the host's child process. */
  readonly host: Host;
  /** `http://localhost:<port>`; the registry's notifications go to its webhook. */
  readonly hostUrl: string;
  readonly hostPort: number;
  readonly tablesConnectionString: string;
  /** `http://127.0.0.1:<tablesPort>/devstoreaccount1` */
  readonly tablesUrl: string;
  readonly tablesPort: number;
  /** The local registry; undefined with `externalRegistry`. */
  readonly registry: RegistryService | undefined;
  /** The second local registry ("production"), when `productionRegistry` asked for it. */
  readonly productionRegistry: RegistryService | undefined;
  /** The host's PROMOTER_REGISTRY: the local registry's `localhost:<port>`, or the external one. */
  readonly registryHost: string;
  readonly webhookSecret: string;
  readonly approvalsSecret: string;
  /** NODE_EXTRA_CA_CERTS for processes that must trust the local registry (see `extraCaCertsFile`). */
  readonly caFile: string | undefined;
  /** The sample images, in order (none unless `sampleImages`). */
  readonly sampleImages: readonly SampleImage[];
  /** Stops the host, the registry, then Azurite (with SIGINT: it saves its tables then). */
  stop(): Promise<void>;
}

/** The quick start's images: a build to push, one to roll back and drift to, one never promoted. */
const SAMPLE_CONTENTS = [undefined, 'hello again from promoter\n', 'a build nobody promotes\n'];

/**
 * Starts Azurite (tables), the CNCF distribution registry over TLS with its notifications
 * pointed at the host's webhook, and the function host, in that order. On failure, or when
 * `signal` aborts, what was started is stopped (in reverse order) before it rejects.
 */
export function startLocalStack(
  options: LocalStackOptions & { host: InProcessHost },
): Promise<LocalStack<LocalHost>>;
export function startLocalStack(
  options: LocalStackOptions & { host: ChildProcessHost },
): Promise<LocalStack<ManagedProcess>>;
export async function startLocalStack(
  options: LocalStackOptions,
): Promise<LocalStack<LocalHost | ManagedProcess>> {
  const say = options.log ?? (() => undefined);
  const { signal, stateDir } = options;
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> = Promise.resolve();
  const stop = (): Promise<void> => {
    // Chained, so that a service that finished starting after a first stop is stopped too.
    const next = stopped.then(() => stopInReverse(stops));
    stopped = next.catch(() => undefined);
    return next;
  };
  signal?.addEventListener('abort', () => void stop().catch(() => undefined), { once: true });
  const spawned = (child: ManagedProcess, marker: string): void => {
    stops.push(() => child.stop());
    options.onSpawn?.(child, marker);
  };
  const failed = (service: LocalServiceError['service']) => (error: unknown) => {
    throw new LocalServiceError(service, error);
  };
  const detached = options.detached ?? false;
  try {
    signal?.throwIfAborted();
    const logDir = options.logDir ?? path.join(stateDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const hostPort = options.ports?.host ?? (await freePort());
    const tablesPort = options.ports?.tables ?? (await freePort());
    const webhookSecret = options.secrets?.webhook ?? randomBytes(32).toString('base64url');
    const approvalsSecret = options.secrets?.approvals ?? randomBytes(32).toString('base64url');

    const tables = {
      port: tablesPort,
      logDir,
      ...(options.tables === 'disk' ? { stateDir: path.join(stateDir, 'tables') } : {}),
    };
    say(`starting Azurite (tables) on 127.0.0.1:${tablesPort}, log ${azuriteLogFile(tables)}`);
    const azurite = await startAzurite({ ...tables, detached, onSpawn: spawned }).catch(
      failed('azurite'),
    );
    signal?.throwIfAborted();

    let registry: RegistryService | undefined;
    if (options.externalRegistry === undefined) {
      const port = options.ports?.registry ?? (await freePort());
      say(`starting the registry on https://localhost:${port}, log ${logDir}/registry.log`);
      registry = await startRegistry({
        stateDir: path.join(stateDir, 'registry'),
        port,
        notifyUrl: `http://127.0.0.1:${hostPort}/api/hooks/registry`,
        notifyHeaders: { Authorization: `Bearer ${webhookSecret}` },
        logDir,
        detached,
        onSpawn: spawned,
      }).catch(failed('registry'));
      signal?.throwIfAborted();
    } else {
      say(`PROMOTER_REGISTRY=${options.externalRegistry}: not starting a local registry`);
    }
    let productionRegistry: RegistryService | undefined;
    if (registry !== undefined && options.productionRegistry === true) {
      const port = options.ports?.production ?? (await freePort());
      const productionLogs = path.join(logDir, 'production');
      mkdirSync(productionLogs, { recursive: true });
      say(
        `starting the production registry on https://localhost:${port}, log ${productionLogs}/registry.log`,
      );
      productionRegistry = await startRegistry({
        stateDir: path.join(stateDir, 'production-registry'),
        tlsDir: path.join(stateDir, 'registry', 'tls'),
        port,
        notifyUrl: `http://127.0.0.1:${hostPort}/api/hooks/registry`,
        notifyHeaders: { Authorization: `Bearer ${webhookSecret}` },
        logDir: productionLogs,
        detached,
        onSpawn: spawned,
      }).catch(failed('registry'));
      signal?.throwIfAborted();
    }
    const registryHost = registry?.host ?? options.externalRegistry ?? '';
    const caFile = registry && extraCaCertsFile(registry.certFile, stateDir);

    const settings: Record<string, string | undefined> = {
      ...options.env,
      PROMOTER_TABLES_CONNECTION_STRING: azurite.connectionString,
      PROMOTER_WEBHOOK_SECRET: webhookSecret,
      PROMOTER_APPROVALS_HMAC_SECRET: approvalsSecret,
      PROMOTER_REGISTRY: registryHost,
    };
    delete settings.PROMOTER_TABLES_ENDPOINT; // the local ledger is always Azurite
    const hostUrl = `http://localhost:${hostPort}`;
    say(
      options.host.run === 'in-process'
        ? `starting the function host on ${hostUrl}, in this process`
        : `starting the function host on ${hostUrl}, log ${logDir}/host.log`,
    );
    const host: LocalHost | ManagedProcess = await startStackHost(options.host, {
      port: hostPort,
      env: settings,
      registry,
      caFile,
      logDir,
      detached,
      started: (stopHost) => {
        stops.push(stopHost);
      },
      spawned,
    }).catch(failed('host'));
    signal?.throwIfAborted();

    const sampleImages: SampleImage[] = [];
    for (const [i, content] of (options.sampleImages === true ? SAMPLE_CONTENTS : []).entries()) {
      const dir = path.join(stateDir, i === 0 ? 'sample-image' : `sample-image-${i + 1}`);
      sampleImages.push(await writeSampleImage(dir, content === undefined ? {} : { content }));
    }
    return {
      stateDir,
      logDir,
      host,
      hostUrl,
      hostPort,
      tablesConnectionString: azurite.connectionString,
      tablesUrl: `http://127.0.0.1:${tablesPort}/devstoreaccount1`,
      tablesPort,
      registry,
      productionRegistry,
      registryHost,
      webhookSecret,
      approvalsSecret,
      caFile,
      sampleImages,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
