import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** An image (or index) in a local OCI layout, ready for `skopeo copy`. */
export interface BuiltImage {
  layoutDir: string;
  tag: string;
  /** `oci:<layoutDir>:<tag>` */
  reference: string;
  /** Digest of the manifest (or index) that `tag` names in the layout. */
  digest: string;
  mediaType: string;
}

/** An OCI image index built by {@link buildIndex}, with its per-architecture manifests. */
export interface BuiltIndex extends BuiltImage {
  manifests: { architecture: string; digest: string }[];
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const REF_NAME = 'org.opencontainers.image.ref.name';

const descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.object({ architecture: z.string(), os: z.string() }).optional(),
});
const indexJson = z.looseObject({ schemaVersion: z.number(), manifests: z.array(descriptor) });
type Descriptor = z.infer<typeof descriptor>;

/** Runs a command without a shell; resolves to its stdout bytes, rejects with its stderr. */
export function run(command: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.toString('utf8').trim() || error.message;
          reject(new Error(`${command} ${args.join(' ')} failed: ${detail}`, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/**
 * Builds a single-architecture OCI image with umoci in `<workDir>/layout` under `tag`
 * (default `latest`): an empty image whose one layer holds `/hello.txt` with `content`.
 */
export async function buildImage(
  workDir: string,
  options: { content: string; arch?: string; tag?: string },
): Promise<BuiltImage> {
  const layoutDir = path.join(workDir, 'layout');
  const tag = options.tag ?? 'latest';
  const image = `${layoutDir}:${tag}`;
  await mkdir(workDir, { recursive: true });
  if (!existsSync(path.join(layoutDir, 'index.json'))) {
    await run('umoci', ['init', '--layout', layoutDir]);
  }
  await run('umoci', ['new', '--image', image]);
  await run('umoci', [
    'config',
    '--image',
    image,
    '--os',
    'linux',
    '--architecture',
    options.arch ?? 'amd64',
  ]);
  const bundle = path.join(await mkdtemp(path.join(workDir, 'bundle-')), 'b');
  await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
  await writeFile(path.join(bundle, 'rootfs', 'hello.txt'), options.content);
  await run('umoci', ['repack', '--image', image, bundle]);
  await rm(path.dirname(bundle), { recursive: true, force: true });
  const found = await descriptorFor(layoutDir, tag);
  return {
    layoutDir,
    tag,
    reference: `oci:${image}`,
    digest: found.digest,
    mediaType: found.mediaType,
  };
}

/**
 * Builds one image per architecture (tags `<tag>-<arch>`, contents differing by arch) and an
 * OCI image index over them under `tag` (default `latest`). umoci has no index command, so the
 * index blob is written here and index.json points at it through `org.opencontainers.image.ref.name`.
 */
export async function buildIndex(
  workDir: string,
  options: { content: string; arches?: readonly string[]; tag?: string },
): Promise<BuiltIndex> {
  const tag = options.tag ?? 'latest';
  const manifests: (Descriptor & { architecture: string })[] = [];
  for (const architecture of options.arches ?? ['amd64', 'arm64']) {
    const built = await buildImage(workDir, {
      content: `${options.content} (${architecture})`,
      arch: architecture,
      tag: `${tag}-${architecture}`,
    });
    manifests.push({ ...(await descriptorFor(built.layoutDir, built.tag)), architecture });
  }
  const layoutDir = path.join(workDir, 'layout');
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: manifests.map((m) => ({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        platform: { architecture: m.architecture, os: 'linux' },
      })),
    }),
  );
  const hex = createHash('sha256').update(index).digest('hex');
  await writeFile(path.join(layoutDir, 'blobs', 'sha256', hex), index);
  const top = await readIndexJson(layoutDir);
  top.manifests = [
    ...top.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag),
    {
      mediaType: OCI_INDEX,
      digest: `sha256:${hex}`,
      size: index.length,
      annotations: { [REF_NAME]: tag },
    },
  ];
  await writeFile(path.join(layoutDir, 'index.json'), JSON.stringify(top));
  return {
    layoutDir,
    tag,
    reference: `oci:${layoutDir}:${tag}`,
    digest: `sha256:${hex}`,
    mediaType: OCI_INDEX,
    manifests: manifests.map((m) => ({ architecture: m.architecture, digest: m.digest })),
  };
}

/**
 * `skopeo copy` from `source` (e.g. `oci:dir:tag`) to `docker://<dest>` trusting `certDir`;
 * `all` copies a whole index. Resolves to the digest skopeo wrote (`--digestfile`).
 */
export async function push(
  source: string,
  dest: string,
  certDir: string,
  options: { all?: boolean } = {},
): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'promoter-digest-'));
  const digestFile = path.join(tmp, 'digest');
  try {
    await run('skopeo', [
      'copy',
      ...(options.all === true ? ['--all'] : []),
      '--dest-cert-dir',
      certDir,
      '--digestfile',
      digestFile,
      source,
      `docker://${dest}`,
    ]);
    return (await readFile(digestFile, 'utf8')).trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The raw manifest (or index) of `ref` (`localhost:PORT/repo:tag`), its digest and media type. */
export async function inspectRaw(
  ref: string,
  certDir: string,
): Promise<{ raw: Buffer; digest: string; mediaType: string | undefined }> {
  const raw = await run('skopeo', ['inspect', '--raw', '--cert-dir', certDir, `docker://${ref}`]);
  const parsed = z
    .looseObject({ mediaType: z.string().optional() })
    .parse(JSON.parse(raw.toString('utf8')));
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  return { raw, digest, mediaType: parsed.mediaType };
}

/** The digest of `ref` as the registry serves it: sha256 of `skopeo inspect --raw`'s bytes. */
export async function inspectDigest(ref: string, certDir: string): Promise<string> {
  return (await inspectRaw(ref, certDir)).digest;
}

async function readIndexJson(layoutDir: string): Promise<z.infer<typeof indexJson>> {
  return indexJson.parse(JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8')));
}

async function descriptorFor(layoutDir: string, tag: string): Promise<Descriptor> {
  const found = (await readIndexJson(layoutDir)).manifests.find(
    (m) => m.annotations?.[REF_NAME] === tag,
  );
  if (found === undefined) throw new Error(`no ${tag} in ${layoutDir}/index.json`);
  return found;
}
