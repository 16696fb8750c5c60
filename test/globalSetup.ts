import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { missingTools } from '../src/local/services/registryBinary.js';
import { LocalServiceError, startLocalStack } from '../src/local/startLocalStack.js';
import { FAST_REDELIVERY } from './support/redelivery.js';

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

/** What to do when one of these services did not start. */
const HINTS: Partial<Record<LocalServiceError['service'], string>> = {
  azurite: 'Azurite (npm devDependency) did not start (npm ci)',
  registry: `the docker-registry did not start (${INSTALL})`,
};

/**
 * Starts, once per run, Azurite (in memory), the CNCF distribution registry over TLS with its
 * notifications pointed at the function host, and the function host itself (in process).
 * A missing tool or a service that cannot start fails the run: integration tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = missingTools(['skopeo', 'umoci', 'openssl']);
  if (missing.length > 0) {
    throw new Error(
      `the integration tests need ${missing.join(', ')}, not found on PATH; install with: ${INSTALL}`,
    );
  }

  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'promoter-test-'));
  const removeState = async (): Promise<void> => {
    if (process.env.PROMOTER_KEEP_TEST_STATE === '1') {
      console.log(`promoter test services: state and logs kept in ${stateDir}`);
    } else {
      await rm(stateDir, { recursive: true, force: true });
    }
  };
  const hostLog = path.join(stateDir, 'logs', 'host.log');
  const tablePrefix = 'promotertest';
  const stack = await startLocalStack({
    stateDir,
    tables: 'memory',
    // Only these settings: a PROMOTER_* variable in the developer's shell must not leak in.
    // The reconcile timer is off: tests that reconcile run it themselves, on their repositories.
    env: { PROMOTER_TABLE_PREFIX: tablePrefix, PROMOTER_RECONCILE_ENABLED: 'false' },
    host: {
      run: 'in-process',
      log: (line) => {
        appendFileSync(hostLog, `${line}\n`);
      },
      redelivery: FAST_REDELIVERY,
      // Kept in Azurite as `npm start` keeps it, in a table of its own (other hosts share Azurite).
      durableQueue: { table: `${tablePrefix}suitequeue` },
    },
  }).catch(async (error: unknown) => {
    await removeState();
    if (!(error instanceof LocalServiceError)) throw error;
    const hint = HINTS[error.service];
    if (hint === undefined) throw error.cause;
    throw new Error(`${hint}: ${error.message}`, { cause: error.cause });
  });
  const { registry, caFile } = stack;
  if (registry === undefined || caFile === undefined) {
    await stack.stop();
    throw new Error('the local stack started no registry');
  }
  // Workers inherit NODE_EXTRA_CA_CERTS (this process trusts the certificate already).
  process.env.NODE_EXTRA_CA_CERTS = caFile;

  project.provide('tablesConnectionString', stack.tablesConnectionString);
  project.provide('tablePrefix', tablePrefix);
  project.provide('registryHost', registry.host);
  project.provide('registryCertDir', registry.certDir);
  project.provide('registryCertFile', registry.certFile);
  project.provide('registryAccessLog', registry.accessLogFile);
  project.provide('hostUrl', stack.hostUrl);
  project.provide('webhookSecret', stack.webhookSecret);
  project.provide('approvalsHmacSecret', stack.approvalsSecret);
  return async () => {
    try {
      await stack.stop();
    } finally {
      await removeState();
    }
  };
}
