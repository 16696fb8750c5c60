import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeSampleImage, type SampleImage } from '../src/local/services/sampleImage.js';

const execFileAsync = promisify(execFile);

/** Runs skopeo without a shell; rejects with its exit status and stderr. */
const skopeo = (args: readonly string[]) => execFileAsync('skopeo', args);

/** A distinct image in a local OCI layout, with the git SHA it is pushed as. */
export interface BenchImage extends SampleImage {
  readonly sha: string;
}

/**
 * Writes `count` distinct images (different content, so different layer, config and manifest
 * digests) with plain Node: no umoci, a few milliseconds each.
 */
export async function prepareImages(dir: string, count: number): Promise<BenchImage[]> {
  const images: BenchImage[] = [];
  for (let i = 0; i < count; i++) {
    const sha = randomBytes(20).toString('hex');
    const image = await writeSampleImage(path.join(dir, `image-${i}`), {
      content: `promoter bench image ${i} ${sha}\n`,
    });
    images.push({ ...image, sha });
  }
  return images;
}

/** `skopeo copy` of a local image to `docker://<registry>/<repository>:<tag>`. */
export async function pushImage(
  image: SampleImage,
  destination: string,
  certDir: string,
): Promise<void> {
  await skopeo(['copy', '--dest-cert-dir', certDir, image.reference, `docker://${destination}`]);
}

/** `skopeo copy` registry → registry: the retag baseline promoter is compared with. */
export async function skopeoRetag(
  registry: string,
  repository: string,
  from: string,
  to: string,
  certDir: string,
): Promise<void> {
  await skopeo([
    'copy',
    '--src-cert-dir',
    certDir,
    '--dest-cert-dir',
    certDir,
    `docker://${registry}/${repository}:${from}`,
    `docker://${registry}/${repository}:${to}`,
  ]);
}
