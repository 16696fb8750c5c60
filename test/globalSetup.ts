import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { TestProject } from 'vitest/node';
import { startLocalHost } from '../src/local/host.js';
import { startAzurite, type AzuriteService } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { startRegistry, type RegistryService } from '../src/local/services/registry.js';
import { findOnPath, findRegistryBinary } from '../src/local/services/registryBinary.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Azurite (in memory) table service, shared by the whole run. */
    tablesConnectionString: string;
    /** Prefix for ledger tables; tests add their own suffix to stay apart. */
    tablePrefix: string;
    /** `localhost:<port>` of the distribution registry (TLS, notifications → the host). */
    registryHost: string;
    /** Directory with `ca.crt`, for skopeo's `--cert-dir`/`--dest-cert-dir`. */
    registryCertDir: string;
    /** The registry's self-signed certificate (PEM); NODE_EXTRA_CA_CERTS includes it. */
    registryCertFile: string;
    /** The registry's access log (one line per request). */
    registryAccessLog: string;
    /** `http://localhost:<port>` of the in-process function host. */
    hostUrl: string;
    /** The webhook secret the host expects and the registry sends. */
    webhookSecret: string;
    /** PROMOTER_APPROVALS_HMAC_SECRET: what `POST /api/approvals` requests are signed with. */
    approvalsHmacSecret: string;
  }
}

const INSTALL = 'apt-get install -y docker-registry skopeo umoci';

/**
 * Starts, once per run, Azurite (in memory), the CNCF distribution registry over TLS with its
 * notifications pointed at the function host, and the function host itself (in process).
 * A missing tool or a service that cannot start fails the run: integration tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = [
    ...(findRegistryBinary() === undefined ? ['docker-registry'] : []),
    ...['skopeo', 'umoci', 'openssl'].filter((tool) => findOnPath(tool) === undefined),
  ];
  if (missing.length > 0) {
    throw new Error(
      `the integration tests need ${missing.join(', ')}, not found on PATH; install with: ${INSTALL}`,
    );
  }

  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'promoter-test-'));
  const logDir = path.join(stateDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const hostLog = path.join(logDir, 'host.log');
  const webhookSecret = randomBytes(32).toString('base64url');
  const approvalsHmacSecret = randomBytes(32).toString('base64url');
  const tablePrefix = 'promotertest';
  const stops: (() => Promise<void>)[] = [];
  const teardown = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
    if (process.env.PROMOTER_KEEP_TEST_STATE === '1') {
      console.log(`promoter test services: state and logs kept in ${stateDir}`);
    } else {
      await rm(stateDir, { recursive: true, force: true });
    }
  };

  try {
    const hostPort = await freePort();
    const azurite: AzuriteService = await startAzurite({
      port: await freePort(),
      logDir,
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Azurite (npm devDependency) did not start (npm ci): ${reason}`, {
        cause: error,
      });
    });
    stops.push(() => azurite.stop());

    const registry: RegistryService = await startRegistry({
      stateDir: path.join(stateDir, 'registry'),
      port: await freePort(),
      notifyUrl: `http://127.0.0.1:${hostPort}/api/hooks/registry`,
      notifyHeaders: { Authorization: `Bearer ${webhookSecret}` },
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`the docker-registry did not start (${INSTALL}): ${reason}`, {
        cause: error,
      });
    });
    stops.push(() => registry.stop());

    // Workers inherit NODE_EXTRA_CA_CERTS; this process (the in-process host) read it at
    // startup already, so it trusts the certificate through the default CA list instead.
    const pem = readFileSync(registry.certFile, 'utf8');
    const theirs = process.env.NODE_EXTRA_CA_CERTS;
    if (theirs === undefined || theirs === '') {
      process.env.NODE_EXTRA_CA_CERTS = registry.certFile;
    } else {
      const bundle = path.join(stateDir, 'ca-bundle.pem');
      writeFileSync(bundle, `${readFileSync(theirs, 'utf8')}\n${pem}`);
      process.env.NODE_EXTRA_CA_CERTS = bundle;
    }
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), pem]);

    const host = await startLocalHost({
      port: hostPort,
      // Only these settings: a PROMOTER_* variable in the developer's shell must not leak in.
      env: {
        PROMOTER_TABLES_CONNECTION_STRING: azurite.connectionString,
        PROMOTER_TABLE_PREFIX: tablePrefix,
        PROMOTER_WEBHOOK_SECRET: webhookSecret,
        PROMOTER_APPROVALS_HMAC_SECRET: approvalsHmacSecret,
        PROMOTER_REGISTRY: registry.host,
      },
      log: (line) => {
        appendFileSync(hostLog, `${line}\n`);
      },
    });
    stops.push(() => host.close());

    project.provide('tablesConnectionString', azurite.connectionString);
    project.provide('tablePrefix', tablePrefix);
    project.provide('registryHost', registry.host);
    project.provide('registryCertDir', registry.certDir);
    project.provide('registryCertFile', registry.certFile);
    project.provide('registryAccessLog', registry.accessLogFile);
    project.provide('hostUrl', host.url);
    project.provide('webhookSecret', webhookSecret);
    project.provide('approvalsHmacSecret', approvalsHmacSecret);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
