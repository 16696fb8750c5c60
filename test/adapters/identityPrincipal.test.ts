import {
  AggregateAuthenticationError,
  AuthenticationError,
  CredentialUnavailableError,
  type TokenCredential,
} from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { principalOfToken, tokenIdentity } from '../../src/adapters/identity/identityPrincipal.js';
import { redact } from '../../src/adapters/probeFailure.js';

/** An unsigned JWT with these claims (the doctor never checks signatures). */
const jwt = (claims: Record<string, unknown>) =>
  [
    Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify(claims)).toString('base64url'),
    'signature',
  ].join('.');

const credentialGiving = (token: string): TokenCredential => ({
  getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});
const credentialFailing = (error: Error): TokenCredential => ({
  getToken: () => Promise.reject(error),
});

describe('naming the identity from its access token', () => {
  it('reads a user: object id and sign-in name', () => {
    expect(
      principalOfToken(
        jwt({ oid: 'o-1', upn: 'alice@contoso.com', tid: 't-1', appid: '04b07795-cli' }),
      ),
    ).toEqual({
      objectId: 'o-1',
      appId: '04b07795-cli',
      userPrincipalName: 'alice@contoso.com',
      managedIdentityResourceId: undefined,
      tenantId: 't-1',
    });
  });

  it('reads a managed identity: object id, client id and resource id', () => {
    expect(
      principalOfToken(
        jwt({
          oid: 'o-2',
          appid: 'c-2',
          xms_mirid: '/subscriptions/s/…/userAssignedIdentities/id-promoter',
        }),
      ),
    ).toMatchObject({
      objectId: 'o-2',
      appId: 'c-2',
      managedIdentityResourceId: '/subscriptions/s/…/userAssignedIdentities/id-promoter',
    });
  });

  it('gives nothing for a token that is not a JWT', () => {
    expect(principalOfToken('opaque-token')).toBeUndefined();
    expect(principalOfToken('a.!!!.c')).toBeUndefined();
  });

  it('asks the credential once for a token and keeps only its claims', async () => {
    const identity = await tokenIdentity(
      credentialGiving(jwt({ oid: 'o-3', upn: 'bob@contoso.com' })),
      'https://storage.azure.com/.default',
    );
    expect(identity).toEqual({
      kind: 'token',
      principal: expect.objectContaining({
        objectId: 'o-3',
        userPrincipalName: 'bob@contoso.com',
      }) as unknown,
    });
    expect(JSON.stringify(identity)).not.toContain('eyJ');
  });

  it.each<[string, Error, string]>([
    [
      'CredentialUnavailableError',
      new CredentialUnavailableError('Azure CLI could not be found'),
      'no-credential',
    ],
    [
      'AggregateAuthenticationError',
      new AggregateAuthenticationError(
        [new CredentialUnavailableError('EnvironmentCredential is unavailable')],
        'ChainedTokenCredential authentication failed.',
      ),
      'no-credential',
    ],
    [
      'AuthenticationError',
      new AuthenticationError(400, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      }),
      'sign-in-failed',
    ],
  ])('a credential failing with %s is %s', async (_name, error, kind) => {
    const identity = await tokenIdentity(
      credentialFailing(error),
      'https://storage.azure.com/.default',
    );
    expect(identity).toMatchObject({ kind: 'token-unavailable', failure: { kind } });
  });
});

describe('redacting answers', () => {
  it.each([
    [
      'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0a2V5PT0=;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=***;EndpointSuffix=core.windows.net',
    ],
    [
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc/def+=',
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=***',
    ],
    [
      'https://st.table.core.windows.net/t?sv=2024&sig=abc%2Bdef&se=1',
      'https://st.table.core.windows.net/t?sv=2024&sig=***&se=1',
    ],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer ***'],
    ['Authorization: Basic Y2k6cGFzc3dvcmQ=', 'Authorization: Basic ***'],
    ['WWW-Authenticate: Basic realm="promoter"', 'WWW-Authenticate: Basic realm="promoter"'],
    [
      'WWW-Authenticate: Bearer realm="https://myacr.azurecr.io/oauth2/token",service="myacr.azurecr.io"',
      'WWW-Authenticate: Bearer realm="https://myacr.azurecr.io/oauth2/token",service="myacr.azurecr.io"',
    ],
    [`token ${jwt({ oid: 'x' })} leaked`, 'token *** leaked'],
  ])('%s', (text, redacted) => {
    expect(redact(text)).toBe(redacted);
  });
});
