import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying a Teams outgoing webhook's signature: `HMAC <base64>`. */
export const TEAMS_SIGNATURE_HEADER = 'Authorization';

/** A base64 HMAC-SHA256: 32 bytes, 44 characters with one `=` of padding. */
const base64Sha256 = /^HMAC\s+([A-Za-z0-9+/]{43}=)$/i;

/**
 * Verifies a Teams outgoing webhook request: `Authorization: HMAC <base64>`, where the base64
 * is the HMAC-SHA256 of the raw body bytes keyed with the base64-DECODED security token that
 * Teams showed when the webhook was created. The comparison is in constant time.
 *
 * Teams sends no timestamp, so the signature alone cannot stop a replay: the caller refuses
 * an activity id it has seen. Pure: `body` must be the exact bytes received.
 */
export function verifyTeamsSignature(
  headers: Pick<Headers, 'get'>,
  body: string | Uint8Array,
  securityToken: string,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const authorization = headers.get(TEAMS_SIGNATURE_HEADER)?.trim() ?? '';
  if (authorization === '')
    return { ok: false, reason: `missing ${TEAMS_SIGNATURE_HEADER} header` };
  const presented = base64Sha256.exec(authorization)?.[1];
  if (presented === undefined)
    return {
      ok: false,
      reason: `malformed ${TEAMS_SIGNATURE_HEADER} header: expected HMAC <base64 of 32 bytes>`,
    };
  const expected = createHmac('sha256', Buffer.from(securityToken, 'base64')).update(body).digest();
  const actual = Buffer.from(presented, 'base64');
  // The pattern admits only 32-byte values; the length check keeps timingSafeEqual from throwing.
  if (actual.length !== expected.length || !timingSafeEqual(expected, actual))
    return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true };
}
