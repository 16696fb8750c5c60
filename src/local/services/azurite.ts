import { mkdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitForPort } from './tcpPorts.js';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { projectRoot } from './projectRoot.js';

/** Options of {@link startAzurite}. */
export interface AzuriteOptions {
  /** Where the tables are persisted; undefined keeps them in memory (lost on stop). */
  stateDir?: string;
  /** Listens on 127.0.0.1:port. */
  port: number;
  /** Directory of `azurite.log`; default `<stateDir>/logs`, or the OS temp dir in memory. */
  logDir?: string;
  /** Receives each line Azurite prints. */
  log?: (line: string) => void;
  /** Run it in its own process group, so that a terminal's Ctrl-C reaches only the supervisor. */
  detached?: boolean;
  /**
   * Called as soon as the process exists, before it is ready, with a string of its command line
   * that identifies it: lets a supervisor record it at once (pidfile) and watch it.
   */
  onSpawn?: (process: ManagedProcess, marker: string) => void;
}

/** A running Azurite table service. */
export interface AzuriteService {
  /** Connection string for `@azure/data-tables` (the well-known devstoreaccount1 account). */
  connectionString: string;
  port: number;
  /** A string of Azurite's command line that identifies this instance (for the pidfile). */
  marker: string;
  process: ManagedProcess;
  /** Stops Azurite; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The well-known key of Azurite's development account (public, not a secret). */
const DEVSTORE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The connection string of an Azurite table service on 127.0.0.1:`port`. */
export function azuriteConnectionString(port: number): string {
  return (
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
    `AccountKey=${DEVSTORE_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`
  );
}

/** The JavaScript entry point behind the project's `node_modules/.bin/azurite-table`. */
export function azuriteTableScript(): string {
  const bin = path.join(projectRoot(), 'node_modules', '.bin', 'azurite-table');
  try {
    return realpathSync(bin);
  } catch (error) {
    throw new Error(`Azurite is missing (${bin}); run npm install`, { cause: error });
  }
}

/**
 * Where Azurite's output goes: `<logDir>/azurite.log` for tables on disk, `azurite-<port>.log`
 * in memory (several may share a log directory). `logDir` defaults to `<stateDir>/logs`, or
 * the OS temp dir in memory.
 */
export function azuriteLogFile(options: Pick<AzuriteOptions, 'stateDir' | 'port' | 'logDir'>) {
  if (options.stateDir === undefined)
    return path.join(options.logDir ?? os.tmpdir(), `azurite-${options.port}.log`);
  return path.join(options.logDir ?? path.join(options.stateDir, 'logs'), 'azurite.log');
}

/**
 * Starts Azurite's table service only (from the project's node_modules, run by this Node),
 * with telemetry off, and resolves once its port accepts connections. Rejects with Azurite's
 * last output lines if it exits first (e.g. the port is taken).
 */
export async function startAzurite(options: AzuriteOptions): Promise<AzuriteService> {
  const location =
    options.stateDir === undefined
      ? ['--inMemoryPersistence']
      : ['--location', path.resolve(options.stateDir)];
  if (options.stateDir !== undefined) mkdirSync(options.stateDir, { recursive: true });
  const args = [
    azuriteTableScript(),
    ...['--tableHost', '127.0.0.1', '--tablePort', String(options.port)],
    ...['--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'],
    ...location,
  ];
  const child = await spawnManaged({
    name: 'azurite',
    command: process.execPath,
    args,
    cwd: options.stateDir ?? os.tmpdir(),
    logFile: azuriteLogFile(options),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.detached === undefined ? {} : { detached: options.detached }),
    // Azurite saves its database on SIGINT only; SIGTERM would lose the last writes.
    stopSignal: 'SIGINT',
  });
  const marker =
    options.stateDir === undefined ? `--tablePort ${options.port}` : location.join(' ');
  options.onSpawn?.(child, marker);
  try {
    await waitForPort(options.port, { hosts: ['127.0.0.1'], process: child, timeoutMs: 30_000 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    connectionString: azuriteConnectionString(options.port),
    port: options.port,
    marker,
    process: child,
    stop: () => child.stop(),
  };
}
