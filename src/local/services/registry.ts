import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { ensureCertificate } from './certificate.js';
import { waitUntil } from './tcpPorts.js';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { findRegistryBinary, MissingRegistryError } from './registryBinary.js';

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Holds config.yml, the TLS certificate (`tls/`), the blobs (`data/`) and, by default, logs. */
  stateDir: string;
  /** Listens on 127.0.0.1:port (https). */
  port: number;
  /**
   * Where the registry POSTs its `{"events":[…]}` notifications; undefined: it sends none (a
   * registry promoter only learns about through the reconciler).
   */
  notifyUrl: string | undefined;
  /** Headers sent with every notification, e.g. `{ Authorization: 'Bearer <secret>' }`. */
  notifyHeaders: Record<string, string>;
  /** Directory of `registry.log` and `registry-access.log`; default `<stateDir>/logs`. */
  logDir?: string;
  /** Receives each line the registry logs (not the access log). */
  log?: (line: string) => void;
  /** Run it in its own process group, so that a terminal's Ctrl-C reaches only the supervisor. */
  detached?: boolean;
  /**
   * Called as soon as the process exists, before it is ready, with a string of its command line
   * that identifies it: lets a supervisor record it at once (pidfile) and watch it.
   */
  onSpawn?: (process: ManagedProcess, marker: string) => void;
  /**
   * Path of an htpasswd file (bcrypt lines, `user:$2y$…`): the registry then asks every
   * request for HTTP basic credentials (realm `promoter`). Unset: anonymous access.
   */
  htpasswdFile?: string;
  /**
   * Where its TLS certificate is kept (default `<stateDir>/tls`): a second local registry
   * given the first one's serves the same certificate, so one CA file trusts both.
   */
  tlsDir?: string;
}

/** A running CNCF distribution registry, serving over TLS with a generated certificate. */
export interface RegistryService {
  /** `localhost:<port>`: the registry part of image references. */
  host: string;
  /** `https://localhost:<port>` */
  url: string;
  /** The self-signed certificate (PEM), to trust in Node (`NODE_EXTRA_CA_CERTS`, `ca`). */
  certFile: string;
  /** A directory holding `ca.crt`, for skopeo's `--cert-dir`/`--dest-cert-dir`. */
  certDir: string;
  /** The access log: one line per HTTP request (combined log format). */
  accessLogFile: string;
  /** The registry's own log (startup, notification delivery errors). */
  logFile: string;
  /** The config file given to the registry; it appears in the process's command line. */
  configFile: string;
  process: ManagedProcess;
  /** Stops the registry (SIGTERM, then SIGKILL); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve config.yml` (or upstream's `registry`) with storage under
 * `stateDir`, deletes enabled, TLS for localhost, and one notification endpoint `promoter`
 * (none without `notifyUrl`).
 * Resolves once `GET /v2/` answers over TLS (trusting only the generated certificate); rejects
 * with the last lines of the registry's log if it exits first, and with
 * {@link MissingRegistryError} when no registry binary is on PATH (it never installs one).
 */
export async function startRegistry(options: RegistryOptions): Promise<RegistryService> {
  const binary = findRegistryBinary();
  if (binary === undefined) throw new MissingRegistryError();
  const { certFile, keyFile, certDir } = await ensureCertificate(
    options.tlsDir ?? path.join(options.stateDir, 'tls'),
  );
  const logDir = options.logDir ?? path.join(options.stateDir, 'logs');
  const accessLogFile = path.join(logDir, 'registry-access.log');
  const logFile = path.join(logDir, 'registry.log');
  const configFile = path.join(options.stateDir, 'config.yml');
  mkdirSync(path.join(options.stateDir, 'data'), { recursive: true });
  // 0600: the notification headers in it carry the webhook secret.
  writeFileSync(configFile, registryConfig({ ...options, certFile, keyFile }), { mode: 0o600 });
  chmodSync(configFile, 0o600);

  const env = Object.fromEntries(
    // REGISTRY_* variables override config.yml in distribution: keep the user's out.
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')),
  );
  const child = await spawnManaged({
    name: 'registry',
    command: binary,
    args: ['serve', configFile],
    cwd: options.stateDir,
    env,
    logFile,
    stdoutFile: accessLogFile,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.detached === undefined ? {} : { detached: options.detached }),
  });
  options.onSpawn?.(child, configFile);
  const ca = readFileSync(certFile);
  try {
    await waitUntil(() => answersV2(options.port, ca), {
      what: `https://localhost:${options.port}/v2/ to answer`,
      process: child,
      timeoutMs: 20_000,
    });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    host: `localhost:${options.port}`,
    url: `https://localhost:${options.port}`,
    certFile,
    certDir,
    accessLogFile,
    logFile,
    configFile,
    process: child,
    stop: () => child.stop(),
  };
}

/** The distribution config.yml (version 0.1) for these options. */
function registryConfig(options: RegistryOptions & { certFile: string; keyFile: string }): string {
  const q = (value: string): string => JSON.stringify(value);
  const headers = Object.entries(options.notifyHeaders)
    // distribution's header values are lists (http.Header).
    .map(([name, value]) => `        ${q(name)}: [${q(value)}]`)
    .join('\n');
  const auth =
    options.htpasswdFile === undefined
      ? ''
      : `auth:\n  htpasswd:\n    realm: promoter\n    path: ${q(options.htpasswdFile)}\n`;
  return `# Written by promoter's local services (src/local/services/registry.ts) at each start.
version: 0.1
log:
  # warn, not info: at info the registry logs its notification headers, i.e. the secret.
  level: warn
  formatter: text
  accesslog:
    disabled: false
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: ${q(path.join(options.stateDir, 'data'))}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
${auth}http:
  addr: ${q(`127.0.0.1:${options.port}`)}
  secret: ${q(randomBytes(24).toString('base64url'))}
  headers:
    X-Content-Type-Options: [nosniff]
  tls:
    certificate: ${q(options.certFile)}
    key: ${q(options.keyFile)}
${options.notifyUrl === undefined ? '' : notifications(options.notifyUrl, headers)}`;
}

function notifications(url: string, headers: string): string {
  return `notifications:
  endpoints:
    - name: promoter
      url: ${JSON.stringify(url)}
      headers:
${headers === '' ? '        {}' : headers}
      timeout: 2s
      threshold: 5
      backoff: 1s
      # Blob pushes and pulls are never acted on; 2.8 needs both filters to drop them.
      ignore:
        mediatypes: [application/octet-stream]
        actions: [pull]
`;
}

function answersV2(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', servername: 'localhost', port, path: '/v2/', ca, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode !== undefined);
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => {
      resolve(false);
    });
    req.end();
  });
}
