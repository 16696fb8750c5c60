import { startLocalHost } from '../src/local/host.js';

// One new process of the benchmark's cold-start measurement (bundled by chatLatency.ts, run
// with node): starts the local host on a free port with the environment it was given and
// prints `ready <url> <ms since the process started>`; the parent then sends the first request.

const host = await startLocalHost({ port: 0, env: { ...process.env }, log: () => undefined });
console.log(`ready ${host.url} ${performance.now().toFixed(1)}`);
process.once('SIGTERM', () => {
  void host.close().finally(() => process.exit(0));
});
