import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * One process started by a run of the supervisor, as recorded in `<stateDir>/pids.json`.
 * `marker` is a string that appears in that process's command line (a config path, a state
 * directory) and nowhere else: a recorded pid is only killed when its command line still
 * contains it, so a pid reused by an unrelated program is never touched.
 */
export interface PidEntry {
  name: string;
  pid: number;
  marker: string;
  startedAt: string;
}

const pidEntries = z.array(
  z.object({ name: z.string(), pid: z.number().int(), marker: z.string(), startedAt: z.string() }),
);

/** The supervisor records itself under this name; the other entries are its children. */
export const SUPERVISOR = 'supervisor';

/** `<stateDir>/pids.json` */
export function pidFilePath(stateDir: string): string {
  return path.join(stateDir, 'pids.json');
}

/** The recorded entries; none when the file is missing or unreadable. */
export function readPidFile(stateDir: string): PidEntry[] {
  try {
    const parsed = pidEntries.safeParse(JSON.parse(readFileSync(pidFilePath(stateDir), 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function writePidFile(stateDir: string, entries: readonly PidEntry[]): void {
  mkdirSync(stateDir, { recursive: true });
  const file = pidFilePath(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(entries, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Adds `entry` to the pidfile. */
export function recordPid(stateDir: string, entry: Omit<PidEntry, 'startedAt'>): void {
  const others = readPidFile(stateDir).filter((e) => e.pid !== entry.pid);
  writePidFile(stateDir, [...others, { ...entry, startedAt: new Date().toISOString() }]);
}

/** Removes `pid` from the pidfile (after it was stopped). */
export function forgetPid(stateDir: string, pid: number): void {
  writePidFile(
    stateDir,
    readPidFile(stateDir).filter((e) => e.pid !== pid),
  );
}

/** True when `pid` names a live (not zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The command line of `pid` (arguments joined by spaces), from /proc or `ps`. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return new Promise((resolve) => {
      execFile('ps', ['-o', 'command=', '-p', String(pid)], (error, stdout) => {
        resolve(error ? undefined : stdout.trim());
      });
    });
  }
}

/** True when `entry.pid` is alive and is still the process we recorded. */
export async function isOurs(entry: PidEntry): Promise<boolean> {
  if (!isAlive(entry.pid)) return false;
  return (await commandLine(entry.pid))?.includes(entry.marker) ?? false;
}

/** Thrown when the state directory belongs to a supervisor that is still running. */
export class AlreadyRunningError extends Error {
  constructor(
    readonly pid: number,
    stateDir: string,
  ) {
    super(
      `promoter is already running (pid ${pid}) with state directory ${stateDir}; ` +
        `stop it (Ctrl-C, or kill ${pid}) or set PROMOTER_LOCAL_STATE_DIR`,
    );
    this.name = 'AlreadyRunningError';
  }
}

/**
 * Makes `stateDir` ours after a previous run that may have crashed: throws
 * {@link AlreadyRunningError} when that run's supervisor is still alive; otherwise kills its
 * children that are still alive and still ours (SIGTERM, SIGKILL after `graceMs`), empties the
 * pidfile, and returns the entries that were killed.
 */
export async function reclaimStateDir(
  stateDir: string,
  options: { log?: (line: string) => void; graceMs?: number } = {},
): Promise<PidEntry[]> {
  const entries = readPidFile(stateDir);
  for (const entry of entries) {
    if (entry.name === SUPERVISOR && entry.pid !== process.pid && (await isOurs(entry))) {
      throw new AlreadyRunningError(entry.pid, stateDir);
    }
  }
  const killed: PidEntry[] = [];
  for (const entry of entries) {
    if (entry.name === SUPERVISOR || !(await isOurs(entry))) continue;
    options.log?.(`stopping ${entry.name} (pid ${entry.pid}) left over from a previous run`);
    await killAndWait(entry.pid, options.graceMs ?? 5000);
    killed.push(entry);
  }
  writePidFile(stateDir, []);
  return killed;
}

async function killAndWait(pid: number, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (isAlive(pid)) {
    if (Date.now() > killDeadline) throw new Error(`cannot stop process ${pid}; kill it by hand`);
    await sleep(50);
  }
}
