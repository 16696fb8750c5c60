import { InvalidArgumentError, type Command } from 'commander';
import { OLDER_THAN_RULE, parseOlderThan } from '../domain/retentionAge.js';
import { ExitCode } from './cliError.js';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatRetention } from './formatRetention.js';
import { PromoterApi } from './promoterApi.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
Deletes, from the registry, the builds recorded more than PROMOTER_RETENTION_DAYS days ago
(a setting of the promoter host) whose digest never went past the first stage (dev), and lists
why every other build stays: a stage holds it (dev head, rc, release), a promotion of it was
requested (pending, even rejected), its dev promotion is still running, or it is newer. Each
deletion is recorded in the ledger and the history. The host's retention timer does the same
every day (PROMOTER_RETENTION_SCHEDULE).

--older-than <duration> uses that age instead of PROMOTER_RETENTION_DAYS for this run (also
when retention is off on the host): a whole number followed by m, h or d, from 1m to 3650d.

Exit codes:
  0  done (a dry run: nothing deleted)
  1  the host could not be reached or refused (retention off: PROMOTER_RETENTION_DAYS unset
     and no --older-than), or some builds could not be deleted; they are listed, and the next
     run tries again
  2  bad input (a repository name that is not one, an --older-than that is not a duration)

Examples:
  $ promoter retention --dry-run
  $ promoter retention --dry-run --repository team/backend --all
  $ promoter retention --dry-run --older-than 10m
  $ promoter retention --repository myapp
  $ promoter retention --dry-run --json | jq '.repositories[].deleted[].digest'
`;

interface RetentionOptions {
  readonly dryRun?: boolean | undefined;
  readonly olderThan?: string | undefined;
  readonly repository?: string | undefined;
  readonly all?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** `--older-than <duration>`: `30d`, `12h`, `10m` (1m–3650d), checked before any request. */
function olderThanOption(value: string): string {
  // Commander quotes the value itself: `option '--older-than <duration>' argument '5x' is invalid.`
  if (!parseOlderThan(value).ok) throw new InvalidArgumentError(OLDER_THAN_RULE);
  return value;
}

/**
 * Adds `promoter retention [--dry-run] [--older-than <duration>] [--repository <repo>] [--all]
 * [--json]` to `program`.
 */
export function addRetentionCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('retention')
    .description(
      'delete old builds that never went past dev (--dry-run: only list), and say why the others stay',
    )
    .option('--dry-run', 'list what would be deleted and why the others stay; delete nothing')
    .option(
      '--older-than <duration>',
      'delete builds older than this (30d, 12h, 10m) instead of PROMOTER_RETENTION_DAYS',
      olderThanOption,
    )
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
        olderThan: options.olderThan,
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
