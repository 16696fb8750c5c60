import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import {
  assertLoads,
  bundle,
  npm,
  packageRoot,
  projectRoot,
  SHIPPED,
  stageBundle,
  stagePlain,
  type Staged,
} from '../tools/package.js';
import { listFiles, writeZip } from '../tools/writeZip.js';

/**
 * `npm run bench:package`: builds the app plain (npm ci --omit=dev) and bundled (esbuild), and a
 * bare `@azure/functions` app (one app.http function) both ways, then prints, for each, the
 * entry module's import time (the cold-start proxy: a fresh `node` imports it, median of RUNS),
 * the number of files, the unpacked size and the zip size; then what the bundle's entry chunk
 * is made of and how long each SDK takes to import on its own.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const SDK_RUNS = 9;
const SDKS = [
  '@azure/functions',
  '@azure/data-tables',
  '@azure/identity',
  '@azure/service-bus',
  '@azure/container-registry',
  'zod',
  'semver',
];

const BARE_APP = `import { app } from '@azure/functions';
app.http('hello', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'hello' }) });
`;

/** Milliseconds a fresh Node process takes to import `specifier` (a URL or a package). */
function importMs(specifier: string, cwd: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  const ms = Number(last);
  if (result.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`importing ${specifier} failed:\n${result.stderr}`);
  }
  return ms;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function stageBare(dir: string, bundled: boolean): Promise<Staged> {
  const { version } = JSON.parse(
    await readFile(join(projectRoot, 'node_modules/@azure/functions/package.json'), 'utf8'),
  ) as { version: string };
  const plain = join(dir, '..', 'bare-plain');
  if (!bundled) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.js'), BARE_APP);
    const pkg = {
      name: 'bare',
      private: true,
      type: 'module',
      main: 'index.js',
      dependencies: { '@azure/functions': version },
    };
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    npm(
      ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      dir,
    );
    return { dir, entry: join(dir, 'index.js') };
  }
  await rm(dir, { recursive: true, force: true });
  const metafile = await bundle(join(plain, 'index.js'), dir);
  await writeFile(
    join(dir, 'package.json'),
    '{ "type": "module", "main": "dist/functions/index.js" }\n',
  );
  return { dir, entry: join(dir, 'dist', 'functions', 'index.js'), metafile };
}

interface Row {
  readonly name: string;
  readonly staged: Staged;
  readonly samples: number[];
}

async function sizes(dir: string): Promise<{ files: number; bytes: number; zip: number }> {
  const files = await listFiles(dir);
  let bytes = 0;
  for (const file of files) bytes += (await stat(join(dir, file))).size;
  return { files: files.length, bytes, zip: await writeZip(dir, `${dir}.zip`) };
}

/** Bytes per package (or `src`) in one output file of a bundle. */
function composition(metafile: Metafile, output: string): [string, number][] {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match?.[1] ?? (input.startsWith('src/') ? 'src (promoter)' : input);
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]);
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const rows: Row[] = [
  {
    name: 'bare @azure/functions, node_modules',
    staged: await stageBare(join(packageRoot, 'bare-plain'), false),
    samples: [],
  },
  {
    name: 'bare @azure/functions, esbuild bundle',
    staged: await stageBare(join(packageRoot, 'bare-bundle'), true),
    samples: [],
  },
  {
    name: 'promoter, node_modules (npm ci --omit=dev)',
    staged: await stagePlain(join(packageRoot, 'plain')),
    samples: [],
  },
  {
    name: 'promoter, esbuild bundle (split)',
    staged: await stageBundle(join(packageRoot, 'bundle')),
    samples: [],
  },
];
for (const row of rows) console.log(`${row.name} registers: ${assertLoads(row.staged).join(', ')}`);

// Round-robin, so that machine noise spreads evenly over the variants.
for (let i = 0; i < RUNS; i++) {
  for (const row of rows)
    row.samples.push(importMs(pathToFileURL(row.staged.entry).href, row.staged.dir));
}

console.log(
  `\nnode ${process.version}, ${String(RUNS)} fresh processes per variant, import of the entry module\n`,
);
console.log('| variant | import, median | min | files | unpacked | zip |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const size = await sizes(row.staged.dir);
  console.log(
    `| ${row.name} | ${median(row.samples).toFixed(1)} ms | ${Math.min(...row.samples).toFixed(1)} ms | ${String(size.files)} | ${mib(size.bytes)} | ${mib(size.zip)} |`,
  );
}

/** The entry output and every output it imports statically: what loads at start-up. */
function startupOutputs(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (output: string): void => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return seen;
}

function printComposition(metafile: Metafile, outputs: readonly string[], heading: string): void {
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const output of outputs) {
    total += metafile.outputs[output]?.bytes ?? 0;
    for (const [pkg, bytes] of composition(metafile, output)) {
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytes);
    }
  }
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8);
  const parts = top.map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`).join(', ');
  console.log(`${heading} (${String(outputs.length)} files, ${kib(total)}): ${parts}`);
}

const bundled = rows[3]?.staged.metafile;
if (bundled) {
  const outputs = Object.keys(bundled.outputs).filter((o) => o.endsWith('.js'));
  const entry = outputs.find((o) => o.endsWith('/functions/index.js')) ?? '';
  const startup = startupOutputs(bundled, entry);
  console.log('');
  printComposition(bundled, [...startup], 'bundle, loaded when the worker imports the entry');
  for (const output of outputs.filter((o) => !startup.has(o))) {
    printComposition(bundled, [output], `  lazy: ${output.split('/').at(-1) ?? output}`);
  }
}

const plainDir = rows[2]?.staged.dir ?? '';
console.log(`\nSDK import on its own (node_modules, median of ${String(SDK_RUNS)}):`);
for (const sdk of SDKS) {
  const samples = Array.from({ length: SDK_RUNS }, () => importMs(sdk, plainDir));
  console.log(`  ${sdk}: ${median(samples).toFixed(1)} ms`);
}

const fastest =
  median(rows[3]?.samples ?? []) <= median(rows[2]?.samples ?? []) ? 'bundle' : 'plain';
console.log(
  `\nfaster: ${fastest}; npm run package ships: ${SHIPPED}${fastest === SHIPPED ? '' : ' (update SHIPPED in tools/package.ts)'}`,
);
