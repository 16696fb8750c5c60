import type { Command } from 'commander';
import { writeLine } from './cliIo.js';
import { apiSettings } from './cliSettings.js';
import type { CommandContext } from './commandContext.js';
import { formatStatus } from './formatStatus.js';
import { PromoterApi } from './promoterApi.js';
import { repositoryArg } from './repositoryArg.js';

const help = `
Shows, for each stage, the tags, version, digest, git SHA and time of the build it holds,
then the promotions waiting for more approvals.

Examples:
  $ promoter status myapp
  $ promoter status team/backend --json | jq '.stages[] | select(.stage == "rc") | .digest'
  $ PROMOTER_URL=https://promoter.azurewebsites.net PROMOTER_FUNCTION_KEY=… promoter status myapp
`;

/** Adds `promoter status <repository> [--json]` to `program`. */
export function addStatusCommand(program: Command, ctx: CommandContext): Command {
  return program
    .command('status')
    .description('what each stage of a repository holds, and what waits for approval')
    .argument('<repository>', 'repository, e.g. myapp or team/backend')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', help)
    .action(async (repository: string, options: { readonly json?: boolean }) => {
      const api = new PromoterApi(apiSettings(ctx.io.env, ctx.globals().url));
      const { raw, answer } = await api.status(repositoryArg(repository));
      writeLine(
        ctx.io.stdout,
        options.json === true ? JSON.stringify(raw, null, 2) : formatStatus(answer),
      );
    });
}
