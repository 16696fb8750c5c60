import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PIPELINE_JSON } from '../src/domain/pipeline.js';
import { startLocalHost, type LocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import type { RegistryService } from '../src/local/services/registry.js';
import { missingTools } from '../src/local/services/registryBinary.js';
import { startLocalStack } from '../src/local/startLocalStack.js';
import { CountingProxy } from './countingProxy.js';

/** Redelivery pauses of 50 ms doubling to 2 s: a retried conflict costs the bench little. */
export const BENCH_REDELIVERY = { firstPauseMs: 50, maxPauseMs: 2000, invocationBudgetMs: 60_000 };

/** The benchmark's own local stack: nothing is shared with `npm start` or the tests. */
export interface BenchStack {
  readonly stateDir: string;
  /** Azurite's connection string (the hosts' ledger tables are prefixed `bench`). */
  readonly tablesConnectionString: string;
  /** The webhook's shared secret (the registry sends it too). */
  readonly secret: string;
  /** Signs `POST /api/approvals` (PROMOTER_APPROVALS_HMAC_SECRET). */
  readonly approvalsSecret: string;
  readonly registry: RegistryService;
  /** The registry's certificate (PEM), trusted by the bench's own https requests. */
  readonly ca: Buffer;
  /** The host the registry notifies: default pipeline (dev automatic). */
  readonly host: LocalHost;
  /**
   * A second host on the same ledger service, with its own tables and a pipeline whose first
   * stage needs an approval: a webhook there records builds and enqueues nothing.
   */
  readonly recordOnlyHost: LocalHost;
  /**
   * A third host on the notified host's tables, reaching Azurite through a counting proxy: for
   * counting ledger calls only (the registry does not notify it; the bench calls it directly).
   */
  readonly countingHost: LocalHost;
  readonly ledgerProxy: CountingProxy;
  /**
   * A host on the notified host's tables whose rc needs check `bench` besides its approval
   * (`GATED_PIPELINE`), started on first call (so an idle host adds nothing to the figures
   * taken before) and stopped with the stack. The registry does not notify it: the notified
   * host records builds and promotes them to dev; approvals and check results go to this one.
   */
  gatedHost(): Promise<LocalHost>;
  /** Lines the hosts logged that say something went wrong (warn/error, redelivery). */
  readonly troubles: string[];
  /** Running counts from the notified host's log: webhook calls, and those for pull events. */
  readonly counts: { webhookCalls: number; pullEvents: number };
  stop(): Promise<void>;
}

/** The check the gated host's rc requires. */
export const GATED_CHECK = 'bench';

const INSTALL = 'apt-get install -y docker-registry skopeo';

/** A pipeline whose first stage is not automatic, so the webhook only records builds. */
const RECORD_ONLY_PIPELINE = {
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 1 } },
    { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
  ],
};

/** The default pipeline with check `bench` required on rc (as `"checks": ["bench"]`). */
export const GATED_PIPELINE = {
  ...DEFAULT_PIPELINE_JSON,
  stages: DEFAULT_PIPELINE_JSON.stages.map((s) =>
    s.name === 'rc' ? { ...s, checks: [GATED_CHECK] } : s,
  ),
};

export const TROUBLE = /\b(warn|warning|error)\b:|redelivering|dead-lettered|local host:/i;

/**
 * Starts the local stack (`startLocalStack`: Azurite in memory, the distribution registry over
 * TLS with notifications → `host`, `host` in this process) and two more in-process function
 * hosts, on free ports under a new temp state dir. On failure, what was started is stopped
 * before the error is thrown.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const missing = missingTools(['skopeo', 'openssl']);
  if (missing.length > 0)
    throw new Error(`the benchmark needs ${missing.join(', ')} on PATH; install with: ${INSTALL}`);

  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'promoter-bench-'));
  const logDir = path.join(stateDir, 'logs');
  await mkdir(logDir, { recursive: true });
  // A stream, not appendFileSync: the hosts log several lines per request, in this process.
  const hostLog = createWriteStream(path.join(logDir, 'host.log'), { flags: 'a' });
  const troubles: string[] = [];
  const counts = { webhookCalls: 0, pullEvents: 0 };
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (error) {
        console.error(`bench: stopping a service failed: ${String(error)}`);
      }
    }
    await new Promise<void>((resolve) => hostLog.end(resolve));
    if (process.env.BENCH_KEEP_STATE === '1') console.error(`bench: state kept in ${stateDir}`);
    else await rm(stateDir, { recursive: true, force: true });
  };
  const logTo =
    (name: string) =>
    (line: string): void => {
      hostLog.write(`[${name}] ${line}\n`);
      if (TROUBLE.test(line)) troubles.push(`[${name}] ${line}`);
      if (name !== 'host') return;
      if (line.startsWith('POST /api/hooks/registry')) counts.webhookCalls += 1;
      else if (line.includes('"action":"pull"')) counts.pullEvents += 1;
    };

  try {
    const stack = await startLocalStack({
      stateDir,
      logDir,
      tables: 'memory',
      env: { PROMOTER_TABLE_PREFIX: 'bench', PROMOTER_RECONCILE_ENABLED: 'false' },
      host: { run: 'in-process', log: logTo('host'), redelivery: BENCH_REDELIVERY },
    });
    stops.push(() => stack.stop());
    const { registry, host, webhookSecret: secret, approvalsSecret } = stack;
    if (registry === undefined) throw new Error('the local stack started no registry');
    // The bench's own https requests trust the registry's certificate with this.
    const ca = readFileSync(registry.certFile);

    // The reconcile timer is off in the bench's hosts: it would add requests to what is counted.
    const common = {
      PROMOTER_RECONCILE_ENABLED: 'false',
      PROMOTER_TABLES_CONNECTION_STRING: stack.tablesConnectionString,
      PROMOTER_WEBHOOK_SECRET: secret,
      PROMOTER_APPROVALS_HMAC_SECRET: approvalsSecret,
      PROMOTER_REGISTRY: registry.host,
    };
    const pipelineFile = path.join(stateDir, 'record-only.pipeline.json');
    writeFileSync(pipelineFile, JSON.stringify(RECORD_ONLY_PIPELINE));
    const recordOnlyHost = await startLocalHost({
      port: await freePort(),
      env: { ...common, PROMOTER_TABLE_PREFIX: 'benchburst', PROMOTER_PIPELINE_FILE: pipelineFile },
      log: logTo('record-only host'),
    });
    stops.push(() => recordOnlyHost.close());

    const ledgerProxy = await CountingProxy.start(stack.tablesPort);
    stops.push(() => ledgerProxy.close());
    const countingHost = await startLocalHost({
      port: await freePort(),
      env: {
        ...common,
        PROMOTER_TABLES_CONNECTION_STRING: azuriteConnectionString(ledgerProxy.port),
        PROMOTER_TABLE_PREFIX: 'bench',
      },
      redelivery: BENCH_REDELIVERY,
      log: logTo('counting host'),
    });
    stops.push(() => countingHost.close());

    let gated: Promise<LocalHost> | undefined;
    const gatedHost = (): Promise<LocalHost> =>
      (gated ??= (async () => {
        const file = path.join(stateDir, 'gated.pipeline.json');
        writeFileSync(file, JSON.stringify(GATED_PIPELINE));
        const started = await startLocalHost({
          port: await freePort(),
          env: { ...common, PROMOTER_TABLE_PREFIX: 'bench', PROMOTER_PIPELINE_FILE: file },
          redelivery: BENCH_REDELIVERY,
          log: logTo('gated host'),
        });
        stops.push(() => started.close());
        return started;
      })());

    return {
      stateDir,
      tablesConnectionString: stack.tablesConnectionString,
      secret,
      approvalsSecret,
      registry,
      ca,
      host,
      recordOnlyHost,
      countingHost,
      ledgerProxy,
      gatedHost,
      troubles,
      counts,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
