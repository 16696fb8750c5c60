import { Option, type Command } from 'commander';
import type { Approver } from '../domain/approvalMessage.js';
import { DEFAULT_WAIT_SECONDS } from './decisionCommand.js';
import { collect, parseSeconds } from './optionParsers.js';

/** The options `promoter rollback` and `promoter unpin` share, as commander hands them over. */
export interface OperatorOptions {
  readonly stage: string;
  readonly as: string;
  readonly name?: string | undefined;
  readonly group: readonly string[];
  readonly source: string;
  readonly id?: string | undefined;
  readonly wait?: number | undefined;
}

/**
 * Adds the options of a command that acts on a stage in person (`--stage`, `--as`, `--name`,
 * `--group`, `--source`, `--id`, `--wait`), as `promoter approve` names them.
 */
export function addOperatorOptions(command: Command): Command {
  return command
    .requiredOption('--stage <stage>', 'the stage, e.g. release')
    .requiredOption('--as <approverId>', 'your approver id, e.g. alice or github:octocat')
    .option('--name <display>', 'your display name')
    .addOption(
      new Option('--group <group>', 'a group you belong to (repeat for more)')
        .argParser(collect)
        .default([], 'none'),
    )
    .option('--source <name>', 'where the request comes from', 'cli')
    .option('--id <messageId>', 'message id, the idempotency key (default: a new UUID)')
    .addOption(
      new Option('--wait [seconds]', 'wait for the outcome, up to this long')
        .preset(String(DEFAULT_WAIT_SECONDS))
        .argParser(parseSeconds),
    );
}

/** The message's `approver`, from `--as`, `--name` and `--group`. */
export function approverFromOptions(options: OperatorOptions): Approver {
  return {
    id: options.as,
    ...(options.name === undefined ? {} : { name: options.name }),
    groups: [...options.group],
  };
}
