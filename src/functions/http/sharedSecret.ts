import { createHash, timingSafeEqual } from 'node:crypto';

/** Where the shared secret travels, and the secrets accepted (current, then previous). */
export interface SharedSecretSettings {
  readonly header: string;
  readonly secrets: readonly string[];
}

export type SecretCheck = { kind: 'ok' } | { kind: 'missing' } | { kind: 'wrong' };

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks the shared secret in `headerValue`. With the `Authorization` header the value is
 * `Bearer <secret>`; with any other header it is the bare secret. Every accepted secret is
 * compared, in constant time over fixed-length digests, so timing reveals neither the secret,
 * its length, nor which one matched.
 */
export function checkSharedSecret(
  headerValue: string | null,
  settings: SharedSecretSettings,
): SecretCheck {
  if (headerValue === null || headerValue.trim() === '') return { kind: 'missing' };
  let presented = headerValue.trim();
  if (settings.header.toLowerCase() === 'authorization') {
    const match = /^Bearer\s+(.+)$/i.exec(presented);
    if (!match?.[1]) return { kind: 'wrong' };
    presented = match[1];
  }
  const presentedDigest = digest(presented);
  let matched = false;
  for (const secret of settings.secrets) {
    // Non-short-circuiting OR: every secret is compared whatever the result.
    matched = timingSafeEqual(presentedDigest, digest(secret)) || matched;
  }
  return matched ? { kind: 'ok' } : { kind: 'wrong' };
}
