import { inject } from 'vitest';
import type { RegistryService } from '../../src/local/services/registry.js';
import { startRegistryLike } from '../../bench/lossyRegistry.js';

export { startDroppingProxy, type DroppingProxy } from '../../bench/lossyRegistry.js';

/**
 * A distribution registry of a test's own, with the suite registry's certificate (so this
 * process, and skopeo with the suite's cert dir, trust it) and its notifications sent to
 * `notify.url`, or none at all.
 */
export function startOwnRegistry(
  stateDir: string,
  notify: { readonly url: string; readonly secret: string } | undefined,
): Promise<RegistryService> {
  return startRegistryLike(inject('registryCertFile'), stateDir, notify);
}
