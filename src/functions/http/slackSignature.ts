import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying Slack's signature: `v0=<hex>`. */
export const SLACK_SIGNATURE_HEADER = 'X-Slack-Signature';
/** Header carrying the unix time (seconds) Slack signed the request at. */
export const SLACK_TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp';
/** How far (seconds, past or future) a request's timestamp may be from now. */
export const SLACK_MAX_SKEW_SECONDS = 300;

/**
 * Verifies Slack's request signature: `X-Slack-Signature` must be `v0=` + the lowercase hex
 * HMAC-SHA256, keyed with the app's signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw
 * body}`, and the timestamp at most 5 minutes from `now` (past or future). The comparison is
 * in constant time. On success, `signature` is the verified hex: the request's replay key.
 *
 * Pure: `body` must be the exact bytes received (form-encoded for slash commands,
 * `payload=<json>` for interactive payloads), before any parsing.
 */
export function verifySlackSignature(
  headers: Pick<Headers, 'get'>,
  body: string | Uint8Array,
  signingSecret: string,
  now: Date,
):
  | { readonly ok: true; readonly signature: string }
  | { readonly ok: false; readonly reason: string } {
  const signature = headers.get(SLACK_SIGNATURE_HEADER)?.trim() ?? '';
  const timestamp = headers.get(SLACK_TIMESTAMP_HEADER)?.trim() ?? '';
  if (signature === '') return { ok: false, reason: `missing ${SLACK_SIGNATURE_HEADER} header` };
  if (timestamp === '') return { ok: false, reason: `missing ${SLACK_TIMESTAMP_HEADER} header` };
  if (!/^[0-9]{1,15}$/.test(timestamp))
    return {
      ok: false,
      reason: `malformed ${SLACK_TIMESTAMP_HEADER} header: expected unix seconds`,
    };
  const skew = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(skew) > SLACK_MAX_SKEW_SECONDS)
    return {
      ok: false,
      reason: `${SLACK_TIMESTAMP_HEADER} is ${Math.round(Math.abs(skew))} s in the ${skew > 0 ? 'past' : 'future'}; at most ${SLACK_MAX_SKEW_SECONDS} s are allowed`,
    };
  const hex = /^v0=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (hex === undefined)
    return {
      ok: false,
      reason: `malformed ${SLACK_SIGNATURE_HEADER} header: expected v0=<64 lowercase hex digits>`,
    };
  const expected = createHmac('sha256', signingSecret)
    .update(`v0:${timestamp}:`)
    .update(body)
    .digest();
  // Both are 32 bytes: the hex was checked above, so timingSafeEqual never sees unequal lengths.
  if (!timingSafeEqual(expected, Buffer.from(hex, 'hex')))
    return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true, signature: hex };
}
