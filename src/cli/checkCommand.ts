import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { checkMessageSchema, type CheckMessage } from '../domain/checkMessage.js';
import { parseWith } from '../domain/zodIssues.js';
import { buildRefFromArg, describeBuild } from './approvalFromArgs.js';
import type { CommandContext } from './commandContext.js';
import { addSendOptions } from './operatorOptions.js';
import { sendMessage } from './sendMessage.js';

const help = `
Reports how a check (a scan, end-to-end tests) ended on one build, for stages that list it in
\`checks\`. The latest result of a check on a digest counts; a failure blocks until a later
success. A promotion waiting only on this check is promoted by itself when it succeeds.

<ref> is a digest (sha256:…), a git SHA (7–40 lowercase hex) or a tag (1.2.3-rc2,
git-a1b2c3d); write git:<sha> or tag:<tag> to say which.

Examples:
  $ promoter check myapp 1.2.3-rc1 --name trivy --conclusion success --details-url https://ci.example/run/42
  $ promoter check myapp a1b2c3d --name e2e --conclusion failure --summary "3 of 120 failed" --as github:org/app --wait

Transport and --wait: as for \`promoter approve\` (promoter approve --help).

Exit codes: 0 queued (with --wait: it promoted), 1 the transport failed, 2 bad input,
3 rejected (unknown check or build) or the check failed, 4 kept, the promotion still waits,
5 no outcome before --wait ran out.
`;

/** The options of `promoter check`, as commander hands them over. */
interface CheckOptions {
  readonly name: string;
  readonly conclusion: string;
  readonly detailsUrl?: string | undefined;
  readonly summary?: string | undefined;
  readonly as: string;
  readonly source: string;
  readonly id?: string | undefined;
  readonly wait?: number | undefined;
}

/** `queued check <id>: trivy success on myapp:1.2.3-rc1 by ci`. */
export function describeCheck(message: CheckMessage): string {
  return `queued check ${message.id}: ${message.name} ${message.conclusion} on ${describeBuild(message.repository, message.build)} by ${message.reporter}`;
}

/**
 * The check message for `promoter check <repository> <ref> [options]`, validated (a
 * ValidationError names each bad field). `at` is now, so a resend counts as the same result.
 */
export function checkFromArgs(
  repository: string,
  ref: string,
  options: CheckOptions,
  newId: () => string,
  now: Date,
): CheckMessage {
  return parseWith(checkMessageSchema, 'check message', {
    type: 'check',
    id: options.id ?? newId(),
    repository,
    build: buildRefFromArg(ref),
    name: options.name,
    conclusion: options.conclusion,
    ...(options.detailsUrl === undefined ? {} : { detailsUrl: options.detailsUrl }),
    ...(options.summary === undefined ? {} : { summary: options.summary }),
    reporter: options.as,
    source: options.source,
    at: now.toISOString(),
  });
}

/** Adds `promoter check` to `program`. */
export function addCheckCommand(program: Command, ctx: CommandContext): Command {
  const command = program
    .command('check')
    .description('report a check result (scan, tests) on a build: queue a check message')
    .argument('<repository>', 'repository, e.g. myapp or team/backend')
    .argument('<ref>', 'the build: digest, git SHA or tag')
    .requiredOption('--name <check>', 'the check, as stages list it in checks, e.g. trivy')
    .addOption(new Option('--conclusion <conclusion>', 'how it ended').makeOptionMandatory())
    // `--url` is the global option naming the promoter host.
    .option('--details-url <url>', 'a link to the details (the CI run, the report)')
    .option('--summary <text>', 'one line about the result')
    .option('--as <reporter>', 'who or what reports it, e.g. github:org/app', 'cli');
  return addSendOptions(command, 'the result')
    .addHelpText('after', help)
    .action(async (repository: string, ref: string, options: CheckOptions) => {
      const message = checkFromArgs(
        repository,
        ref,
        options,
        ctx.deps.newId ?? randomUUID,
        new Date(),
      );
      ctx.exitWith(await sendMessage(ctx, message, describeCheck(message), options.wait));
    });
}
