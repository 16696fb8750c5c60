import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from './services/azurite.js';
import { readLocalSettings, type LocalSettings } from './services/localSettings.js';
import {
  commandLine,
  forgetPid,
  reclaimStateDir,
  recordPid,
  SUPERVISOR,
} from './services/pidfile.js';
import { assertPortFree, PortInUseError, waitForPort } from './services/tcpPorts.js';
import { exitedError, spawnManaged, type ManagedProcess } from './services/processes.js';
import { projectRoot } from './services/projectRoot.js';
import { exampleGitSha, quickStart } from './services/quickStart.js';
import { startRegistry, type RegistryService } from './services/registry.js';
import { ensureRegistryBinary } from './services/registryBinary.js';
import { writeSampleImage } from './services/sampleImage.js';
import {
  APPROVALS_HMAC_SECRET,
  describeSecretSource,
  readOrCreateSecret,
  WEBHOOK_SECRET,
  type LocalSecret,
} from './services/webhookSecret.js';

// `npm start`: Azurite, the local registry (TLS, notifications → the host) and the function
// host, as supervised child processes. Ctrl-C stops them all and exits 0; a child that dies on
// its own stops the others and exits 1 with its last log lines. A start after a crash first
// stops the previous run's leftover children (recorded in <stateDir>/pids.json).

const say = (line: string): void => {
  console.log(`promoter: ${line}`);
};
const children: ManagedProcess[] = [];
let stopping = false;
let recordedIn: string | undefined; // the state directory whose pidfile lists this process

async function main(): Promise<void> {
  const root = projectRoot();
  const settings = readLocalSettings(process.env, root);
  const { stateDir, hostPort } = settings;
  const logDir = path.join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  await reclaimStateDir(stateDir, { log: say });
  // Our own command line, exactly as /proc shows it, identifies a still-running supervisor.
  const marker = (await commandLine(process.pid)) ?? fileURLToPath(import.meta.url);
  recordPid(stateDir, { name: SUPERVISOR, pid: process.pid, marker });
  recordedIn = stateDir;
  await checkPorts(settings);

  const webhookSecret = await readOrCreateSecret(process.env, stateDir, WEBHOOK_SECRET);
  const { secret } = webhookSecret;
  const approvalsSecret = await readOrCreateSecret(process.env, stateDir, APPROVALS_HMAC_SECRET);
  if (settings.externalRegistry === undefined)
    await ensureRegistryBinary({ install: true, log: say });

  say(`starting Azurite (tables) on 127.0.0.1:${settings.tablesPort}, log ${logDir}/azurite.log`);
  const azurite = await startAzurite({
    stateDir: path.join(stateDir, 'tables'),
    port: settings.tablesPort,
    logDir,
    detached: true,
    onSpawn: (child, marker) => {
      supervise(child, stateDir, marker);
    },
  });

  let registry: RegistryService | undefined;
  if (settings.externalRegistry === undefined) {
    say(
      `starting the registry on https://localhost:${settings.registryPort}, log ${logDir}/registry.log`,
    );
    registry = await startRegistry({
      stateDir: path.join(stateDir, 'registry'),
      port: settings.registryPort,
      notifyUrl: `http://127.0.0.1:${hostPort}/api/hooks/registry`,
      notifyHeaders: { Authorization: `Bearer ${secret}` },
      logDir,
      detached: true,
      onSpawn: (child, marker) => {
        supervise(child, stateDir, marker);
      },
    });
  } else {
    say(`PROMOTER_REGISTRY=${settings.externalRegistry}: not starting a local registry`);
  }

  const hostMain = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hostMain.js');
  say(`starting the function host on http://localhost:${hostPort}, log ${logDir}/host.log`);
  const host = await spawnManaged({
    name: 'host',
    command: process.execPath,
    args: [hostMain],
    env: hostEnv(settings, secret, approvalsSecret.secret, azurite.connectionString, registry),
    logFile: path.join(logDir, 'host.log'),
    log: (line) => {
      console.log(line);
    },
    detached: true,
  });
  supervise(host, stateDir, hostMain);
  await waitForPort(hostPort, { process: host });

  const sample = await writeSampleImage(path.join(stateDir, 'sample-image'));
  // More images with other digests, for the operating walk-through (docs/operating.md): a second
  // build to release, roll back from and drift to, and a third that retention may delete.
  const second = await writeSampleImage(path.join(stateDir, 'sample-image-2'), {
    content: 'hello again from promoter\n',
  });
  await writeSampleImage(path.join(stateDir, 'sample-image-3'), {
    content: 'a build nobody promotes\n',
  });
  console.log(
    quickStart({
      hostUrl: `http://localhost:${hostPort}`,
      tablesUrl: `http://127.0.0.1:${settings.tablesPort}/devstoreaccount1`,
      logDir,
      secret,
      secretSource: describeSecretSource(webhookSecret, WEBHOOK_SECRET),
      approvalsSecret: approvalsSecret.secret,
      approvalsSecretSource: describeSecretSource(approvalsSecret, APPROVALS_HMAC_SECRET),
      cliExports: cliExports(approvalsSecret, stateDir, root),
      registry:
        registry === undefined
          ? undefined
          : { ...registry, sampleImage: sample.layoutDir, secondImage: second.layoutDir },
      externalRegistry: settings.externalRegistry,
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
    if (stopping) return;
    console.error(`promoter: ${exitedError(child, exit, 'unexpectedly').message}`);
    void shutdown(1);
  });
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return; // a second Ctrl-C, or npm forwarding the first one: already on it
  stopping = true;
  for (const child of [...children].reverse()) await child.stop();
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

function hostEnv(
  settings: LocalSettings,
  secret: string,
  approvalsSecret: string,
  tablesConnectionString: string,
  registry: RegistryService | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PROMOTER_TABLES_CONNECTION_STRING: tablesConnectionString,
    PROMOTER_WEBHOOK_SECRET: secret,
    PROMOTER_APPROVALS_HMAC_SECRET: approvalsSecret,
    PROMOTER_LOCAL_PORT: String(settings.hostPort),
    PROMOTER_REGISTRY: registry?.host ?? settings.externalRegistry,
  };
  delete env.PROMOTER_TABLES_ENDPOINT; // the local ledger is always Azurite
  if (registry !== undefined) env.NODE_EXTRA_CA_CERTS = caBundle(settings.stateDir, registry);
  return env;
}

/** Our certificate, plus the user's own NODE_EXTRA_CA_CERTS when one is set. */
function caBundle(stateDir: string, registry: RegistryService): string {
  const theirs = process.env.NODE_EXTRA_CA_CERTS;
  if (theirs === undefined || theirs === '') return registry.certFile;
  const bundle = path.join(stateDir, 'ca-bundle.pem');
  writeFileSync(
    bundle,
    `${readFileSync(theirs, 'utf8')}\n${readFileSync(registry.certFile, 'utf8')}`,
  );
  return bundle;
}

async function checkPorts(settings: LocalSettings): Promise<void> {
  await assertPortFree(settings.hostPort, 'PROMOTER_LOCAL_PORT');
  await assertPortFree(settings.tablesPort, 'PROMOTER_LOCAL_TABLES_PORT');
  if (settings.externalRegistry !== undefined) return;
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
