import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** How a child process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to run and where its output goes. */
export interface SpawnOptions {
  /** Short name used to prefix log lines and in error messages (`registry`, `azurite`). */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The child's whole environment; defaults to this process's. */
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended to this file (created with its directory). */
  logFile: string;
  /** When set, stdout goes straight to this file instead (e.g. the registry's access log). */
  stdoutFile?: string;
  /** Receives every output line (not those sent to `stdoutFile`), prefixed with `[name] `. */
  log?: (line: string) => void;
  /**
   * Start the child in its own process group, so that a Ctrl-C in the terminal reaches only the
   * supervisor, which then stops the children in order.
   */
  detached?: boolean;
  /**
   * The signal that asks the child to stop cleanly (SIGTERM by default). Azurite flushes its
   * database only on SIGINT: on SIGTERM it would lose its last few seconds of writes.
   */
  stopSignal?: NodeJS.Signals;
}

/** A running child process whose output is kept in a log file and a short in-memory tail. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles (never rejects) once the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** True once `stop()` was called: an exit from then on was asked for. */
  stopRequested(): boolean;
  /** The last `count` lines of its output, oldest first. */
  lastLines(count?: number): string[];
  /**
   * The stop signal (SIGTERM unless `stopSignal` says otherwise), then SIGKILL after `graceMs`;
   * resolves once it has exited. Safe to call twice.
   */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 200;

/**
 * Spawns a child process with its output captured (log file, tail, optional line callback).
 * Resolves once the process has been created; rejects when it cannot be (e.g. ENOENT).
 */
export async function spawnManaged(options: SpawnOptions): Promise<ManagedProcess> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  let stdoutFd: number | undefined;
  if (options.stdoutFile !== undefined) {
    mkdirSync(path.dirname(options.stdoutFile), { recursive: true });
    stdoutFd = openSync(options.stdoutFile, 'a');
  }
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);

  const tail: string[] = [];
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.log?.(`[${options.name}] ${line}`);
  };
  if (child.stdout) captureLines(child.stdout, logStream, onLine);
  if (child.stderr) captureLines(child.stderr, logStream, onLine);

  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    // 'close' rather than 'exit': it comes after the output pipes have been drained.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  void exited.then(() => {
    logStream.end();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => {
      logStream.end();
      reject(new Error(`cannot start ${options.name} (${options.command}): ${error.message}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${options.name}: no process id`);

  let stopRequested = false;
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => exit !== undefined,
    stopRequested: () => stopRequested,
    lastLines: (count = 20) => tail.slice(-count),
    stop: (graceMs = 5000) => {
      stopRequested = true;
      return stopChild(child, exited, graceMs, options.stopSignal ?? 'SIGTERM');
    },
  };
}

/** Describes an exit for humans: `exited with code 1` or `was killed by SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  return exit.signal !== null
    ? `was killed by ${exit.signal}`
    : `exited with code ${exit.code ?? '?'}`;
}

/** An Error saying that `process` ended, with the last lines of its output. */
export function exitedError(process: ManagedProcess, exit: ProcessExit, doing: string): Error {
  const lines = process.lastLines(15);
  const tail = lines.length > 0 ? `\n${lines.map((l) => `  ${l}`).join('\n')}` : ' (no output)';
  return new Error(
    `${process.name} ${describeExit(exit)} ${doing}; last lines of ${process.logFile}:${tail}`,
  );
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<ProcessExit>,
  graceMs: number,
  signal: NodeJS.Signals,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, graceMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function captureLines(
  stream: Readable,
  file: NodeJS.WritableStream,
  onLine: (line: string) => void,
): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    file.write(chunk);
    const parts = (partial + chunk).split(/\r?\n/);
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.on('end', () => {
    if (partial !== '') onLine(partial);
    partial = '';
  });
}
