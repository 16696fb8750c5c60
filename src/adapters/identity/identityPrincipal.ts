import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import type { Principal, ProbeIdentity } from '../../ports/doctorProbes.js';
import { commonProbeFailure, otherFailure } from '../probeFailure.js';

/** The claims of an Entra ID access token that say who it was issued to. */
const claims = z.looseObject({
  oid: z.string().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  upn: z.string().optional(),
  unique_name: z.string().optional(),
  preferred_username: z.string().optional(),
  xms_mirid: z.string().optional(),
  tid: z.string().optional(),
});

/**
 * Who an access token (a JWT) was issued to, from its payload's claims, or undefined when
 * it is not a JWT. The signature is not checked: the doctor only names the identity, it does
 * not trust it. The token itself must never be logged or printed; only these claims are.
 */
export function principalOfToken(token: string): Principal | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = claims.safeParse(json);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  const principal: Principal = {
    objectId: c.oid,
    appId: c.appid ?? c.azp,
    userPrincipalName: c.upn ?? c.unique_name ?? c.preferred_username,
    managedIdentityResourceId: c.xms_mirid,
    tenantId: c.tid,
  };
  return Object.values(principal).some((v) => v !== undefined) ? principal : undefined;
}

/**
 * Asks `credential` for a token for `scope` and names its principal: `token` with the claims,
 * or `token-unavailable` with why (no credential found, sign-in failed). Never throws.
 */
export async function tokenIdentity(
  credential: TokenCredential,
  scope: string,
): Promise<ProbeIdentity> {
  try {
    const token = await credential.getToken(scope);
    if (token === null)
      return {
        kind: 'token-unavailable',
        failure: { kind: 'no-credential', answer: 'the credential returned no token' },
      };
    return { kind: 'token', principal: principalOfToken(token.token) ?? {} };
  } catch (error) {
    return { kind: 'token-unavailable', failure: commonProbeFailure(error) ?? otherFailure(error) };
  }
}
