import { Option, type Command } from 'commander';
import type { Approver } from '../domain/approvalMessage.js';
import { collect, parseSeconds } from './optionParsers.js';

/** How long `--wait` waits when given no number. */
export const DEFAULT_WAIT_SECONDS = 60;

/**
 * The options every command that acts on a stage in person takes (`approve`, `reject`,
 * `rollback`, `unpin`), as commander hands them over.
 */
export interface OperatorOptions {
  readonly stage: string;
  readonly as: string;
  readonly name?: string | undefined;
  readonly group: readonly string[];
  readonly source: string;
  readonly id?: string | undefined;
  readonly wait?: number | undefined;
}

/** Adds who acts: `--as`, `--name` and `--group` (repeatable). */
export function addApproverOptions(command: Command): Command {
  return command
    .requiredOption('--as <approverId>', 'your approver id, e.g. alice or github:octocat')
    .option('--name <display>', 'your display name')
    .addOption(
      new Option('--group <group>', 'a group you belong to (repeat for more)')
        .argParser(collect)
        .default([], 'none'),
    );
}

/**
 * Adds how the message goes: `--source` (where `what` comes from, e.g. `the decision`), `--id`
 * and `--wait [seconds]`.
 */
export function addSendOptions(command: Command, what: string): Command {
  return command
    .option('--source <name>', `where ${what} comes from`, 'cli')
    .option('--id <messageId>', 'message id, the idempotency key (default: a new UUID)')
    .addOption(
      new Option('--wait [seconds]', 'wait for the outcome, up to this long')
        .preset(String(DEFAULT_WAIT_SECONDS))
        .argParser(parseSeconds),
    );
}

/**
 * Adds the options of `promoter rollback` and `promoter unpin`: `--stage`, then who acts and
 * how the message goes, as `promoter approve` names them.
 */
export function addOperatorOptions(command: Command): Command {
  return addSendOptions(
    addApproverOptions(command.requiredOption('--stage <stage>', 'the stage, e.g. release')),
    'the request',
  );
}

/**
 * The fields every message the CLI sends has: its id (`--id`, else `newId()`), the repository
 * and stage, the approver (`--as`, `--name`, `--group`) and the source.
 */
export function operatorFields(
  repository: string,
  options: OperatorOptions,
  newId: () => string,
): {
  readonly id: string;
  readonly repository: string;
  readonly stage: string;
  readonly approver: Approver;
  readonly source: string;
} {
  return {
    id: options.id ?? newId(),
    repository,
    stage: options.stage,
    approver: {
      id: options.as,
      ...(options.name === undefined ? {} : { name: options.name }),
      groups: [...options.group],
    },
    source: options.source,
  };
}
