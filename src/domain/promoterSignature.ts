import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signature of a signed `POST /api/approvals`: `sha256=<hex>`. */
export const PROMOTER_SIGNATURE_HEADER = 'X-Promoter-Signature';
/** Header carrying the unix time (seconds) the request was signed at. */
export const PROMOTER_TIMESTAMP_HEADER = 'X-Promoter-Timestamp';
/** How far (seconds, past or future) a request's timestamp may be from now. */
export const PROMOTER_MAX_SKEW_SECONDS = 300;

/** HMAC-SHA256 of `{timestamp}.{body}`, keyed with the secret's UTF-8 bytes. */
function hmac(timestamp: string, body: string | Uint8Array, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The two headers that sign `body` at `now`: the signing scheme of `POST /api/approvals`, for
 * systems that can only call a URL.
 *
 * - `X-Promoter-Timestamp`: the unix time in whole seconds, as decimal digits (`1764237600`);
 * - `X-Promoter-Signature`: `sha256=` + the lowercase hex HMAC-SHA256, keyed with the UTF-8
 *   bytes of `PROMOTER_APPROVALS_HMAC_SECRET`, of the bytes of
 *   `{X-Promoter-Timestamp}` + `.` + `{raw body}` — the header's exact text, a full stop, then
 *   the body exactly as sent.
 *
 * The timestamp is signed together with the body, so neither can be swapped for another: a
 * captured request is good for 5 minutes only, and within them the server refuses a signature
 * it has seen (sign every attempt anew; two identical requests in one second are one).
 */
export function signPromoterRequest(
  body: string | Uint8Array,
  secret: string,
  now: Date,
): { readonly 'X-Promoter-Timestamp': string; readonly 'X-Promoter-Signature': string } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    [PROMOTER_TIMESTAMP_HEADER]: timestamp,
    [PROMOTER_SIGNATURE_HEADER]: `sha256=${hmac(timestamp, body, secret).toString('hex')}`,
  };
}

/**
 * Verifies a signed request (the scheme of `signPromoterRequest`) in constant time, with its
 * timestamp at most 5 minutes from `now`. On success, `signature` is the verified hex: the
 * request's replay key. Pure: `body` must be the exact bytes received, before any parsing.
 */
export function verifyPromoterSignature(
  headers: Pick<Headers, 'get'>,
  body: string | Uint8Array,
  secret: string,
  now: Date,
):
  | { readonly ok: true; readonly signature: string }
  | { readonly ok: false; readonly reason: string } {
  const signature = headers.get(PROMOTER_SIGNATURE_HEADER)?.trim() ?? '';
  const timestamp = headers.get(PROMOTER_TIMESTAMP_HEADER)?.trim() ?? '';
  if (signature === '') return { ok: false, reason: `missing ${PROMOTER_SIGNATURE_HEADER} header` };
  if (timestamp === '') return { ok: false, reason: `missing ${PROMOTER_TIMESTAMP_HEADER} header` };
  if (!/^[0-9]{1,15}$/.test(timestamp))
    return {
      ok: false,
      reason: `malformed ${PROMOTER_TIMESTAMP_HEADER} header: expected unix seconds`,
    };
  const skew = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(skew) > PROMOTER_MAX_SKEW_SECONDS) {
    const hint = Number(timestamp) > 1e11 ? ' (milliseconds? send whole seconds)' : '';
    return {
      ok: false,
      reason: `${PROMOTER_TIMESTAMP_HEADER} is ${Math.round(Math.abs(skew))} s in the ${skew > 0 ? 'past' : 'future'}${hint}; at most ${PROMOTER_MAX_SKEW_SECONDS} s are allowed`,
    };
  }
  const hex = /^sha256=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (hex === undefined)
    return {
      ok: false,
      reason: `malformed ${PROMOTER_SIGNATURE_HEADER} header: expected sha256=<64 lowercase hex digits>`,
    };
  // Both are 32 bytes: the hex was checked above, so timingSafeEqual never sees unequal lengths.
  if (!timingSafeEqual(hmac(timestamp, body, secret), Buffer.from(hex, 'hex')))
    return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true, signature: hex };
}
