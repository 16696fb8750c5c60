import {
  verifyTimestampedHmac,
  type SignatureVerdict,
  type TimestampedHmacScheme,
} from '../../domain/timestampedHmac.js';

/** Header carrying Slack's signature: `v0=<hex>`. */
export const SLACK_SIGNATURE_HEADER = 'X-Slack-Signature';
/** Header carrying the unix time (seconds) Slack signed the request at. */
export const SLACK_TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp';
/** How far (seconds, past or future) a request's timestamp may be from now. */
export const SLACK_MAX_SKEW_SECONDS = 300;

const SLACK_SCHEME: TimestampedHmacScheme = {
  signatureHeader: SLACK_SIGNATURE_HEADER,
  timestampHeader: SLACK_TIMESTAMP_HEADER,
  prefix: 'v0=',
  signedText: (timestamp) => `v0:${timestamp}:`,
  maxSkewSeconds: SLACK_MAX_SKEW_SECONDS,
};

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
): SignatureVerdict {
  return verifyTimestampedHmac(SLACK_SCHEME, headers, body, signingSecret, now);
}
