import type { CliIo } from './cliIo.js';
import type { ExitCodeValue } from './cliError.js';
import type { OpenServiceBus } from './serviceBusTransport.js';

/** What tests may replace; the bin uses the defaults. */
export interface CliDeps {
  /** Opens the Service Bus queue (default: the Service Bus adapter, imported lazily). */
  readonly openServiceBus?: OpenServiceBus;
  /** Makes a message id when `--id` is not given (default: a random UUID). */
  readonly newId?: () => string;
  /** How long `--wait` pauses after a failed request, in milliseconds (default 250). */
  readonly pollIntervalMs?: number;
}

/** What every command's action is given. */
export interface CommandContext {
  readonly io: CliIo;
  readonly deps: CliDeps;
  /** The global options, read when the action runs (they may follow the subcommand). */
  globals(): { readonly url?: string | undefined };
  /** Sets the code the CLI exits with (0 unless a command says otherwise). */
  exitWith(code: ExitCodeValue): void;
}
