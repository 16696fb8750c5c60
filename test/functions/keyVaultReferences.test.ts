import { createHmac } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { servicesFrom } from '../../src/composition/createServices.js';
import { chatSlack } from '../../src/functions/chatSlack.js';
import { registryWebhook } from '../../src/functions/registryWebhook.js';
import { acrFixture } from '../support/fixtures.js';
import { bearer, invoke, SECRET } from '../support/handlers.js';

// An app setting whose Key Vault reference App Service could not resolve holds the reference
// text itself. The real settings loader and services (Azurite for the ledger) behind the real
// handlers: the reference is refused by name, and once the setting holds the secret the same
// provider serves requests, without a new process.

const REFERENCE =
  '@Microsoft.KeyVault(SecretUri=https://promoter-kv.vault.azure.net/secrets/webhook-secret/)';
const SIGNING_SECRET = 'slack-signing-secret-0123456789abcdef';

function environment(overrides: Record<string, string>): Record<string, string | undefined> {
  return {
    PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
    PROMOTER_TABLE_PREFIX: `${inject('tablePrefix')}kv${Math.floor(Math.random() * 1e6)}`,
    PROMOTER_WEBHOOK_SECRET: SECRET,
    ...overrides,
  };
}

function signedSlash(text: string) {
  const body = new URLSearchParams({ command: '/promote', text, user_id: 'U1' }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    url: 'http://localhost:7071/api/chat/slack',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
  };
}

describe('unresolved Key Vault references', () => {
  it('never accepts the reference text as the webhook secret, names the setting and the fix, and recovers once it is resolved', async () => {
    const env = environment({ PROMOTER_WEBHOOK_SECRET: REFERENCE });
    const handler = registryWebhook(servicesFrom(env));

    // A sender that presents the literal reference text is not let in.
    const refused = await invoke(handler, {
      body: acrFixture('acr-ping.json'),
      headers: bearer(REFERENCE),
    });
    expect(refused.status).toBe(500);
    expect(JSON.stringify(refused.body)).not.toContain('KeyVault');
    const log = refused.logs.join('\n');
    expect(log).toContain('PROMOTER_WEBHOOK_SECRET: is an unresolved Key Vault reference');
    expect(log).toContain('Key Vault Secrets User');
    expect(log).toContain('configreferences/appsettings/PROMOTER_WEBHOOK_SECRET');
    expect(log).not.toContain('promoter-kv.vault.azure.net');

    // The setting now holds the secret: the same provider loads the settings again.
    env.PROMOTER_WEBHOOK_SECRET = SECRET;
    const accepted = await invoke(handler, {
      body: acrFixture('acr-ping.json'),
      headers: bearer(),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ results: [{ outcome: 'acknowledged' }] });
  });

  it('refuses an optional secret that is an unresolved reference, instead of running without it', async () => {
    const env = environment({
      SLACK_SIGNING_SECRET: '@Microsoft.KeyVault(VaultName=promoter-kv;SecretName=slack-signing)',
    });
    const handler = chatSlack(servicesFrom(env));
    const refused = await invoke(handler, signedSlash('help'));
    expect(refused.status).toBe(500);
    expect(refused.logs.join('\n')).toContain(
      'SLACK_SIGNING_SECRET: is an unresolved Key Vault reference',
    );

    env.SLACK_SIGNING_SECRET = SIGNING_SECRET;
    const answered = await invoke(handler, signedSlash('help'));
    expect(answered.status).toBe(200);
    expect((answered.body as { text: string }).text).toContain('/promote approve');
  });
});
