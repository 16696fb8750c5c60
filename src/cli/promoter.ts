#!/usr/bin/env node
import { runCli } from './runCli.js';

// The `promoter` bin: runs the CLI on this process's arguments and environment. Exit codes are
// listed in `promoter approve --help`. Setting exitCode (not calling exit) lets output flush.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
