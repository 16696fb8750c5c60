import type { Command } from 'commander';
import {
  unpinMessageSchema,
  type PromotionMessageInput,
  type UnpinMessage,
} from '../domain/promotionMessage.js';
import { parseWith } from '../domain/zodIssues.js';
import type { CommandContext } from './commandContext.js';
import { addOperatorCommand } from './operatorCommand.js';
import { operatorFields, type OperatorOptions } from './operatorOptions.js';

const help = `
Releases a stage that \`promoter rollback\` pinned, so that promotions into it resume. Nothing
moves now: the stage keeps the digest it was rolled back to until its next promotion (for
dev, the next push). Only the stage's approvers may unpin it.

Examples:
  $ promoter unpin myapp --stage release --as alice --reason "fixed in 1.2.4" --wait
  $ promoter status myapp    # a pinned stage says so, with who pinned it and why

Transport and --wait: as for \`promoter approve\` (promoter approve --help).

Exit codes: 0 queued (with --wait: unpinned), 1 the transport failed, 2 bad input,
3 rejected (e.g. the stage is not pinned) or failed, 5 no outcome before --wait ran out.
`;

/** The options of `promoter unpin`. */
export interface UnpinOptions extends OperatorOptions {
  readonly reason?: string | undefined;
}

/** `queued unpin <id>: release of myapp by alice`. */
export function describeUnpin(message: UnpinMessage): string {
  return `queued unpin ${message.id}: ${message.stage} of ${message.repository} by ${message.approver.id}`;
}

/** Adds `promoter unpin` to `program`. */
export function addUnpinCommand(program: Command, ctx: CommandContext): Command {
  return addOperatorCommand(program, ctx, {
    name: 'unpin',
    description: 'release a stage a rollback pinned, so that promotions into it resume',
    help,
    options: (command) => command.option('--reason <text>', 'why, for the audit trail'),
    message: (repository, options: UnpinOptions, newId) =>
      parseWith(unpinMessageSchema, 'unpin message', {
        type: 'unpin',
        ...operatorFields(repository, options, newId),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      } satisfies PromotionMessageInput),
    queued: describeUnpin,
  });
}
