import type { RawManifest, Registry } from '../../ports/registry.js';

/**
 * Puts `manifest` (its exact bytes) under `tag`, and checks that the registry stored exactly
 * `manifest.digest`: a registry that stores anything else is refused with an Error naming
 * `doing`, never retried as if it were an outage.
 */
export async function putExactManifest(
  registry: Registry,
  repository: string,
  tag: string,
  manifest: RawManifest,
  doing: string,
): Promise<void> {
  const stored = await registry.putManifest(repository, tag, manifest);
  if (stored !== manifest.digest)
    throw new Error(`${doing}: the registry stored ${stored} under ${tag}, not ${manifest.digest}`);
}
