import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitedError, type ManagedProcess } from './processes.js';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; there is a small race). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/** Thrown when a port we need is taken by a program that is not ours. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
    hint?: string,
  ) {
    super(
      `port ${port} is in use by another program; set ${setting}` +
        (hint === undefined ? '' : ` (${hint})`),
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Resolves when `port` can be bound on 127.0.0.1; otherwise throws a {@link PortInUseError}
 * naming `setting`, the environment variable that moves it.
 */
export async function assertPortFree(port: number, setting: string, hint?: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(port, setting, hint);
    }
    throw error;
  } finally {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

/** True when something accepts TCP connections on `host:port` right now. */
export function acceptsConnections(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** Addresses tried in turn; any one accepting is enough. Default 127.0.0.1 and ::1. */
  hosts?: readonly string[];
  timeoutMs?: number;
  /** Stop waiting, and throw with its last log lines, if this process exits meanwhile. */
  process?: ManagedProcess;
}

/** Resolves once `port` accepts connections; throws on timeout or when `process` exits. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  await waitUntil(
    async () => {
      for (const host of options.hosts ?? ['127.0.0.1', '::1']) {
        if (await acceptsConnections(port, host)) return true;
      }
      return false;
    },
    { what: `port ${port} to accept connections`, ...options },
  );
}

/** Polls `ready` every 100 ms until it returns true; throws on timeout or when `process` exits. */
export async function waitUntil(
  ready: () => Promise<boolean>,
  options: { what: string; timeoutMs?: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exit: Awaited<ManagedProcess['exited']> | undefined;
  void options.process?.exited.then((e) => (exit = e));
  for (;;) {
    if (await ready()) return;
    if (exit !== undefined && options.process !== undefined) {
      throw exitedError(options.process, exit, `while waiting for ${options.what}`);
    }
    if (Date.now() > deadline) {
      const who = options.process === undefined ? '' : ` (${options.process.name})`;
      throw new Error(`timed out waiting for ${options.what}${who}`);
    }
    await sleep(100);
  }
}
