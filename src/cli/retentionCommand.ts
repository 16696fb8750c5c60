import type { Command } from 'commander';
import { ExitCode } from './cliError.js';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatRetention } from './formatRetention.js';
import { PromoterApi } from './httpTransport.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
Deletes, from the registry, the builds recorded more than PROMOTER_RETENTION_DAYS days ago
(a setting of the promoter host) whose digest never went past the first stage (dev), and lists
why every other build stays: a stage holds it (dev head, rc, release), a promotion of it was
requested (pending, even rejected), or it is newer. Each deletion is recorded in the ledger and
the history. The host's retention timer does the same every day (PROMOTER_RETENTION_SCHEDULE).

Exit codes:
  0  done (a dry run: nothing deleted)
  1  the host could not be reached or refused (retention off: PROMOTER_RETENTION_DAYS unset),
     or some builds could not be deleted; they are listed, and the next run tries again
  2  bad input (a repository name that is not one)

Examples:
  $ promoter retention --dry-run
  $ promoter retention --dry-run --repository team/backend --all
  $ promoter retention --repository myapp
  $ promoter retention --dry-run --json | jq '.repositories[].deleted[].digest'
`;

interface RetentionOptions {
  readonly dryRun?: boolean | undefined;
  readonly repository?: string | undefined;
  readonly all?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** Adds `promoter retention [--dry-run] [--repository <repo>] [--all] [--json]` to `program`. */
export function addRetentionCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('retention')
    .description(
      'delete old builds that never went past dev (--dry-run: only list), and say why the others stay',
    )
    .option('--dry-run', 'list what would be deleted and why the others stay; delete nothing')
    .option('--repository <repository>', 'only this repository (default: every one)')
    .option('--all', 'list every survivor, also those kept only for being new')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', help)
    .action(async (options: RetentionOptions) => {
      const repository =
        options.repository === undefined ? undefined : repositoryArg(options.repository);
      const api = new PromoterApi(apiSettings(ctx.io.env, ctx.globals().url));
      const { raw, answer } = await api.retention({
        dryRun: options.dryRun === true,
        repository,
      });
      writeLine(
        ctx.io.stdout,
        options.json === true
          ? JSON.stringify(raw, null, 2)
          : formatRetention(answer, { all: options.all === true }),
      );
      const incomplete = answer.repositories.some(
        (r) => r.failed.length > 0 || r.error !== undefined,
      );
      if (incomplete) ctx.exitWith(ExitCode.transport);
    });
}
