import type { Command } from 'commander';
import {
  rollbackMessageSchema,
  type PromotionMessageInput,
  type RollbackMessage,
} from '../domain/promotionMessage.js';
import { parseWith } from '../domain/zodIssues.js';
import { buildRefFromArg, describeBuild } from './approvalFromArgs.js';
import type { CommandContext } from './commandContext.js';
import { addOperatorCommand } from './operatorCommand.js';
import { operatorFields, type OperatorOptions } from './operatorOptions.js';

const help = `
Moves the stage's floating tags (release-latest; dev-latest for dev) back to the digest of an
earlier promotion of that stage, and pins the stage there: later promotions into it are
refused until \`promoter unpin\`. Immutable tags (1.2.3, 1.2.3-rc1) never move. Only the
stage's approvers may roll it back; who and why are kept in the history.

--to is that earlier promotion: its tag (1.2.2), its digest (sha256:…) or its git SHA (7–40
lowercase hex); write git:<sha> or tag:<tag> to say which.

Examples:
  $ promoter rollback myapp --stage release --to 1.2.2 --reason "1.2.3 breaks checkout" --as alice --wait
  $ promoter rollback myapp --stage dev --to a1b2c3d --reason "login is broken" --as alice
  $ promoter unpin myapp --stage release --as alice --reason "fixed in 1.2.4"

Transport and --wait: as for \`promoter approve\` (promoter approve --help).

Exit codes: 0 queued (with --wait: rolled back), 1 the transport failed, 2 bad input,
3 rejected or failed, 5 no outcome before --wait ran out.
`;

/** The options of `promoter rollback`. */
export interface RollbackOptions extends OperatorOptions {
  readonly to: string;
  readonly reason: string;
}

/** `queued rollback <id>: release of myapp back to myapp:1.2.2 by alice`. */
export function describeRollback(message: RollbackMessage): string {
  return `queued rollback ${message.id}: ${message.stage} of ${message.repository} back to ${describeBuild(message.repository, message.to)} by ${message.approver.id}`;
}

/** Adds `promoter rollback` to `program`. */
export function addRollbackCommand(program: Command, ctx: CommandContext): Command {
  return addOperatorCommand(program, ctx, {
    name: 'rollback',
    description:
      "move a stage's floating tag (release-latest) back to an earlier promotion, and pin the stage there",
    help,
    options: (command) =>
      command
        .requiredOption('--to <ref>', 'the earlier promotion: its tag (1.2.2), digest or git SHA')
        .requiredOption('--reason <text>', 'why, for the audit trail'),
    message: (repository, options: RollbackOptions, newId) =>
      parseWith(rollbackMessageSchema, 'rollback message', {
        type: 'rollback',
        ...operatorFields(repository, options, newId),
        to: buildRefFromArg(options.to),
        reason: options.reason,
      } satisfies PromotionMessageInput),
    queued: describeRollback,
  });
}
