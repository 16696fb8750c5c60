import { Command, CommanderError } from 'commander';
import { ValidationError } from '../domain/errors.js';
import { CliError, ExitCode, type ExitCodeValue } from './cliError.js';
import { writeLine, type CliIo } from './cliIo.js';
import type { CliDeps, CommandContext } from './commandContext.js';
import { addCheckCommand } from './checkCommand.js';
import { addDecisionCommand } from './decisionCommand.js';
import { addDoctorCommand } from './doctorCommand.js';
import { addHistoryCommand } from './historyCommand.js';
import { addReconcileCommand } from './reconcileCommand.js';
import { addRetentionCommand } from './retentionCommand.js';
import { addRollbackCommand } from './rollbackCommand.js';
import { addStatusCommand } from './statusCommand.js';
import { addUnpinCommand } from './unpinCommand.js';

const help = `
Settings (environment):
  PROMOTER_URL                           promoter host (default http://localhost:7071; --url wins)
  PROMOTER_FUNCTION_KEY                  function key for the host in Azure (x-functions-key)
  PROMOTER_APPROVALS_HMAC_SECRET         signs POST /api/approvals (else .promoter/approvals-hmac-secret)
  PROMOTER_LOCAL_STATE_DIR               where \`npm start\` keeps that secret (default ./.promoter)
  PROMOTER_SERVICEBUS_NAMESPACE          send approvals to Service Bus with DefaultAzureCredential
  PROMOTER_SERVICEBUS_CONNECTION_STRING  or with a connection string

Examples:
  $ promoter approve myapp a1b2c3d --stage rc --version 1.2.3 --as alice --wait
  $ promoter approve myapp 1.2.3-rc1 --stage release --as alice
  $ promoter status myapp
  $ promoter history myapp --limit 50
  $ promoter retention --dry-run
  $ promoter reconcile --dry-run
  $ promoter doctor
  $ promoter rollback myapp --stage release --to 1.2.2 --reason "1.2.3 breaks checkout" --as alice --wait
  $ promoter unpin myapp --stage release --as alice
  $ promoter check myapp 1.2.3-rc1 --name trivy --conclusion success --details-url https://ci.example/run/42

Run \`promoter <command> --help\` for a command's options and exit codes.
`;

/**
 * Runs the `promoter` CLI on `argv` (the arguments after the program name) and resolves to
 * the exit code; it never exits the process itself, so tests run it in-process. Errors are
 * printed as `promoter: …` lines on `io.stderr`.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  deps: CliDeps = {},
): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const program = new Command('promoter');
  const ctx: CommandContext = {
    io,
    deps,
    globals: () => program.opts<{ url?: string }>(),
    exitWith: (code) => {
      exitCode = code;
    },
  };
  program
    .description(
      'promote the exact approved image digest through dev → rc → release: approve or reject a build, see what each stage holds and the audit trail',
    )
    .option('--url <url>', 'promoter host, overrides PROMOTER_URL')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', help);
  addDecisionCommand(program, 'approve', ctx);
  addDecisionCommand(program, 'reject', ctx);
  addStatusCommand(program, ctx);
  addHistoryCommand(program, ctx);
  addDoctorCommand(program, ctx);
  addRollbackCommand(program, ctx);
  addUnpinCommand(program, ctx);
  addCheckCommand(program, ctx);
  addRetentionCommand(program, ctx);
  addReconcileCommand(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

/** Prints `error` for a human and returns the exit code it maps to. */
function reportError(error: unknown, io: CliIo): ExitCodeValue {
  // Commander has printed its own message (or the help) already.
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof ValidationError) {
    for (const issue of error.issues)
      writeLine(
        io.stderr,
        `promoter: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`,
      );
    return ExitCode.usage;
  }
  if (error instanceof CliError) {
    for (const line of error.lines) writeLine(io.stderr, `promoter: ${line}`);
    return error.exitCode;
  }
  writeLine(io.stderr, `promoter: ${error instanceof Error ? error.message : String(error)}`);
  return ExitCode.transport;
}
