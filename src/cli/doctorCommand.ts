import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { DOCTOR_REPOSITORY, diagnose } from '../app/doctor/diagnose.js';
import { doctorOptions } from '../app/doctor/doctorOptions.js';
import { loadDoctorConfig, type DoctorConfig } from '../composition/doctorConfig.js';
import type { DeclaredRegistries } from '../composition/createStageRegistryProbes.js';
import { ValidationError } from '../domain/errors.js';
import { CliError, ExitCode } from './cliError.js';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatDoctor, type CheckView } from './formatDoctor.js';
import { PromoterApi } from './promoterApi.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
By default asks the promoter app (--url, else PROMOTER_URL, else http://localhost:7071; in
Azure with PROMOTER_FUNCTION_KEY) to check itself: GET /api/health?full=true runs every check
below with the app's own identity (its managed identity in Azure). --quick asks for the
read-only checks only (GET /api/health).

--here runs the same checks from this machine instead, with this machine's identity
(DefaultAzureCredential: az login, a pipeline's service principal) and the app's settings
read from this environment (PROMOTER_REGISTRY or --registry, PROMOTER_REGISTRY_AUTH,
PROMOTER_TABLES_*, PROMOTER_SERVICEBUS_*, PROMOTER_RETENTION_DAYS, PROMOTER_PIPELINE_FILE and
the credentials its registries name): for a pipeline identity, or when the app is down.

  registry pull      resolve a tag that should not exist (404: reads work)
  registry push      put a scratch manifest under ${DOCTOR_REPOSITORY}:${DOCTOR_REPOSITORY}
                     (with retention on: ${DOCTOR_REPOSITORY}:${DOCTOR_REPOSITORY}-<random>)
  registry tag lock  lock and unlock the scratch tag (Azure Container Registry only)
  registry delete    with retention on (PROMOTER_RETENTION_DAYS): delete the scratch manifest
  stage registry read/write/import
                     for each registry the pipeline keeps stages in, signing in as declared:
                     resolve an absent tag in the stage's repository, put (and on ACR lock)
                     the scratch tag there, and for an ACR with a resourceId read through
                     Resource Manager whether the identity may import into it and read the
                     source registry
  service bus send   schedule a message a year ahead and cancel it (nothing is delivered)
  service bus receive  peek the promotions queue and the notifications subscription
  ledger read/write  read a row, upsert and delete a scratch row in each ledger table

Exit codes: 0 every check passed or was skipped, 1 a check failed or the app could not be
reached, 2 bad settings or usage.

Examples:
  $ promoter doctor
  $ PROMOTER_URL=https://promoter.azurewebsites.net PROMOTER_FUNCTION_KEY=… promoter doctor
  $ promoter doctor --quick --json
  $ promoter doctor --here --registry myacr.azurecr.io
`;

interface DoctorOptions {
  readonly here?: boolean | undefined;
  readonly registry?: string | undefined;
  readonly repository?: string | undefined;
  readonly quick?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** What to do when the app does not answer. */
const unreachable = [
  'locally: start the app with `npm start` (in another terminal), then run promoter doctor again',
  'in Azure: --url https://<function-app>.azurewebsites.net (or PROMOTER_URL) with PROMOTER_FUNCTION_KEY=$(az functionapp keys list -g <resource-group> -n <function-app> --query functionKeys.default -o tsv)',
  "or check from this machine, with its identity and this environment's settings: promoter doctor --here",
];

/** Prints the report and sets the exit code: 1 when a check failed. */
function report(
  ctx: CommandContext,
  options: DoctorOptions,
  result: { readonly ok: boolean; readonly checks: readonly CheckView[] },
  heading?: string,
): void {
  writeLine(
    ctx.io.stdout,
    options.json === true
      ? JSON.stringify({ ok: result.ok, checks: result.checks }, null, 2)
      : formatDoctor(result, heading),
  );
  if (!result.ok) ctx.exitWith(ExitCode.transport);
}

/** The app checks itself: `GET /api/health?full=true` (`--quick`: without `full`). */
async function byTheApp(ctx: CommandContext, options: DoctorOptions): Promise<void> {
  if (options.registry !== undefined || options.repository !== undefined)
    throw new CliError(
      ExitCode.usage,
      `--registry and --repository go with --here: the promoter app checks its own registry (its PROMOTER_REGISTRY), in ${DOCTOR_REPOSITORY}`,
    );
  const api = new PromoterApi(apiSettings(ctx.io.env, ctx.globals().url));
  const full = options.quick !== true;
  const { answer } = await api.health({ full, unreachable });
  const ok = answer.status === 'healthy' && answer.checks.every((c) => c.status !== 'failed');
  report(
    ctx,
    options,
    { ok, checks: answer.checks },
    `checked by the promoter app at ${api.settings.url} with its own identity:`,
  );
  // A full run always has a ledger write check; an app older than ?full=true ignores it.
  if (full && !answer.checks.some((c) => c.name === 'ledger write'))
    writeLine(
      ctx.io.stderr,
      `promoter: note: ${api.settings.url} ran only its read-only checks: it predates GET /api/health?full=true; restart npm start or redeploy the app to check its write rights too (or use --here)`,
    );
}

/** The app's settings from this environment, or a usage error naming each one to set. */
function settingsHere(ctx: CommandContext, registry: string | undefined): DoctorConfig {
  try {
    return loadDoctorConfig({
      ...ctx.io.env,
      ...(registry === undefined ? {} : { PROMOTER_REGISTRY: registry }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliError(ExitCode.usage, [
      ...error.issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)),
      "--here checks with the app's settings from this environment: export them (az functionapp config appsettings list -g <resource-group> -n <function-app>), or leave out --here to have the running app check itself",
    ]);
  }
}

/** The pipeline's declared registries, as the app reads them, or a usage error naming the field. */
async function declaredHere(
  ctx: CommandContext,
  config: DoctorConfig,
): Promise<DeclaredRegistries> {
  const { loadPipelineFile } = await import('../composition/loadPipelineFile.js');
  const { registrySignIns } = await import('../composition/registrySignIns.js');
  const { registryResourceIds } = await import('../composition/createRegistries.js');
  try {
    const pipeline = await loadPipelineFile(config.pipelineFile, ctx.io.cwd);
    return {
      pipeline,
      signIns: registrySignIns(pipeline, ctx.io.env),
      resourceIds: registryResourceIds(pipeline.registries, {
        registry: config.registry,
        resourceId: config.registryResourceId,
      }),
    };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliError(
      ExitCode.usage,
      error.issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)),
    );
  }
}

/** This machine checks, with its identity and the settings in this environment. */
async function fromHere(ctx: CommandContext, options: DoctorOptions): Promise<void> {
  const repository = repositoryArg(options.repository ?? DOCTOR_REPOSITORY);
  const config = settingsHere(ctx, options.registry);
  const { createDoctorProbes } = await import('../composition/createDoctorProbes.js');
  const result = await diagnose(
    await createDoctorProbes(config, await declaredHere(ctx, config), repository),
    doctorOptions(options.quick === true ? 'quick' : 'full', {
      deletes: config.retention.days !== undefined,
      repository,
      random: () => randomBytes(4).toString('hex'),
    }),
  );
  report(ctx, options, result);
}

/**
 * Adds `promoter doctor [--quick] [--json] [--here [--registry host] [--repository name]]` to
 * `program`.
 */
export function addDoctorCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('doctor')
    .description(
      "check the registry, Service Bus and ledger rights of promoter's identity (the app checks itself; --here: this machine); explain each failure with its fix",
    )
    .option('--quick', 'only the read-only checks (as GET /api/health does)')
    .option('--json', 'print the report as JSON ({ok, checks})')
    .option(
      '--here',
      "check from this machine, with its identity and the app's settings from this environment",
    )
    .option('--registry <host>', 'with --here: registry to check, overrides PROMOTER_REGISTRY')
    .option(
      '--repository <name>',
      `with --here: scratch repository for the registry checks (default ${DOCTOR_REPOSITORY})`,
    )
    .addHelpText('after', help)
    .action(async (options: DoctorOptions) => {
      await (options.here === true ? fromHere(ctx, options) : byTheApp(ctx, options));
    });
}
