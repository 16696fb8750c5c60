import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import type { AzurePermission } from '../../domain/azurePermissions.js';
import type { AzurePermissionsProbe, ProbeResult } from '../../ports/doctorProbes.js';
import { commonProbeFailure, oneLine, otherFailure } from '../probeFailure.js';

export interface ArmPermissionsProbeOptions {
  /** The identity whose rights are read (the app's managed identity in Azure). */
  readonly credential: TokenCredential;
  /** Resource Manager's endpoint; `https://management.azure.com` (tests point it elsewhere). */
  readonly endpoint?: string | undefined;
  /** Deadline of each request, 10 s by default. */
  readonly timeoutInMs?: number | undefined;
}

/** `Permissions - List For Resource`, whose answer is documented from this version on. */
const API_VERSION = '2022-04-01';
/** Pages followed at most: one role assignment is one entry, a registry has few. */
const MAX_PAGES = 10;

const strings = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);
const page = z.looseObject({
  value: z.array(
    z.looseObject({
      actions: strings,
      notActions: strings,
      dataActions: strings,
      notDataActions: strings,
      condition: z
        .string()
        .nullish()
        .transform((v) => v ?? undefined),
    }),
  ),
  nextLink: z.string().nullish(),
});

/** ARM's error body: `{"error": {"code", "message"}}`. */
const armError = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});

/** One line of an ARM answer that is not a page: its error code and message, else the status. */
function answerOf(status: number, text: string): string {
  try {
    const parsed = armError.safeParse(JSON.parse(text));
    if (parsed.success)
      return oneLine(
        `HTTP ${status} ${parsed.data.error.code ?? ''}: ${parsed.data.error.message ?? ''}`,
      );
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${status}`;
}

/**
 * The `AzurePermissionsProbe` over Resource Manager's REST API: `GET <resource id>/providers/
 * Microsoft.Authorization/permissions` with a token for `https://management.azure.com` from the
 * credential, following `nextLink`. Written with `fetch`: no installed Azure SDK lists a
 * caller's permissions (`@azure/arm-authorization` would; it is one GET). 401/403, network and
 * identity failures are the doctor's usual kinds; the answer never holds the token.
 */
export function createArmPermissionsProbe(
  options: ArmPermissionsProbeOptions,
): AzurePermissionsProbe {
  const endpoint = (options.endpoint ?? 'https://management.azure.com').replace(/\/$/, '');
  const scope = 'https://management.azure.com/.default';
  const timeout = options.timeoutInMs ?? 10_000;
  return {
    async permissions(
      resourceId,
    ): Promise<ProbeResult<{ readonly permissions: readonly AzurePermission[] }>> {
      try {
        const token = await options.credential.getToken(scope);
        if (token === null)
          return {
            ok: false,
            failure: { kind: 'no-credential', answer: 'the credential returned no token' },
          };
        const permissions: AzurePermission[] = [];
        let url: string | undefined =
          `${endpoint}${resourceId}/providers/Microsoft.Authorization/permissions?api-version=${API_VERSION}`;
        for (let n = 0; url !== undefined && n < MAX_PAGES; n++) {
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${token.token}`, accept: 'application/json' },
            signal: AbortSignal.timeout(timeout),
          });
          const text = await response.text();
          if (!response.ok) {
            const answer = answerOf(response.status, text);
            const status = response.status;
            if (status === 401 || status === 403)
              return { ok: false, failure: { kind: 'denied', status, answer } };
            if (status === 404) return { ok: false, failure: { kind: 'missing', status, answer } };
            if (status === 408 || status === 429 || status >= 500)
              return { ok: false, failure: { kind: 'unavailable', status, answer } };
            return { ok: false, failure: { kind: 'other', status, answer } };
          }
          const parsed = page.parse(JSON.parse(text));
          permissions.push(...parsed.value);
          url = parsed.nextLink ?? undefined;
        }
        return {
          ok: true,
          permissions,
          detail: `${permissions.length} role entr${permissions.length === 1 ? 'y' : 'ies'}`,
        };
      } catch (error) {
        return { ok: false, failure: commonProbeFailure(error) ?? otherFailure(error) };
      }
    },
  };
}
