import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { isoTimeOf } from '../../domain/isoDate.js';
import type { RawManifest, Registry } from '../../ports/registry.js';

const manifestJson = z.looseObject({
  config: z.looseObject({ digest: z.string() }).optional(),
  manifests: z.array(z.looseObject({ digest: z.string() })).optional(),
});
const configJson = z.looseObject({ created: z.string().optional() });

/**
 * When the image was built, as its config's `created` says (ISO 8601), for a registry whose
 * listing gives no push time (the distribution registry): for an image manifest its config,
 * for an index the config of its first manifest. One or two registry GETs. Undefined when
 * there is no such time (not an image, no `created`, a blob gone, bytes that do not parse);
 * a transient registry failure is thrown. A builder that sets `created` to a fixed time
 * (reproducible builds: ko, Bazel, `SOURCE_DATE_EPOCH`) gives equal or commit times; equal
 * times count as not newer.
 */
export async function imageCreated(
  registry: Registry,
  repository: string,
  manifest: RawManifest,
): Promise<string | undefined> {
  try {
    let parsed = parse(manifestJson, manifest.content);
    const first = parsed?.manifests?.[0]?.digest;
    if (parsed?.config === undefined && first !== undefined)
      parsed = parse(manifestJson, (await registry.getManifest(repository, first)).content);
    const config = parsed?.config?.digest;
    if (config === undefined) return undefined;
    return isoTimeOf(parse(configJson, await registry.getBlob(repository, config))?.created);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function parse<T>(schema: z.ZodType<T>, bytes: Uint8Array): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
