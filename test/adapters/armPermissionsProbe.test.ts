import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { createArmPermissionsProbe } from '../../src/adapters/arm/armPermissionsProbe.js';
import { freePort } from '../../src/local/services/tcpPorts.js';

// The Resource Manager permissions probe against a local HTTP server answering as Resource
// Manager documents `Permissions - List For Resource` (api-version 2022-04-01): pages with
// `value` and `nextLink`, and `{"error": {code, message}}` on a refusal.

const TOKEN = 'eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.sig';
const credential: TokenCredential = {
  getToken: (scope): Promise<AccessToken> => {
    expect(scope).toBe('https://management.azure.com/.default');
    return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 60_000 });
  },
};
const ID =
  '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function fakeArm(
  answer: (req: IncomingMessage, base: string) => { status: number; body: unknown },
): Promise<{ base: string; seen: { url: string; auth: string | undefined }[] }> {
  const seen: { url: string; auth: string | undefined }[] = [];
  let base = '';
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const { status, body } = answer(req, base);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { base, seen };
}

describe('the Resource Manager permissions probe', () => {
  it("reads the caller's permissions on a resource, following nextLink, with the identity's token", async () => {
    const arm = await fakeArm((req, base) =>
      req.url?.includes('page=2')
        ? {
            status: 200,
            body: {
              value: [
                {
                  actions: ['Microsoft.ContainerRegistry/registries/importImage/action'],
                  notActions: [],
                  dataActions: [],
                  notDataActions: [],
                },
              ],
            },
          }
        : {
            status: 200,
            body: {
              value: [
                {
                  actions: ['*'],
                  notActions: ['Microsoft.Authorization/*/Write'],
                  condition: null,
                },
              ],
              nextLink: `${base}${ID}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01&page=2`,
            },
          },
    );
    const result = await createArmPermissionsProbe({ credential, endpoint: arm.base }).permissions(
      ID,
    );
    expect(arm.seen).toEqual([
      {
        url: `${ID}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`,
        auth: `Bearer ${TOKEN}`,
      },
      {
        url: `${ID}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01&page=2`,
        auth: `Bearer ${TOKEN}`,
      },
    ]);
    expect(result).toEqual({
      ok: true,
      detail: '2 role entries',
      permissions: [
        {
          actions: ['*'],
          notActions: ['Microsoft.Authorization/*/Write'],
          dataActions: [],
          notDataActions: [],
          condition: undefined,
        },
        {
          actions: ['Microsoft.ContainerRegistry/registries/importImage/action'],
          notActions: [],
          dataActions: [],
          notDataActions: [],
          condition: undefined,
        },
      ],
    });
  });

  it("reports a refusal as denied with Resource Manager's code and message, never the token", async () => {
    const arm = await fakeArm(() => ({
      status: 403,
      body: {
        error: {
          code: 'AuthorizationFailed',
          message: 'The client does not have authorization to perform action',
        },
      },
    }));
    const result = await createArmPermissionsProbe({ credential, endpoint: arm.base }).permissions(
      ID,
    );
    expect(result).toEqual({
      ok: false,
      failure: {
        kind: 'denied',
        status: 403,
        answer:
          'HTTP 403 AuthorizationFailed: The client does not have authorization to perform action',
      },
    });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('reports Resource Manager out of reach as unreachable', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const result = await createArmPermissionsProbe({ credential, endpoint }).permissions(ID);
    expect(!result.ok && result.failure.kind).toBe('unreachable');
  });
});
