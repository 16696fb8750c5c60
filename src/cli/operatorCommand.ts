import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { PromotionMessage } from '../domain/promotionMessage.js';
import type { CommandContext } from './commandContext.js';
import { addOperatorOptions, type OperatorOptions } from './operatorOptions.js';
import { sendMessage } from './sendMessage.js';

/** A command `promoter <name> <repository> [options]` that queues one message about a stage. */
export interface OperatorCommand<O extends OperatorOptions, M extends PromotionMessage> {
  readonly name: string;
  readonly description: string;
  /** What `--help` shows after the options. */
  readonly help: string;
  /** Adds the command's own options, besides `addOperatorOptions`'. */
  readonly options: (command: Command) => Command;
  /** The message, validated: throws a ValidationError naming each bad field. */
  readonly message: (repository: string, options: O, newId: () => string) => M;
  /** The line printed once the message is queued. */
  readonly queued: (message: M) => string;
}

/**
 * Adds `command` to `program`: its action builds the message, sends it (`sendMessage`: Service
 * Bus or the signed API), and with `--wait` ends with the exit code of its outcome.
 */
export function addOperatorCommand<O extends OperatorOptions, M extends PromotionMessage>(
  program: Command,
  ctx: CommandContext,
  command: OperatorCommand<O, M>,
): Command {
  return addOperatorOptions(
    command.options(
      program
        .command(command.name)
        .description(command.description)
        .argument('<repository>', 'repository, e.g. myapp or team/backend'),
    ),
  )
    .addHelpText('after', command.help)
    .action(async (repository: string, options: O) => {
      const message = command.message(repository, options, ctx.deps.newId ?? randomUUID);
      ctx.exitWith(await sendMessage(ctx, message, command.queued(message), options.wait));
    });
}
