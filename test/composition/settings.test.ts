import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/composition/config.js';
import { SETTINGS } from '../../src/composition/settingsSchema.js';

const sample = JSON.parse(
  readFileSync(new URL('../../local.settings.sample.json', import.meta.url), 'utf8'),
) as {
  Values: Record<string, string>;
};
const configurationDoc = readFileSync(
  new URL('../../docs/configuration.md', import.meta.url),
  'utf8',
);
/** Settings the Functions host itself reads. */
const hostSettings = [
  'FUNCTIONS_WORKER_RUNTIME',
  'AzureWebJobsStorage',
  // The promotions trigger's identity-based connection, read by the Functions host.
  'ServiceBusConnection__fullyQualifiedNamespace',
];

describe('settings', () => {
  it('local.settings.sample.json names every setting the app reads, and no other', () => {
    expect(Object.keys(sample.Values).sort()).toEqual([...SETTINGS, ...hostSettings].sort());
  });

  it('docs/configuration.md documents every setting the app reads', () => {
    const missing = SETTINGS.filter((name) => !configurationDoc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('the sample settings are valid settings', () => {
    expect(() => loadConfig(sample.Values)).not.toThrow();
  });
});
