import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import { startLocalHost, type LocalHost } from './host.js';
import { spawnManaged, type ManagedProcess } from './services/processes.js';
import type { RegistryService } from './services/registry.js';
import { waitForPort } from './services/tcpPorts.js';

/** The function host in this process (`startLocalHost`): the tests and the bench. */
export interface InProcessHost {
  readonly run: 'in-process';
  /** Receives the host's log lines. */
  readonly log: (line: string) => void;
  /** The stand-in `promotions` queue's own redelivery backoff (none by default). */
  readonly queueBackoffMs?: number;
  /** How the queue functions space out redeliveries (tests shorten it); Azure's by default. */
  readonly redelivery?: RedeliveryPolicy;
  /** Keep the `promotions` stand-in in Azurite (see `startLocalHost`); in memory without it. */
  readonly durableQueue?: { readonly table?: string };
}

/**
 * The function host as a child process (`dist/local/hostMain.js`, log `<logDir>/host.log`),
 * its `promotions` queue kept in Azurite.
 */
export interface ChildProcessHost {
  readonly run: 'child-process';
  /** Receives each line it prints, prefixed `[host] `. */
  readonly log?: (line: string) => void;
}

/** Where the local stack's host runs and what it is given. */
export interface StackHostContext {
  readonly port: number;
  /** The host's settings. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The local registry, whose certificate the host must trust; undefined for an external one. */
  readonly registry: RegistryService | undefined;
  /** NODE_EXTRA_CA_CERTS for a child host. */
  readonly caFile: string | undefined;
  readonly logDir: string;
  readonly detached: boolean;
  /** Called once an in-process host listens, with what closes it. */
  readonly started: (stop: () => Promise<void>) => void;
  /** Called as soon as a child host exists (see `LocalStackOptions.onSpawn`). */
  readonly spawned: (child: ManagedProcess, marker: string) => void;
}

/**
 * Starts the local stack's function host on `context.port`, in this process or as a child
 * process, and resolves once it accepts connections.
 */
export async function startStackHost(
  run: InProcessHost | ChildProcessHost,
  context: StackHostContext,
): Promise<LocalHost | ManagedProcess> {
  if (run.run === 'in-process') {
    // This process read NODE_EXTRA_CA_CERTS when it started: it trusts the registry's
    // certificate through the default CA list instead.
    if (context.registry) {
      const pem = readFileSync(context.registry.certFile, 'utf8');
      tls.setDefaultCACertificates([...tls.getCACertificates('default'), pem]);
    }
    const host = await startLocalHost({
      port: context.port,
      env: { ...context.env },
      log: run.log,
      ...(run.queueBackoffMs === undefined ? {} : { queueBackoffMs: run.queueBackoffMs }),
      ...(run.redelivery === undefined ? {} : { redelivery: run.redelivery }),
      ...(run.durableQueue === undefined ? {} : { durableQueue: run.durableQueue }),
    });
    context.started(() => host.close());
    return host;
  }
  const hostMain = fileURLToPath(new URL('hostMain.js', import.meta.url));
  const child = await spawnManaged({
    name: 'host',
    command: process.execPath,
    args: [hostMain],
    env: {
      ...context.env,
      PROMOTER_LOCAL_PORT: String(context.port),
      ...(context.caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: context.caFile }),
    },
    logFile: path.join(context.logDir, 'host.log'),
    ...(run.log === undefined ? {} : { log: run.log }),
    detached: context.detached,
  });
  context.spawned(child, hostMain);
  await waitForPort(context.port, { process: child });
  return child;
}
