import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The shared ACR webhook fixtures (../shared/fixtures/webhooks beside the repository),
 * falling back to the copy in test/fixtures/acr when the shared folder is absent.
 */
export const acrFixtureDir =
  [join(here, '../../../shared/fixtures/webhooks'), join(here, '../fixtures/acr')].find((dir) => {
    try {
      return readdirSync(dir).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  }) ?? join(here, '../fixtures/acr');

/** The raw text of an ACR fixture, e.g. `acr-push.json`. */
export function acrFixture(name: string): string {
  return readFileSync(join(acrFixtureDir, name), 'utf8');
}
