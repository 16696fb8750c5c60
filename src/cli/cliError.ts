/**
 * The CLI's exit codes: pipeline gates branch on them, so they are part of its contract.
 * `promoter approve --help` lists them.
 */
export const ExitCode = {
  /** Done: the message was accepted (or, with `--wait`, promoted, rolled back or unpinned). */
  ok: 0,
  /** The transport failed: the host or Service Bus could not be reached, or refused us. */
  transport: 1,
  /** Bad input: a usage error, an invalid message, or a 400 from the server. */
  usage: 2,
  /** `--wait`: the promotion (or rollback, or unpin) was rejected, or failed. */
  rejected: 3,
  /** `--wait`: the approval was counted, but the stage needs more. */
  pending: 4,
  /** `--wait`: no outcome arrived in time. */
  timedOut: 5,
} as const;

/** One of the exit codes above. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the CLI reports and exits on: each line is printed as `promoter: <line>` on
 * stderr. `transient` marks failures that may pass if tried again (the host not answering
 * yet, a 5xx), which `--wait` keeps polling through.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly lines: readonly string[];
  readonly transient: boolean;
  constructor(
    readonly exitCode: ExitCodeValue,
    lines: string | readonly string[],
    options: { readonly transient?: boolean; readonly cause?: unknown } = {},
  ) {
    const all = typeof lines === 'string' ? [lines] : lines;
    super(all.join('; '), { cause: options.cause });
    this.lines = all;
    this.transient = options.transient ?? false;
  }
}
