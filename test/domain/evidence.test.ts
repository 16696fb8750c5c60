import { describe, expect, it } from 'vitest';
import {
  evidenceKindOf,
  evidenceRequirement,
  meetsEvidence,
  normalArtifactType,
} from '../../src/domain/evidence.js';
import { COSIGN_ARTIFACT_TYPES } from '../../src/ports/registry.js';

// Which referrer artifact types count as which evidence kind: what the registry adapter
// reports (a cosign tag's kind, a manifest's artifactType, its config's media type) in, the
// kind a stage names out.

const KINDS: [artifactType: string, kind: 'signature' | 'sbom' | undefined][] = [
  // cosign: found under `sha256-<hex>.sig` (the tag schema) or as an OCI 1.1 referrer
  [COSIGN_ARTIFACT_TYPES.sig, 'signature'],
  ['application/vnd.dev.cosign.simplesigning.v1+json', 'signature'],
  ['application/vnd.dev.sigstore.bundle.v0.3+json', 'signature'],
  // Notary Project: notation 1.x, and the type its release candidates wrote
  ['application/vnd.cncf.notary.signature', 'signature'],
  ['application/vnd.cncf.notary.v2.signature', 'signature'],
  // SBOMs: SPDX, CycloneDX, cosign's `.sbom` tag
  ['application/spdx+json', 'sbom'],
  ['text/spdx', 'sbom'],
  ['application/vnd.cyclonedx+json', 'sbom'],
  ['application/vnd.cyclonedx+xml', 'sbom'],
  [COSIGN_ARTIFACT_TYPES.sbom, 'sbom'],
  // media types are case-insensitive; parameters do not change the kind
  ['Application/VND.CNCF.Notary.Signature', 'signature'],
  ['application/vnd.cyclonedx+json; version=1.6', 'sbom'],
  // neither: an attestation is not a signature, an image config is nothing
  [COSIGN_ARTIFACT_TYPES.att, undefined],
  ['application/vnd.in-toto+json', undefined],
  ['application/vnd.oci.image.config.v1+json', undefined],
  ['application/vnd.oci.empty.v1+json', undefined],
  ['', undefined],
];

describe('evidence kinds of referrer artifact types', () => {
  it.each(KINDS)('%s counts as %s', (artifactType, kind) => {
    expect(evidenceKindOf(artifactType)).toBe(kind);
    if (kind !== undefined)
      expect(meetsEvidence(evidenceRequirement(kind), [artifactType])).toBe(true);
    for (const other of ['signature', 'sbom'].filter((k) => k !== kind))
      expect(meetsEvidence(evidenceRequirement(other), [artifactType])).toBe(false);
  });

  it('normalizes case and drops parameters', () => {
    expect(normalArtifactType(' Application/SPDX+JSON ; charset=utf-8')).toBe(
      'application/spdx+json',
    );
  });
});

const REQUIREMENTS: [name: string, referrerTypes: string[], met: boolean][] = [
  ['signature', [], false],
  ['signature', ['application/spdx+json'], false],
  ['signature', ['application/spdx+json', COSIGN_ARTIFACT_TYPES.sig], true],
  ['sbom', [COSIGN_ARTIFACT_TYPES.sig], false],
  ['sbom', [COSIGN_ARTIFACT_TYPES.sig, 'application/vnd.cyclonedx+json'], true],
  // a stage naming an artifact type itself wants exactly that type
  ['application/vnd.in-toto+json', [COSIGN_ARTIFACT_TYPES.att], false],
  ['application/vnd.in-toto+json', ['application/vnd.in-toto+json'], true],
  ['application/vnd.in-toto+json', ['APPLICATION/vnd.in-toto+json;v=1'], true],
];

describe('evidence requirements', () => {
  it.each(REQUIREMENTS)('%s with referrers %j: met %s', (name, referrerTypes, met) => {
    expect(meetsEvidence(evidenceRequirement(name), referrerTypes)).toBe(met);
  });
});
