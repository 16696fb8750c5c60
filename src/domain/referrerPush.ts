/**
 * Telling a referrer's push (a signature, an SBOM, an attestation) from a build's: the tags
 * the referrers tag schema and cosign write name the digest they refer to, and an OCI
 * manifest pushed by digest may carry it as `subject`.
 */

/** `sha256-<hex>` (the referrers tag schema's index) or cosign's `sha256-<hex>.sig|.att|.sbom`. */
const REFERRER_TAG = /^(sha256)-([0-9a-f]{64})(?:\.(sig|att|sbom))?$/;

/** What a referrer's tag says: the digest it refers to, and cosign's kind if it is cosign's. */
export interface ReferrerTag {
  readonly subject: string;
  readonly cosign?: 'sig' | 'att' | 'sbom';
}

/** The subject a referrer's tag names, or undefined for any other tag. */
export function referrerTagOf(tag: string): ReferrerTag | undefined {
  const match = REFERRER_TAG.exec(tag);
  if (!match) return undefined;
  const [, algorithm, hex, cosign] = match;
  const subject = `${algorithm ?? ''}:${hex ?? ''}`;
  return cosign === undefined
    ? { subject }
    : { subject, cosign: cosign as NonNullable<ReferrerTag['cosign']> };
}

/** Media types whose manifests may carry a `subject` (OCI 1.1 image manifest and index). */
export const SUBJECT_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]);

/**
 * The digest a manifest's `subject` names, or undefined when it has none (or is not a JSON
 * object with a well-formed one).
 */
export function manifestSubjectOf(bytes: Uint8Array): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('subject' in parsed)) return undefined;
  const { subject } = parsed;
  if (typeof subject !== 'object' || subject === null || !('digest' in subject)) return undefined;
  const { digest } = subject;
  return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}
