import type { ApprovalMessage } from './approvalMessage.js';
import type { Stage } from './pipeline.js';
import type { Promotion } from './promotion.js';

export type VersionChoice =
  | { readonly kind: 'ok'; readonly value: string | undefined }
  | { readonly kind: 'refuse'; readonly reason: string };

/** The version a promotion is for: given, implied by an rc tag, or the only one the digest reached. */
export function chooseVersion(
  stage: Stage,
  message: Pick<ApprovalMessage, 'version'>,
  implied: string | undefined,
  ofDigest: readonly Promotion[],
): VersionChoice {
  if (!stage.tag.placeholders.has('version')) return { kind: 'ok', value: undefined };
  if (message.version !== undefined && implied !== undefined && message.version !== implied)
    return { kind: 'refuse', reason: `the tag names version ${implied}, not ${message.version}` };
  const given = message.version ?? implied;
  if (given !== undefined) return { kind: 'ok', value: given };
  const reached = new Set(
    ofDigest
      .filter((p) => p.stage === stage.from && p.status === 'promoted' && p.version)
      .map((p) => p.version),
  );
  const [only, ...others] = [...reached];
  if (stage.sameVersion && only !== undefined && others.length === 0)
    return { kind: 'ok', value: only };
  return {
    kind: 'refuse',
    reason: `stage ${stage.name} needs a version (e.g. "version": "1.2.3", or --version 1.2.3)`,
  };
}
