import type { Command } from 'commander';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatHistory } from './formatHistory.js';
import { PromoterApi } from './promoterApi.js';
import { parsePositiveInteger } from './optionParsers.js';
import { repositoryArg } from './repositoryArg.js';

/** How many outcomes `promoter history` shows unless `--limit` says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 20;

const help = `
Lists what happened to each approval, newest first: time, outcome, stage, version or tags,
digest, who approved, and why a promotion was rejected or failed.

Examples:
  $ promoter history myapp
  $ promoter history team/backend --limit 100
  $ promoter history myapp --json | jq '.outcomes[] | select(.outcome == "rejected")'
`;

interface HistoryOptions {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Adds `promoter history <repository> [--limit n] [--cursor c] [--json]` to `program`. */
export function addHistoryCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('history')
    .description('the audit trail of a repository: every outcome, newest first')
    .argument('<repository>', 'repository, e.g. myapp or team/backend')
    .option('--limit <n>', 'how many outcomes to show', parsePositiveInteger, DEFAULT_HISTORY_LIMIT)
    .option('--cursor <cursor>', 'continue where an earlier page ended')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', help)
    .action(async (repository: string, options: HistoryOptions) => {
      const api = new PromoterApi(apiSettings(ctx.io.env, ctx.globals().url));
      const { raw, answer } = await api.history(repositoryArg(repository), options);
      if (options.json === true) {
        writeLine(ctx.io.stdout, JSON.stringify(raw, null, 2));
        return;
      }
      writeLine(ctx.io.stdout, formatHistory(answer));
      if (answer.nextCursor !== undefined)
        writeLine(
          ctx.io.stdout,
          `older: promoter history ${answer.repository} --limit ${options.limit} --cursor ${shellWord(answer.nextCursor)}`,
        );
    });
}

/** `value` as one shell word: as is when it is plain, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._~=:/+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
