import type { Command } from 'commander';
import { ExitCode } from './cliError.js';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatReconcile } from './formatReconcile.js';
import { PromoterApi } from './promoterApi.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
Compares the registry with the ledger, in every repository the host's
PROMOTER_RECONCILE_REPOSITORIES allows (the ledger's and the registry catalog's), and heals
what no registry event reported: a build tag the ledger lacks is recorded (its pusher unknown)
and its automatic dev promotion asked for; a stage tag on another digest than the ledger says
is drift (put back with "restoreOnDrift"); a promoted tag missing from the registry is
reported (written back with "restoreOnDrift"); a stage tag no promotion made (an rc tag a lost
ledger write forgot) is reported as unknown; a recorded build whose manifest is gone is marked
deleted. Each action is recorded in the history (reason "reconciled"). The host's reconcile
timer does the same every 5 minutes (PROMOTER_RECONCILE_SCHEDULE).

Exit codes:
  0  done (a dry run: nothing changed)
  1  the host could not be reached or refused, or some actions or repositories failed; they
     are listed, and the next run tries again
  2  bad input (a repository name that is not one)

Examples:
  $ promoter reconcile --dry-run
  $ promoter reconcile --repository team/backend
  $ promoter reconcile --json | jq '.cost'
`;

interface ReconcileOptions {
  readonly dryRun?: boolean | undefined;
  readonly repository?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Adds `promoter reconcile [--dry-run] [--repository <repo>] [--json]` to `program`. */
export function addReconcileCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('reconcile')
    .description(
      'compare the registry with the ledger and heal what no event reported (--dry-run: only list)',
    )
    .option('--dry-run', 'list what would be done; change nothing')
    .option('--repository <repository>', 'only this repository (default: every one in scope)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', help)
    .action(async (options: ReconcileOptions) => {
      const repository =
        options.repository === undefined ? undefined : repositoryArg(options.repository);
      const api = new PromoterApi(apiSettings(ctx.io.env, ctx.globals().url));
      const { raw, answer } = await api.reconcile({ dryRun: options.dryRun === true, repository });
      writeLine(
        ctx.io.stdout,
        options.json === true ? JSON.stringify(raw, null, 2) : formatReconcile(answer),
      );
      const incomplete = answer.repositories.some(
        (r) => r.failed.length > 0 || r.error !== undefined,
      );
      if (incomplete) ctx.exitWith(ExitCode.transport);
    });
}
