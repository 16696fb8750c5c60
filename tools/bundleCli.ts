import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ESM_SHIMS, projectRoot } from './package.js';

/**
 * The `promoter` bin as one ESM bundle (part of `npm run build`): `dist/cli/promoter.js`
 * (package.json `bin`) replaces the file tsc wrote, with what it imports lazily (the Service Bus
 * and Azure SDKs, `promoter doctor`'s probes) in `dist/cli/chunks/`. One file to read, parse and
 * compile instead of about 200 modules: `promoter approve --wait` loads commander, zod, semver
 * and the CLI's own code, nothing else.
 */
export async function bundleCli(outdir = join(projectRoot, 'dist', 'cli')): Promise<Metafile> {
  await rm(join(outdir, 'chunks'), { recursive: true, force: true });
  const result = await build({
    entryPoints: { promoter: join(projectRoot, 'src', 'cli', 'promoter.ts') },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    // The shebang line of src/cli/promoter.ts stays first; the shims follow it.
    banner: { js: ESM_SHIMS },
    metafile: true,
    absWorkingDir: projectRoot,
    logLevel: 'error',
  });
  return result.metafile;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const metafile = await bundleCli();
  const entry = Object.entries(metafile.outputs).find(([file]) => file.endsWith('promoter.js'));
  console.log(
    `promoter CLI bundled: ${entry?.[0] ?? '?'} (${((entry?.[1].bytes ?? 0) / 1024).toFixed(0)} KiB)`,
  );
}
