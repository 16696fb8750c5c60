import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A request-signing scheme of the kind Slack and promoter's own approvals endpoint use: a
 * timestamp header (unix seconds) and a signature header `<prefix><64 lowercase hex>`, the
 * HMAC-SHA256 keyed with the secret's UTF-8 bytes of `signedText(timestamp)` followed by the
 * raw body, with the timestamp at most `maxSkewSeconds` from now.
 */
export interface TimestampedHmacScheme {
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  /** What precedes the hex in the signature header: `v0=`, `sha256=`. */
  readonly prefix: string;
  /** The text signed before the body, from the timestamp header's exact text. */
  readonly signedText: (timestamp: string) => string;
  readonly maxSkewSeconds: number;
  /** Added to the skew error for a timestamp that looks like milliseconds, if given. */
  readonly millisecondsHint?: string;
}

export type SignatureVerdict =
  | { readonly ok: true; readonly signature: string }
  | { readonly ok: false; readonly reason: string };

/** The lowercase hex HMAC-SHA256 of `signedText(timestamp)` + body. */
export function timestampedHmac(
  scheme: TimestampedHmacScheme,
  timestamp: string,
  body: string | Uint8Array,
  secret: string,
): Buffer {
  return createHmac('sha256', secret).update(scheme.signedText(timestamp)).update(body).digest();
}

/**
 * Verifies a request signed with `scheme`, in constant time. On success, `signature` is the
 * verified hex: the request's replay key. Pure: `body` must be the exact bytes received, before
 * any parsing. Each refusal says which header is missing, malformed or stale.
 */
export function verifyTimestampedHmac(
  scheme: TimestampedHmacScheme,
  headers: Pick<Headers, 'get'>,
  body: string | Uint8Array,
  secret: string,
  now: Date,
): SignatureVerdict {
  const { signatureHeader, timestampHeader, prefix, maxSkewSeconds } = scheme;
  const signature = headers.get(signatureHeader)?.trim() ?? '';
  const timestamp = headers.get(timestampHeader)?.trim() ?? '';
  if (signature === '') return { ok: false, reason: `missing ${signatureHeader} header` };
  if (timestamp === '') return { ok: false, reason: `missing ${timestampHeader} header` };
  if (!/^[0-9]{1,15}$/.test(timestamp))
    return { ok: false, reason: `malformed ${timestampHeader} header: expected unix seconds` };
  const skew = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(skew) > maxSkewSeconds) {
    const hint = scheme.millisecondsHint !== undefined && Number(timestamp) > 1e11;
    return {
      ok: false,
      reason: `${timestampHeader} is ${Math.round(Math.abs(skew))} s in the ${skew > 0 ? 'past' : 'future'}${hint ? ` ${scheme.millisecondsHint}` : ''}; at most ${maxSkewSeconds} s are allowed`,
    };
  }
  const hex = signature.startsWith(prefix) ? signature.slice(prefix.length) : '';
  if (!/^[0-9a-f]{64}$/.test(hex))
    return {
      ok: false,
      reason: `malformed ${signatureHeader} header: expected ${prefix}<64 lowercase hex digits>`,
    };
  // Both are 32 bytes: the hex was checked above, so timingSafeEqual never sees unequal lengths.
  if (!timingSafeEqual(timestampedHmac(scheme, timestamp, body, secret), Buffer.from(hex, 'hex')))
    return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true, signature: hex };
}
