#!/usr/bin/env node
import module from 'node:module';

// V8 keeps the code it compiled in a cache (in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): every run after the first starts without compiling the CLI again.
module.enableCompileCache();
const { runCli } = await import('./runCli.js');

// The `promoter` bin: runs the CLI on this process's arguments and environment. Exit codes are
// listed in `promoter approve --help`. Setting exitCode (not calling exit) lets output flush.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
