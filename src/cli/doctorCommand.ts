import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { DOCTOR_REPOSITORY, diagnose } from '../app/diagnose.js';
import { loadConfig } from '../config.js';
import { ExitCode } from './cliError.js';
import { writeLine } from './cliIo.js';
import type { CommandContext } from './commandContext.js';
import { formatDoctor } from './formatDoctor.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
Tries, with the identity promoter uses (DefaultAzureCredential where the settings say so,
else anonymous access or the connection string), everything promotions need, and explains
each failure with its fix:
  registry pull      resolve a tag that should not exist (404: reads work)
  registry push      put a scratch manifest under ${DOCTOR_REPOSITORY}:${DOCTOR_REPOSITORY}
                     (with retention on: ${DOCTOR_REPOSITORY}:${DOCTOR_REPOSITORY}-<random>)
  registry tag lock  lock and unlock the scratch tag (Azure Container Registry only)
  registry delete    with retention on (PROMOTER_RETENTION_DAYS): delete the scratch manifest
  service bus send   schedule a message a year ahead and cancel it (nothing is delivered)
  service bus receive  peek the promotions queue and the notifications subscription
  ledger read/write  read a row, upsert and delete a scratch row in each ledger table

Reads the app's settings (PROMOTER_REGISTRY, PROMOTER_REGISTRY_AUTH, PROMOTER_TABLES_*,
PROMOTER_SERVICEBUS_*, … as in the README's Configuration) from the environment.

Exit codes: 0 every check passed or was skipped, 1 a check failed, 2 bad settings or usage.

Examples:
  $ promoter doctor
  $ promoter doctor --registry myacr.azurecr.io
  $ promoter doctor --quick --json
`;

interface DoctorOptions {
  readonly registry?: string | undefined;
  readonly repository: string;
  readonly quick?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** Adds `promoter doctor [--registry host] [--repository name] [--quick] [--json]` to `program`. */
export function addDoctorCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('doctor')
    .description(
      "check the registry, Service Bus and ledger rights of promoter's identity; explain each failure with its fix",
    )
    .option('--registry <host>', 'registry to check, overrides PROMOTER_REGISTRY')
    .option('--repository <name>', 'scratch repository for the registry checks', DOCTOR_REPOSITORY)
    .option('--quick', 'only the read-only checks (as GET /api/health does)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', help)
    .action(async (options: DoctorOptions) => {
      const repository = repositoryArg(options.repository);
      const config = loadConfig({
        ...ctx.io.env,
        ...(options.registry === undefined ? {} : { PROMOTER_REGISTRY: options.registry }),
      });
      const { createDoctorProbes } = await import('../doctorProbes.js');
      // With retention off the app may not delete: one fixed tag, overwritten by every run.
      const deletes = config.retention.days !== undefined;
      const report = await diagnose(await createDoctorProbes(config), {
        mode: options.quick === true ? 'quick' : 'full',
        repository,
        scratchTag: deletes
          ? `${DOCTOR_REPOSITORY}-${randomBytes(4).toString('hex')}`
          : DOCTOR_REPOSITORY,
        deletes,
      });
      writeLine(
        ctx.io.stdout,
        options.json === true ? JSON.stringify(report, null, 2) : formatDoctor(report),
      );
      if (!report.ok) ctx.exitWith(ExitCode.transport);
    });
}
