/** Something the CLI writes text to: `process.stdout` in the bin, a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything the CLI reads from and writes to its process: the bin passes `process`'s own,
 * tests pass their own, so the CLI runs in-process and nothing reads globals.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The working directory: relative paths (the local state directory) resolve against it. */
  readonly cwd: string;
}

/** Writes one line to `sink`. */
export function writeLine(sink: TextSink, line: string): void {
  sink.write(`${line}\n`);
}
