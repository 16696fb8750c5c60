import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_RECONCILE_SCHEDULE } from '../domain/timerSchedule.js';
import { readLocalSettings, type LocalSettings } from './services/localSettings.js';
import {
  commandLine,
  forgetPid,
  reclaimStateDir,
  recordPid,
  SUPERVISOR,
} from './services/pidfile.js';
import { assertPortFree, PortInUseError } from './services/tcpPorts.js';
import { exitedError, type ManagedProcess } from './services/processes.js';
import { projectRoot } from './services/projectRoot.js';
import { exampleGitSha, quickStart } from './services/quickStart.js';
import { ensureRegistryBinary } from './services/registryBinary.js';
import {
  APPROVALS_HMAC_SECRET,
  describeSecretSource,
  readOrCreateSecret,
  WEBHOOK_SECRET,
  type LocalSecret,
} from './services/webhookSecret.js';
import { startLocalStack, type LocalStack } from './startLocalStack.js';

// `npm start`: Azurite, the local registry (TLS, notifications → the host) and the function
// host, as supervised child processes. Ctrl-C stops them all and exits 0; a child that dies on
// its own stops the others and exits 1 with its last log lines. A start after a crash first
// stops the previous run's leftover children (recorded in <stateDir>/pids.json).

const say = (line: string): void => {
  console.log(`promoter: ${line}`);
};
/** Every child process started, for the last resort below. */
const children: ManagedProcess[] = [];
const stopStack = new AbortController();
let stack: Promise<LocalStack<ManagedProcess>> | undefined;
let stopping = false;
let recordedIn: string | undefined; // the state directory whose pidfile lists this process

async function main(): Promise<void> {
  const root = projectRoot();
  const settings = readLocalSettings(process.env, root);
  const { stateDir } = settings;
  const logDir = path.join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  await reclaimStateDir(stateDir, { log: say });
  // Our own command line, exactly as /proc shows it, identifies a still-running supervisor.
  const marker = (await commandLine(process.pid)) ?? fileURLToPath(import.meta.url);
  recordPid(stateDir, { name: SUPERVISOR, pid: process.pid, marker });
  recordedIn = stateDir;
  await checkPorts(settings);

  const webhookSecret = await readOrCreateSecret(process.env, stateDir, WEBHOOK_SECRET);
  const approvalsSecret = await readOrCreateSecret(process.env, stateDir, APPROVALS_HMAC_SECRET);
  if (settings.externalRegistry === undefined)
    await ensureRegistryBinary({ install: true, log: say });

  stack = startLocalStack({
    stateDir,
    logDir,
    tables: 'disk',
    ports: {
      host: settings.hostPort,
      tables: settings.tablesPort,
      registry: settings.registryPort,
      production: settings.productionPort,
    },
    // A second registry, "production", for a stage in another registry (two-registries example).
    productionRegistry: true,
    secrets: { webhook: webhookSecret.secret, approvals: approvalsSecret.secret },
    externalRegistry: settings.externalRegistry,
    // The reconciler every 30 s rather than every 5 min, unless the environment says otherwise.
    env: { PROMOTER_RECONCILE_SCHEDULE: LOCAL_RECONCILE_SCHEDULE, ...process.env },
    host: {
      run: 'child-process',
      log: (line) => {
        console.log(line);
      },
    },
    sampleImages: true,
    detached: true,
    onSpawn: (child, marker) => {
      supervise(child, stateDir, marker);
    },
    signal: stopStack.signal,
    log: say,
  });
  const { hostUrl, tablesUrl, registry, productionRegistry, sampleImages } = await stack;
  const [sample, second] = sampleImages;
  console.log(
    quickStart({
      hostUrl,
      tablesUrl,
      logDir,
      secret: webhookSecret.secret,
      secretSource: describeSecretSource(webhookSecret, WEBHOOK_SECRET),
      approvalsSecret: approvalsSecret.secret,
      approvalsSecretSource: describeSecretSource(approvalsSecret, APPROVALS_HMAC_SECRET),
      cliExports: cliExports(approvalsSecret, stateDir, root),
      registry:
        registry === undefined || sample === undefined || second === undefined
          ? undefined
          : { ...registry, sampleImage: sample.layoutDir, secondImage: second.layoutDir },
      externalRegistry: settings.externalRegistry,
      productionRegistry: productionRegistry?.host,
      gitSha: exampleGitSha(root),
    }),
  );
}

/** Records `child` in the pidfile and turns its unexpected exit into a failed run. */
function supervise(child: ManagedProcess, stateDir: string, marker: string): void {
  children.push(child);
  recordPid(stateDir, { name: child.name, pid: child.pid, marker });
  void child.exited.then((exit) => {
    forgetPid(stateDir, child.pid);
    // Stopped on purpose: by a shutdown, or by the start itself, which then says why it failed.
    if (stopping || child.stopRequested()) return;
    console.error(`promoter: ${exitedError(child, exit, 'unexpectedly').message}`);
    void shutdown(1);
  });
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return; // a second Ctrl-C, or npm forwarding the first one: already on it
  stopping = true;
  // Stops the host, the registry and Azurite, also when they are still starting.
  stopStack.abort();
  await stack?.then(
    (running) => running.stop(),
    () => undefined, // it stopped what it had started before it rejected
  );
  if (recordedIn !== undefined) forgetPid(recordedIn, process.pid);
  process.exit(code);
}

/**
 * What `npx promoter` in another terminal (in the project directory) needs exported to find
 * the approvals secret: nothing when it is in `./.promoter`, where the CLI looks by default.
 */
function cliExports(approvalsSecret: LocalSecret, stateDir: string, root: string): string[] {
  if (approvalsSecret.source === 'env')
    return [`${APPROVALS_HMAC_SECRET.variable}=${shellQuote(approvalsSecret.secret)}`];
  return stateDir === path.join(root, '.promoter')
    ? []
    : [`PROMOTER_LOCAL_STATE_DIR=${shellQuote(stateDir)}`];
}

/** `value` as one POSIX shell word. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

async function checkPorts(settings: LocalSettings): Promise<void> {
  await assertPortFree(settings.hostPort, 'PROMOTER_LOCAL_PORT');
  await assertPortFree(settings.tablesPort, 'PROMOTER_LOCAL_TABLES_PORT');
  if (settings.externalRegistry !== undefined) return;
  await assertPortFree(settings.productionPort, 'PROMOTER_LOCAL_PRODUCTION_PORT');
  try {
    await assertPortFree(settings.registryPort, 'PROMOTER_LOCAL_REGISTRY_PORT');
  } catch (error) {
    if (error instanceof PortInUseError && debianRegistryServiceIsActive()) {
      throw new PortInUseError(
        error.port,
        error.setting,
        'the Debian docker-registry service is running; stop it with ' +
          '`sudo systemctl disable --now docker-registry`',
      );
    }
    throw error;
  }
}

/** The docker-registry package starts its own service on :5000 where systemd runs. */
function debianRegistryServiceIsActive(): boolean {
  try {
    execFileSync('systemctl', ['is-active', '--quiet', 'docker-registry'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(0));
}
process.on('exit', () => {
  // Last resort (an uncaught error): never leave a child running behind us.
  for (const child of children) {
    if (!child.hasExited()) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

main().catch(async (error: unknown) => {
  if (stopping) return; // a child died (already reported) or Ctrl-C during startup
  console.error(`promoter: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
