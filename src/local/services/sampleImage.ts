import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** A written OCI image layout and how skopeo names it. */
export interface SampleImage {
  layoutDir: string;
  /** `oci:<layoutDir>:latest`, a skopeo source reference. */
  reference: string;
  /** The manifest's digest (`sha256:…`): what a registry reports after the push. */
  digest: string;
}

const FIXED_TIME = new Date('2024-01-01T00:00:00Z');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Writes a tiny valid single-arch OCI image layout into `dir` (oci-layout, index.json with the
 * tag `latest`, and blobs: a config, one gzipped tar layer holding `/hello.txt` with `content`,
 * a manifest), without any tool or network. The same content gives the same digest; a different
 * content gives a different one.
 */
export async function writeSampleImage(
  dir: string,
  options: { content?: string } = {},
): Promise<SampleImage> {
  const content = options.content ?? 'hello from promoter\n';
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const writeBlob = async (bytes: Buffer): Promise<{ digest: string; size: number }> => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };

  const tar = tarWithOneFile('hello.txt', Buffer.from(content, 'utf8'), FIXED_TIME);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const layer = await writeBlob(gzipSync(tar));
  const config = await writeBlob(
    json({
      created: FIXED_TIME.toISOString(),
      architecture: goArch(process.arch),
      os: 'linux',
      config: { Labels: { 'org.opencontainers.image.title': 'promoter sample image' } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: FIXED_TIME.toISOString(), created_by: 'promoter writeSampleImage' }],
    }),
  );
  const manifest = await writeBlob(
    json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  await writeFile(path.join(dir, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  return { layoutDir: dir, reference: `oci:${dir}:latest`, digest: manifest.digest };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function goArch(arch: string): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return names[arch] ?? arch;
}

/** A POSIX ustar archive holding one regular file (mode 0644, owner 0:0). */
function tarWithOneFile(name: string, data: Buffer, mtime: Date): Buffer {
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([tarHeader(name, data.length, mtime), data, padding, Buffer.alloc(1024)]);
}

/**
 * The POSIX ustar header of one regular file of `size` bytes (mode 0644, owner root 0:0); the
 * file's bytes follow it, padded to 512, and two zero blocks end the archive.
 */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string): void => {
    header.write(value.slice(0, length), offset, length, 'ascii');
  };
  const octal = (value: number, length: number): string =>
    `${value.toString(8).padStart(length - 1, '0')}\0`;
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(size, 12));
  put(136, 12, octal(Math.floor(mtime.getTime() / 1000), 12));
  put(148, 8, ' '.repeat(8)); // checksum is computed with this field as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}
