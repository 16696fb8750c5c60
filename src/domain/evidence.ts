/**
 * Evidence a stage may require of a digest: referrers in the registry (OCI 1.1 referrers, or
 * the referrers tag schema cosign writes: `sha256-<hex>.sig`), told apart by artifact type. A
 * stage names a kind (`signature`, `sbom`) or an artifact type itself
 * (`application/vnd.in-toto+json`).
 */

/** The named kinds and the artifact types that count as each. */
export const EVIDENCE_KINDS = {
  signature: [
    // cosign (OCI 1.1 referrers mode) and the tag schema's signature manifests
    'application/vnd.dev.cosign.artifact.sig.v1+json',
    'application/vnd.dev.cosign.simplesigning.v1+json',
    // Notary Project (notation 1.x; its release candidates wrote the v2 type)
    'application/vnd.cncf.notary.signature',
    'application/vnd.cncf.notary.v2.signature',
    // sigstore bundles (cosign --new-bundle-format)
    'application/vnd.dev.sigstore.bundle.v0.3+json',
  ],
  sbom: [
    'application/spdx+json',
    'text/spdx',
    'text/spdx+json',
    'application/vnd.cyclonedx+json',
    'application/vnd.cyclonedx+xml',
    'application/vnd.cyclonedx',
    'application/vnd.dev.cosign.artifact.sbom.v1+json',
  ],
} as const;

export type EvidenceKindName = keyof typeof EVIDENCE_KINDS;

/** A media type as artifact types are written: `type/subtype`, optional `+suffix`. */
export const ARTIFACT_TYPE_PATTERN =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** One requirement: a kind (any of its artifact types counts) or one artifact type. */
export interface EvidenceRequirement {
  /** As written in the pipeline file: `signature`, `sbom` or an artifact type. */
  readonly name: string;
  /** The artifact types any one of which meets it. */
  readonly artifactTypes: readonly string[];
}

/** Whether `name` is a named kind. */
export function isEvidenceKind(name: string): name is EvidenceKindName {
  return Object.hasOwn(EVIDENCE_KINDS, name);
}

/** The requirement `name` (a kind or an artifact type) stands for. */
export function evidenceRequirement(name: string): EvidenceRequirement {
  return { name, artifactTypes: isEvidenceKind(name) ? EVIDENCE_KINDS[name] : [name] };
}

/**
 * An artifact type as compared: media types are case-insensitive and may carry parameters
 * (`application/vnd.cyclonedx+json; version=1.6`), which do not change what the artifact is.
 */
export function normalArtifactType(artifactType: string): string {
  return (artifactType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The named kind an artifact type counts as (`signature`, `sbom`), if any. */
export function evidenceKindOf(artifactType: string): EvidenceKindName | undefined {
  const type = normalArtifactType(artifactType);
  return (Object.keys(EVIDENCE_KINDS) as EvidenceKindName[]).find((kind) =>
    (EVIDENCE_KINDS[kind] as readonly string[]).includes(type),
  );
}

/** Whether a digest with referrers of `artifactTypes` meets `requirement`. */
export function meetsEvidence(
  requirement: EvidenceRequirement,
  artifactTypes: readonly string[],
): boolean {
  const wanted = requirement.artifactTypes.map(normalArtifactType);
  return artifactTypes.some((t) => wanted.includes(normalArtifactType(t)));
}
