import { asRestError, networkCode } from '../sdkErrors.js';
import { z } from 'zod';
import { NotFoundError, TransientError } from '../../domain/errors.js';

/** The OCI distribution error body (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`), ACR's too. */
const ociErrors = z.object({
  errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })),
});

/** `CODE: message` of the registry's error body, else the error's first line. */
export function registryAnswer(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parsed = ociErrors.safeParse(asRestError(error)?.details);
  const first = parsed.success ? parsed.data.errors[0] : undefined;
  if (first) return [first.code, first.message].filter(Boolean).join(': ');
  const line = error.message.trim().split('\n')[0] ?? '';
  return line === '' ? error.name : line;
}

/** Why the registry is unavailable, or undefined when `error` is not an outage. */
function outageReason(error: unknown, timeoutInMs: number): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // The operation's deadline aborts the request (or the wait before a retry).
  if (error.name === 'AbortError' || error.name === 'TimeoutError')
    return `no answer within ${timeoutInMs} ms (retries included)`;
  const status = asRestError(error)?.statusCode;
  if (status !== undefined) {
    return status === 408 || status === 429 || status >= 500
      ? `HTTP ${status}: ${registryAnswer(error)}`
      : undefined;
  }
  const code = networkCode(error);
  return code === undefined ? undefined : `${code}: ${error.message}`;
}

/**
 * A 404 for the manifest or tag itself: from `/v2/<name>/manifests/…`, or from ACR's
 * `/acr/v1/<name>/_tags/…` with ACR's error body. A bare 404 from `/acr/v1/` means the
 * registry has no such API (not ACR), and a 404 from anywhere else (a token endpoint) is a
 * configuration problem: neither may read as "the tag does not exist", or an immutable tag
 * would look free to write.
 */
function isMissing(error: unknown): boolean {
  const rest = asRestError(error);
  if (rest?.statusCode !== 404) return false;
  const url = rest.request?.url ?? '';
  if (/\/v2\/.+\/(manifests|blobs)\//.test(url)) return true;
  return /\/acr\/v1\/.+\/_tags\//.test(url) && ociErrors.safeParse(rest.details).success;
}

/*
 * Permissions on ACR. getManifest, resolveTag and putManifest need pull and push: AcrPush
 * covers both. lockTag (PATCH /acr/v1/{repo}/_tags/{tag}) writes tag metadata, the data action
 * `Microsoft.ContainerRegistry/registries/repositories/metadata/write`:
 * - registry in "RBAC Registry + ABAC Repository Permissions" mode: "Container Registry
 *   Repository Writer" (read + write of content and metadata), or "… Repository Contributor"
 *   (adds delete), optionally limited to promoter's repositories by an ABAC condition;
 * - registry in "RBAC Registry Permissions" mode: AcrPush is the documented push role;
 *   whether it also allows tag-property updates was not verified here, Contributor does.
 * Sources: learn.microsoft.com container-registry-image-lock, -rbac-built-in-roles-directory-
 * reference, and the "Container Registry Repository Contributor" role definition.
 */
const permissionHint =
  'the identity lacks permission in the registry (on ACR grant AcrPush for pull and push; ' +
  'locking tags also needs repositories/metadata/write: "Container Registry Repository ' +
  'Writer" on ABAC-enabled registries)';

/**
 * The error to throw when `doing` (e.g. `fetching myapp@sha256:…`) failed with `error`:
 * - throttling (429), 408, 5xx, a connection failure or the deadline → `TransientError`
 *   (`fetching myapp@sha256:…: registry unavailable: HTTP 503: …`);
 * - 404 of the manifest, blob or tag → `NotFoundError`;
 * - 401/403 → a plain Error naming the permission to grant;
 * - bytes whose digest is not the one asked for or announced → a plain Error;
 * - anything else → a plain Error with the registry's answer.
 * The SDK error is the `cause`; our own errors pass through unchanged.
 */
export function registryFailure(doing: string, error: unknown, timeoutInMs: number): Error {
  if (error instanceof TransientError || error instanceof NotFoundError) return error;
  const reason = outageReason(error, timeoutInMs);
  if (reason !== undefined)
    return new TransientError(`${doing}: registry unavailable: ${reason}`, { cause: error });
  if (isMissing(error))
    return new NotFoundError(`${doing}: not found: ${registryAnswer(error)}`, { cause: error });
  if (error instanceof Error && error.name === 'DigestMismatchError')
    return new Error(`${doing}: the registry returned other bytes: ${error.message}`, {
      cause: error,
    });
  const status = asRestError(error)?.statusCode;
  if (status === 401 || status === 403)
    return new Error(`${doing}: HTTP ${status} ${registryAnswer(error)}: ${permissionHint}`, {
      cause: error,
    });
  const prefix = status === undefined ? '' : `HTTP ${status} `;
  const hint =
    status === 404 && (asRestError(error)?.request?.url ?? '').includes('/acr/v1/')
      ? ' (this registry has no ACR /acr/v1/ API: is it configured as ACR by mistake?)'
      : '';
  return new Error(`${doing}: ${prefix}${registryAnswer(error)}${hint}`, { cause: error });
}

/** Whether `error` (an SDK error or one of ours) says the manifest or tag does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError || isMissing(error);
}
