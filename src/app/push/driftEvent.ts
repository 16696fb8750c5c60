import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Stage } from '../../domain/pipeline.js';
import { locatedTags, stageLocationFields } from '../../domain/outcomeLocation.js';
import type { StageTagPush } from './detectDriftOnPush.js';

/** What the drift check saw, for the record. */
export interface DriftSeen {
  /** The digest the ledger says the tag holds, if promoter ever wrote it. */
  readonly expected: string | undefined;
  /** Whether the registry showed the pushed digest under the tag. */
  readonly visible: boolean;
  /** What the registry held instead, when it did not. */
  readonly current?: string | undefined;
  readonly restored: boolean;
}

/** The `drift` outcome of one registry event (`drift:<event id>`), in words an operator reads. */
export function driftEvent(
  push: StageTagPush,
  stage: Stage,
  seen: DriftSeen,
  now: Date,
): OutcomeEvent {
  const by = push.pushedBy === undefined ? '' : ` by ${push.pushedBy}`;
  const { expected, restored } = seen;
  // A stage in another registry or repository: where the tag is (`prodacr.azurecr.io/myapp:1.2.3`).
  const where = stageLocationFields(stage, push.repository);
  const [tag = push.tag] =
    locatedTags({ repository: push.repository, tags: [push.tag], ...where }) ?? [];
  const what =
    expected === undefined
      ? `${tag} was pushed${by} to ${push.digest}, but promoter never promoted anything as ${push.tag}`
      : `${tag} was moved${by} from the promoted ${expected} to ${push.digest}`;
  const after = seen.visible
    ? expected === undefined
      ? ''
      : restored
        ? '; promoter put it back'
        : '; set "restoreOnDrift": true to have promoter put it back'
    : `; the registry does not show it under ${push.tag} (it holds ${seen.current ?? 'nothing'})${restored ? '' : ', so nothing was put back'}`;
  return {
    type: 'promotion.outcome',
    id: `drift-${push.eventId}`,
    outcome: 'drift',
    repository: push.repository,
    stage: stage.name,
    digest: push.digest,
    tags: [push.tag],
    ...where,
    ...(expected !== undefined ? { previousDigest: expected } : {}),
    restored,
    ...(push.pushedBy !== undefined ? { actor: push.pushedBy } : {}),
    reason: `${what}${after}`,
    messageId: `drift:${push.eventId}`,
    at: now.toISOString(),
  };
}
