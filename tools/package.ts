import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { writeZip } from './writeZip.js';

/**
 * `npm run package`: the deployment artifact, production code only. `dist/package/app/` is what
 * azd deploys (azure.yaml `dist`); `dist/package/promoter.zip` is the same for a manual
 * `az functionapp deployment source config-zip`. `npm run bench:package` (benchPackage.ts) builds
 * every variant and measures them.
 */

/** The project root: one level above this file (`tools/`). */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
/** Under dist/, which git, ESLint and Prettier already ignore. */
export const packageRoot = join(projectRoot, 'dist', 'package');

/**
 * `plain`: the compiled app with `npm ci --omit=dev` node_modules. `bundle`: one esbuild ESM
 * bundle, split so that SDKs the code imports lazily stay in chunks loaded on first use.
 */
export type Variant = 'plain' | 'bundle';

/** What `npm run package` ships: the variant with the faster import in `npm run bench:package`. */
export const SHIPPED: Variant = 'bundle';

/** A staged app: its folder and the module the Functions worker loads (package.json `main`). */
export interface Staged {
  readonly dir: string;
  readonly entry: string;
  /** For bundles: what went into each output file. */
  readonly metafile?: Metafile;
}

/** Files the Functions host and the app read at run time, besides the code. */
const RUNTIME_FILES = ['host.json', 'promoter.pipeline.json'];

/** Provided by the Functions Node worker at run time; never in node_modules. */
const WORKER_PROVIDED = ['@azure/functions-core'];

// Bundled CommonJS code calls require() and reads __dirname; ESM output has neither.
export const ESM_SHIMS = [
  "import { createRequire as __promoterRequire } from 'node:module';",
  "import { fileURLToPath as __promoterPath } from 'node:url';",
  'const require = __promoterRequire(import.meta.url);',
  'const __filename = __promoterPath(import.meta.url);',
  "const __dirname = __promoterPath(new URL('.', import.meta.url));",
].join('\n');

/** Runs a command; throws, naming it, when it fails. */
export function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd} (exit ${String(result.status)})`,
    );
  }
}

/** npm, the same one that runs this script when there is one. */
export function npm(args: readonly string[], cwd: string): void {
  const cli = process.env.npm_execpath;
  if (cli?.endsWith('.js')) run(process.execPath, [cli, ...args], cwd);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);
}

async function fresh(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

async function copyRuntimeFiles(dir: string): Promise<void> {
  for (const file of RUNTIME_FILES) await cp(join(projectRoot, file), join(dir, file));
}

async function projectPackageJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** The compiled app (no local host, no CLI, no source maps) with production node_modules. */
export async function stagePlain(dir: string): Promise<Staged> {
  await fresh(dir);
  const compiled = join(packageRoot, '.tsc');
  await rm(compiled, { recursive: true, force: true });
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  run(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', compiled, '--sourceMap', 'false'],
    projectRoot,
  );
  await cp(compiled, join(dir, 'dist'), {
    recursive: true,
    filter: (source) => !/[/\\](local|cli)$/.test(source),
  });
  await copyRuntimeFiles(dir);
  const pkg = await projectPackageJson();
  delete pkg.scripts;
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await cp(join(projectRoot, 'package-lock.json'), join(dir, 'package-lock.json'));
  npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  return { dir, entry: join(dir, 'dist', 'functions', 'index.js') };
}

/** Bundles `entry` with esbuild into `dir/dist/functions/index.js` (+ lazy chunks). */
export async function bundle(entry: string, dir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: { index: entry },
    outdir: join(dir, 'dist', 'functions'),
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    external: WORKER_PROVIDED,
    banner: { js: ESM_SHIMS },
    metafile: true,
    absWorkingDir: projectRoot,
    logLevel: 'error',
  });
  return result.metafile;
}

/** The app as one split ESM bundle: no node_modules at all. */
export async function stageBundle(dir: string): Promise<Staged> {
  await fresh(dir);
  const metafile = await bundle(join(projectRoot, 'src', 'functions', 'index.ts'), dir);
  await copyRuntimeFiles(dir);
  const { name, version, type, main, engines } = await projectPackageJson();
  const pkg = { name, version, type, main, engines };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return { dir, entry: join(dir, 'dist', 'functions', 'index.js'), metafile };
}

/** Stages `variant` as `dist/package/app` and zips it as `dist/package/promoter.zip`. */
export async function packageApp(
  variant: Variant = SHIPPED,
): Promise<{ zip: string; bytes: number; functions: string[] }> {
  const dir = join(packageRoot, 'app');
  const staged = variant === 'bundle' ? await stageBundle(dir) : await stagePlain(dir);
  const functions = assertLoads(staged);
  const zip = join(packageRoot, 'promoter.zip');
  return { zip, bytes: await writeZip(staged.dir, zip), functions };
}

/**
 * Loads the entry the way the Functions Node worker does, with a stand-in for the
 * `@azure/functions-core` module the worker provides, then every lazy chunk; returns the names
 * of the functions the app registered. A bundling mistake (a lost registration, a require that
 * cannot resolve) fails here, not in Azure.
 */
export function assertLoads(staged: Staged): string[] {
  const chunks = Object.keys(staged.metafile?.outputs ?? {})
    .filter((output) => output.endsWith('.js'))
    .map((output) => join(projectRoot, output));
  const urls = [staged.entry, ...chunks].map((file) => pathToFileURL(file).href);
  const code = `
    import Module from 'node:module';
    const registered = [];
    const core = {
      setProgrammingModel() {},
      registerFunction(metadata) { registered.push(metadata.name); return { dispose() {} }; },
      registerHook() { return { dispose() {} }; },
      log() {},
    };
    const load = Module._load;
    Module._load = function (request, ...rest) {
      return request === '@azure/functions-core' ? core : load.call(this, request, ...rest);
    };
    for (const url of ${JSON.stringify(urls)}) await import(url);
    console.log(JSON.stringify(registered));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: staged.dir,
    encoding: 'utf8',
  });
  const names =
    result.status === 0
      ? (JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '[]') as string[])
      : [];
  if (names.length === 0)
    throw new Error(`${staged.entry} does not load or registers no function:\n${result.stderr}`);
  return names;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const { zip, bytes, functions } = await packageApp();
  console.log(`${SHIPPED} package: ${zip} (${(bytes / 1024 / 1024).toFixed(2)} MiB)`);
  console.log(`registers: ${functions.join(', ')}`);
}
