import { z } from 'zod';
import { digestProblem, repositoryProblem, tagProblem } from './imageReference.js';
import { parseWith } from './zodIssues.js';

/**
 * Registry webhook bodies: Azure Container Registry posts one event object; the CNCF
 * distribution registry posts an envelope `{"events":[…]}`. Both use the same event shape
 * (id, timestamp, action, target, request). Pure parsing into `RegistryEvent`s.
 */

/** Manifest media types that make an image: single-platform manifests and indexes. */
export const IMAGE_MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

const refine =
  (problem: (v: string) => string | undefined) =>
  (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

const repository = z.string().superRefine(refine(repositoryProblem));
const digest = z.string().superRefine(refine(digestProblem));
const tag = z.string().superRefine(refine(tagProblem));

const request = z.looseObject({ host: z.string().optional() }).optional();

const actor = z.looseObject({ name: z.string().optional() }).optional();

const header = z.looseObject({
  id: z.string().min(1, 'an event needs an id'),
  actor,
  action: z.string().min(1, 'an event needs an action'),
  timestamp: z.string().optional(),
  request,
});

/** Pushes and deletes are acted on, so their targets are validated strictly. */
const pushTarget = z.looseObject({
  mediaType: z.string().min(1),
  digest,
  repository,
  tag: tag.optional(),
});

/**
 * A manifest delete names its digest; a tag delete (the distribution registry sends one after
 * `skopeo delete`, or for `DELETE /v2/<name>/manifests/<tag>`) names only the tag.
 */
const deleteTarget = z
  .looseObject({ digest: digest.optional(), repository, tag: tag.optional() })
  .refine((t) => t.digest !== undefined || t.tag !== undefined, {
    error: 'a delete names the digest or the tag that was deleted',
    path: ['digest'],
  });

/** Every other action (ping, pull, mount, chart_push, quarantine…) is only acknowledged. */
const otherTarget = z
  .looseObject({ mediaType: z.string().optional(), repository: z.string().optional() })
  .optional();

/** A registry event, normalised from either registry's format. */
export type RegistryEvent =
  | {
      readonly kind: 'push';
      readonly id: string;
      readonly timestamp: string | undefined;
      /** Registry host from the event (`request.host`), when it names one. */
      readonly registry: string | undefined;
      readonly repository: string;
      readonly digest: string;
      readonly mediaType: string;
      /** Absent when the manifest was pushed by digest. */
      readonly tag: string | undefined;
      /** Who pushed (`actor.name`), when the registry says: the distribution registry with auth does. */
      readonly pushedBy?: string | undefined;
    }
  | {
      readonly kind: 'delete';
      readonly id: string;
      readonly timestamp: string | undefined;
      readonly registry: string | undefined;
      readonly repository: string;
      /** The deleted manifest; absent when only a tag was deleted. */
      readonly digest: string | undefined;
      /** Present when only a tag was deleted (the manifest remains). */
      readonly tag: string | undefined;
    }
  | {
      readonly kind: 'other';
      readonly id: string;
      readonly action: string;
      readonly repository: string | undefined;
      readonly mediaType: string | undefined;
    };

function at(prefix: string, path: string): string {
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}

/**
 * Parses one registry event object (the webhook's event, or the `data` of an Event Grid
 * event). `subject` names the document in errors and `prefix` the event's path within it.
 */
export function parseRegistryEvent(
  raw: unknown,
  prefix: string,
  subject = 'webhook body',
): RegistryEvent {
  const head = parseWith(header, subject, raw, prefix);
  const target = (raw as { target?: unknown }).target;
  const parseTarget = <S extends z.ZodType>(schema: S) =>
    parseWith(schema, subject, target, at(prefix, 'target'));
  // What push and delete events have in common, in the order they list it.
  const common = { id: head.id, timestamp: head.timestamp, registry: head.request?.host };
  switch (head.action) {
    case 'push': {
      const { repository, digest, mediaType, tag } = parseTarget(pushTarget);
      return {
        kind: 'push',
        ...common,
        repository,
        digest,
        mediaType,
        tag,
        pushedBy: head.actor?.name || undefined,
      };
    }
    case 'delete': {
      const { repository, digest, tag } = parseTarget(deleteTarget);
      return { kind: 'delete', ...common, repository, digest, tag };
    }
    default: {
      const t = parseTarget(otherTarget);
      return {
        kind: 'other',
        id: head.id,
        action: head.action,
        repository: t?.repository,
        mediaType: t?.mediaType,
      };
    }
  }
}

const envelope = z.object({ events: z.array(z.unknown()).max(1000) });

/**
 * Parses a webhook body (already JSON-decoded) into events. Every event is validated before
 * any is returned, so one bad event rejects the whole body. Throws a ValidationError whose
 * paths name the field (`events[2].target.digest`, or `target.digest` for ACR's single event).
 */
export function parseRegistryEvents(body: unknown): RegistryEvent[] {
  if (typeof body === 'object' && body !== null && 'events' in body) {
    const { events } = parseWith(envelope, 'webhook body', body);
    return events.map((e, i) => parseRegistryEvent(e, `events[${i}]`));
  }
  return [parseRegistryEvent(body, '')];
}
