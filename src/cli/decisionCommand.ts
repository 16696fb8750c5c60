import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { parseApprovalMessage, type ApprovalMessage } from '../domain/approvalMessage.js';
import {
  approvalFromArgs,
  describeSent,
  type Decision,
  type DecisionOptions,
} from './approvalFromArgs.js';
import type { ExitCodeValue } from './cliError.js';
import type { CommandContext } from './commandContext.js';
import { addApproverOptions, addSendOptions } from './operatorOptions.js';
import { sendMessage } from './sendMessage.js';

const examples = (verb: Decision): string => `
<ref> is a digest (sha256:…), a git SHA (7–40 lowercase hex) or a tag (1.2.3-rc2,
git-a1b2c3d); write git:<sha> or tag:<tag> to say which.

Examples:
${
  verb === 'approve'
    ? `  $ promoter approve myapp a1b2c3d --stage rc --version 1.2.3 --as alice
  $ promoter approve team/backend 1.2.3-rc2 --stage release --as alice --group release-managers --wait
  $ promoter approve myapp sha256:<64 hex> --stage rc --version 1.2.3 --as github:octocat --source gate --wait 300`
    : `  $ promoter reject myapp 1.2.3-rc2 --stage release --as alice --comment "fails the load test"`
}

Transport: Service Bus when PROMOTER_SERVICEBUS_NAMESPACE (with DefaultAzureCredential) or
PROMOTER_SERVICEBUS_CONNECTION_STRING is set; otherwise POST {PROMOTER_URL or --url}/api/approvals
(default http://localhost:7071), signed (X-Promoter-Signature) with PROMOTER_APPROVALS_HMAC_SECRET,
or the secret \`npm start\` saved in $PROMOTER_LOCAL_STATE_DIR/approvals-hmac-secret
(default ./.promoter/approvals-hmac-secret).
--wait asks {PROMOTER_URL}/api/repositories/<repository>/outcomes/<id>?wait=…, which answers
as soon as the outcome is recorded (x-functions-key: $PROMOTER_FUNCTION_KEY when set).

Exit codes: 0 accepted (with --wait: promoted), 1 the transport failed, 2 bad input,
3 rejected or failed, 4 pending more approvals, 5 no outcome before --wait ran out.
`;

/** Adds `promoter approve` or `promoter reject` to `program`. */
export function addDecisionCommand(
  program: Command,
  decision: Decision,
  ctx: CommandContext,
): Command {
  const command = program
    .command(decision)
    .description(
      decision === 'approve'
        ? 'approve a build for a stage: queue an approval message'
        : 'reject a build for a stage: queue a rejection, which stops that promotion',
    )
    .argument('<repository>', 'repository, e.g. myapp or team/backend')
    .argument('<ref>', 'the build: digest, git SHA or tag')
    .requiredOption('--stage <stage>', 'target stage, e.g. rc or release')
    .option('--version <semver>', 'version the stage tag is made for, e.g. 1.2.3');
  addApproverOptions(command)
    .option('--comment <text>', 'why, for the audit trail')
    .option('--requested-by <id>', 'who asked for this promotion (may not approve it)');
  if (decision === 'approve')
    command.option(
      '--override <reason>',
      'promote past unmet checks, soak and evidence (members of the stage’s override groups; recorded and announced)',
    );
  return addSendOptions(command, 'the decision')
    .addHelpText('after', examples(decision))
    .action(async (repository: string, ref: string, options: DecisionOptions) => {
      ctx.exitWith(await decide(ctx, decision, repository, ref, options));
    });
}

async function decide(
  ctx: CommandContext,
  decision: Decision,
  repository: string,
  ref: string,
  options: DecisionOptions,
): Promise<ExitCodeValue> {
  const message: ApprovalMessage = parseApprovalMessage(
    approvalFromArgs(decision, repository, ref, options, ctx.deps.newId ?? randomUUID),
  );
  return sendMessage(ctx, message, describeSent(message), options.wait);
}
