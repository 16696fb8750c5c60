import { createTablesBuildLedger } from '../adapters/tables/tablesBuildLedger.js';
import { createTablesMarkerSweep } from '../adapters/tables/tablesMarkerSweep.js';
import { createTablesCheckLedger } from '../adapters/tables/tablesCheckLedger.js';
import { createTablesPromotionLedger } from '../adapters/tables/tablesPromotionLedger.js';
import { createTablesReconcileMarks } from '../adapters/tables/tablesReconcileMarks.js';
import { createTablesReplayGuard } from '../adapters/tables/tablesReplayGuard.js';
import {
  azureCredential,
  buildsTableName,
  once,
  promotionsTableName,
  replaysTableName,
  tablesClients,
} from './azureClients.js';
import { loadConfig, type Config } from './config.js';
import { OutcomeSignal, signallingOutcomes } from './outcomeSignal.js';
import type { Pipeline } from '../domain/pipeline.js';
import { loadPipelineFile } from './loadPipelineFile.js';
import { createRegistries, lazyRegistry, registryResourceIds } from './createRegistries.js';
import { registrySignIns } from './registrySignIns.js';
import type { DeclaredRegistries } from './createStageRegistryProbes.js';
import type { ImageCopier } from '../ports/imageCopier.js';
import type { PromotionQueue } from '../ports/promotionQueue.js';
import type { Clock } from '../ports/clock.js';
import type { BuildLedger } from '../ports/buildLedger.js';
import type { CheckLedger } from '../ports/checkLedger.js';
import type { ChatReplies } from '../ports/chatReplies.js';
import type { Notifier } from '../ports/notifier.js';
import type { OutcomePublisher } from '../ports/outcomePublisher.js';
import type { PromotionLedger } from '../ports/promotionLedger.js';
import type { ReconcileMarks } from '../ports/reconcileMarks.js';
import type { Registry } from '../ports/registry.js';
import type { MarkerSweep } from '../ports/markerSweep.js';
import type { ReplayGuard } from '../ports/replayGuard.js';

/** Everything the functions need, built from settings. */
export interface Services {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly ledger: BuildLedger;
  readonly promotions: PromotionLedger;
  /** Check results per digest, in the promotions table. */
  readonly checks: CheckLedger;
  /** The reconciler's watermarks, in the builds table. */
  readonly marks: ReconcileMarks;
  readonly registry: Registry;
  /** The build registry's login server (`PROMOTER_REGISTRY`). */
  readonly buildRegistry: string | undefined;
  /** The `Registry` of the build registry or of one the pipeline declares, by login server. */
  readonly registryAt: (loginServer: string) => Registry;
  /** How promoter signs in to each declared registry, and the ARM resource ids known (the doctor). */
  readonly declaredRegistries?: Omit<DeclaredRegistries, 'pipeline'> | undefined;
  /** Copies a digest into a stage in another registry or repository. */
  readonly copier: ImageCopier;
  readonly approvals: PromotionQueue;
  readonly publisher: OutcomePublisher;
  readonly replays: ReplayGuard;
  /** Removes idempotency markers past their window (the `sweep` timer). */
  readonly sweeps: MarkerSweep;
  readonly notifier: Notifier;
  /** Posts an outcome back to the chat user who queued it (Slack's `response_url`). */
  readonly replies: ChatReplies;
  readonly clock: Clock;
  /**
   * Wakes `GET …/outcomes/{messageId}?wait=` when this process records the outcome (the
   * promotions ledger tells it); without one, a wait reads the ledger only.
   */
  readonly outcomeSignal?: OutcomeSignal | undefined;
}

/** Adapters the local host supplies itself (its stand-in queue and event log, its clock). */
export type ServiceOverrides = Partial<
  Pick<
    Services,
    | 'approvals'
    | 'publisher'
    | 'registry'
    | 'registryAt'
    | 'copier'
    | 'notifier'
    | 'replies'
    | 'clock'
  >
>;

/** A lazily built, shared set of services. */
export type ServicesProvider = () => Promise<Services>;

export const systemClock: Clock = { now: () => new Date() };

/**
 * Builds the services from settings. SDK clients connect on first use; the registry, Service
 * Bus and identity libraries are imported only when a function first needs them.
 */
export async function createServices(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
  overrides: ServiceOverrides = {},
): Promise<Services> {
  const config = loadConfig(env);
  const pipeline = await loadPipelineFile(config.pipelineFile, cwd);
  // Basic credentials the pipeline names are read now: one missing is refused at load.
  const signIns = registrySignIns(pipeline, env);
  // One credential for every client: it caches its tokens.
  const identity = once(azureCredential);
  const credential = config.tables.endpoint ? await identity() : undefined;
  const tables = tablesClients(config.tables, credential);
  const { registry: host, serviceBus } = config;
  const registry =
    overrides.registry ??
    lazyRegistry(
      once(async () => {
        if (!host)
          throw new Error(
            'PROMOTER_REGISTRY is not set: promoter does not know which registry to re-tag in',
          );
        const { createAcrRegistry } = await import('../adapters/acr/acrRegistry.js');
        return createAcrRegistry({
          registry: host,
          ...(config.registryAuth === 'azure' ? { credential: await identity() } : {}),
        });
      }),
    );
  const resourceIds = registryResourceIds(pipeline.registries, {
    registry: host,
    resourceId: config.registryResourceId,
  });
  const registries = createRegistries({
    buildRegistry: host,
    registry,
    buildSignIn: config.registryAuth,
    signIns,
    identity,
    resourceIds,
  });
  const chat = once(async () => {
    const { createChatNotifier } = await import('../adapters/chat/chatNotifier.js');
    return createChatNotifier({
      slackWebhookUrl: config.slack.webhookUrl,
      teamsWebhookUrl: config.teams.webhookUrl,
    });
  });
  const slackReplies = once(async () => {
    const { createSlackReplies } = await import('../adapters/chat/slackReplies.js');
    return createSlackReplies();
  });
  const bus = once(async () => {
    if (!serviceBus)
      throw new Error(
        'PROMOTER_SERVICEBUS_NAMESPACE is not set: promoter has no queue for approvals and no topic for outcomes',
      );
    const { createServiceBusBus } = await import('../adapters/servicebus/serviceBusBus.js');
    return createServiceBusBus(
      serviceBus.namespace
        ? { namespace: serviceBus.namespace, credential: await identity() }
        : { connectionString: serviceBus.connectionString },
    );
  });
  const builds = tables(buildsTableName(config.tables.prefix));
  const promotionsTable = tables(promotionsTableName(config.tables.prefix));
  const replays = tables(replaysTableName(config.tables.prefix));
  const outcomeSignal = new OutcomeSignal();
  return {
    config,
    pipeline,
    declaredRegistries: { signIns, resourceIds },
    ledger: createTablesBuildLedger({ client: builds }),
    marks: createTablesReconcileMarks({ client: builds }),
    promotions: signallingOutcomes(
      createTablesPromotionLedger({ client: promotionsTable }),
      outcomeSignal,
    ),
    outcomeSignal,
    checks: createTablesCheckLedger({ client: promotionsTable }),
    registry,
    buildRegistry: host,
    registryAt: overrides.registryAt ?? registries.registryAt,
    copier: overrides.copier ?? registries.copier,
    approvals: overrides.approvals ?? {
      send: async (m) => (await bus()).approvals.send(m),
      schedule: async (m, at) => (await bus()).approvals.schedule?.(m, at),
      // Imports the SDK, signs in and opens the sender, for a chat request to overlap.
      prepare: async () => (await bus()).approvals.prepare?.(),
    },
    publisher: overrides.publisher ?? { publish: async (e) => (await bus()).outcomes.publish(e) },
    replays: createTablesReplayGuard({ client: replays }),
    sweeps: createTablesMarkerSweep({ builds, replays }),
    notifier: overrides.notifier ?? {
      notify: async (event) => (await chat()).notify(event),
    },
    replies: overrides.replies ?? {
      reply: async (url, event) => (await slackReplies()).reply(url, event),
    },
    clock: overrides.clock ?? systemClock,
  };
}

/**
 * Memoises `createServices(env)`: one set of clients per process, built on first use. A failed
 * build (a bad setting, an unresolved Key Vault reference, an unreadable pipeline file) is not
 * kept: each invocation after it reads the settings again, so the app recovers as soon as the
 * cause is gone instead of answering 500 until the instance recycles.
 */
export function servicesFrom(
  env: Readonly<Record<string, string | undefined>>,
  overrides: ServiceOverrides = {},
): ServicesProvider {
  // Relative paths (the pipeline file) resolve against the app's root in Azure, where the
  // working directory is not documented; locally against the working directory.
  const root = env.AzureWebJobsScriptRoot ?? process.cwd();
  return once(() => createServices(env, root, overrides));
}
