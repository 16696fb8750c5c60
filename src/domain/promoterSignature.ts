import {
  timestampedHmac,
  verifyTimestampedHmac,
  type SignatureVerdict,
  type TimestampedHmacScheme,
} from './timestampedHmac.js';

/** Header carrying the signature of a signed `POST /api/approvals`: `sha256=<hex>`. */
export const PROMOTER_SIGNATURE_HEADER = 'X-Promoter-Signature';
/** Header carrying the unix time (seconds) the request was signed at. */
export const PROMOTER_TIMESTAMP_HEADER = 'X-Promoter-Timestamp';
/** How far (seconds, past or future) a request's timestamp may be from now. */
export const PROMOTER_MAX_SKEW_SECONDS = 300;

/** HMAC-SHA256 of `{timestamp}.{body}`, keyed with the secret's UTF-8 bytes. */
const PROMOTER_SCHEME: TimestampedHmacScheme = {
  signatureHeader: PROMOTER_SIGNATURE_HEADER,
  timestampHeader: PROMOTER_TIMESTAMP_HEADER,
  prefix: 'sha256=',
  signedText: (timestamp) => `${timestamp}.`,
  maxSkewSeconds: PROMOTER_MAX_SKEW_SECONDS,
  millisecondsHint: '(milliseconds? send whole seconds)',
};

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
    [PROMOTER_SIGNATURE_HEADER]: `sha256=${timestampedHmac(PROMOTER_SCHEME, timestamp, body, secret).toString('hex')}`,
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
): SignatureVerdict {
  return verifyTimestampedHmac(PROMOTER_SCHEME, headers, body, secret, now);
}
