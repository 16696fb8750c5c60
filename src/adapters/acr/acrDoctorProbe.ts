import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type {
  ProbeFailure,
  ProbeIdentity,
  ProbeResult,
  RegistryProbe,
} from '../../ports/doctorProbes.js';
import { tokenIdentity } from '../identity/identityPrincipal.js';
import { commonProbeFailure, oneLine, otherFailure } from '../probeFailure.js';
import { asRestError } from '../sdkErrors.js';
import { createAcrClients } from './acrClients.js';
import { createAcrRegistry, isAcrHost } from './acrRegistry.js';
import { registryAnswer } from './acrErrors.js';

/** Where the registry is and who signs in; as for `createAcrRegistry`. */
export interface AcrDoctorProbeOptions {
  readonly registry: string;
  readonly credential?: TokenCredential | undefined;
  /** Basic credentials (a declared registry's `signIn: basic`); `usernameSetting` names them. */
  readonly basic?:
    | { readonly username: string; readonly password: string; readonly usernameSetting: string }
    | undefined;
  readonly isAcr?: boolean | undefined;
  readonly timeoutInMs?: number | undefined;
  /** The setting or pipeline field that names the registry (default `PROMOTER_REGISTRY`). */
  readonly setting?: string | undefined;
  /** Where anonymous sign-in is chosen (default `PROMOTER_REGISTRY_AUTH`). */
  readonly anonymousSetting?: string | undefined;
}

/** The tag the pull check resolves: it should not exist, and a 404 proves reads work. */
export const ABSENT_TAG = 'promoter-doctor-absent';

const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

/**
 * The scratch manifest: an OCI index of no manifests, which needs no blob uploaded first (one
 * PUT), annotated with its tag so that each run's digest is its own.
 */
function scratchManifest(tag: string) {
  const content = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX_MEDIA_TYPE,
      manifests: [],
      annotations: { 'dev.promoter.doctor': tag },
    }),
  );
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  return { content, mediaType: INDEX_MEDIA_TYPE, digest };
}

/** The SDK's message when a 401 carries a challenge other than ACR's Bearer token exchange. */
const FOREIGN_CHALLENGE = /Failed to retrieve (challenge|'service'|'scope')/;

/** The scope asked for to name the identity (any Entra ID resource names the same principal). */
const REGISTRY_SCOPE = 'https://containerregistry.azure.net/.default';

/**
 * The `RegistryProbe` over `@azure/container-registry`. Pull, push and lock go through the
 * app's own `Registry` adapter, so the doctor tries exactly what promotions do; unlocking and
 * deleting the scratch manifest use the SDK directly.
 */
export function createAcrDoctorProbe(options: AcrDoctorProbeOptions): RegistryProbe {
  const { registry: host, credential, basic } = options;
  const isAcr = options.isAcr ?? isAcrHost(host);
  const registry = createAcrRegistry({
    registry: host,
    credential,
    isAcr,
    timeoutInMs: options.timeoutInMs,
    basic: basic && { username: basic.username, password: basic.password },
  });
  const endpoint = `https://${host}`;
  const clients = createAcrClients(endpoint, credential, { retryOptions: { maxRetries: 1 } });
  let identity: Promise<ProbeIdentity> | undefined;

  /** The SDK error inside the app adapter's wrapped error. */
  const sdkError = (error: unknown): unknown =>
    error instanceof Error && error.cause !== undefined ? error.cause : error;

  const failure = async (error: unknown): Promise<ProbeFailure> => {
    const sdk = sdkError(error);
    const message = sdk instanceof Error ? sdk.message : '';
    if (FOREIGN_CHALLENGE.test(message)) {
      const challenge = await readChallenge(endpoint);
      return {
        kind: 'sign-in-unsupported',
        status: 401,
        answer: oneLine(
          challenge === undefined
            ? `HTTP 401 with a challenge the SDK cannot answer (${message})`
            : `HTTP 401, WWW-Authenticate: ${challenge}`,
        ),
      };
    }
    const answer = (e: unknown) => oneLine(registryAnswer(e));
    const common = commonProbeFailure(sdk, answer);
    if (common) return common;
    const status = asRestError(sdk)?.statusCode;
    if (status === 405) return { kind: 'unsupported', status, answer: `HTTP 405 ${answer(sdk)}` };
    if (status === 404) return { kind: 'missing', status, answer: `HTTP 404 ${answer(sdk)}` };
    return otherFailure(sdk);
  };

  const attempt = async <T extends object>(
    run: () => Promise<ProbeResult<T>>,
  ): Promise<ProbeResult<T>> => {
    try {
      return await run();
    } catch (error) {
      return { ok: false, failure: await failure(error) };
    }
  };

  return {
    target: host,
    setting: options.setting ?? 'PROMOTER_REGISTRY',
    isAcr,
    identity: () =>
      (identity ??= credential
        ? tokenIdentity(credential, REGISTRY_SCOPE)
        : Promise.resolve(
            basic
              ? { kind: 'basic', username: basic.username, setting: basic.usernameSetting }
              : {
                  kind: 'anonymous',
                  setting: options.anonymousSetting ?? 'PROMOTER_REGISTRY_AUTH',
                },
          )),

    pull: (repository) =>
      attempt(async () => {
        const digest = await registry.resolveTag(repository, ABSENT_TAG);
        return {
          ok: true,
          detail:
            digest === undefined
              ? `${repository}:${ABSENT_TAG} is not there (404): reads work`
              : `${repository}:${ABSENT_TAG} resolved to ${digest}`,
        };
      }),

    push: (repository, tag) =>
      attempt(async () => {
        const digest = await registry.putManifest(repository, tag, scratchManifest(tag));
        return { ok: true, digest, detail: `put ${repository}:${tag} (${digest})` };
      }),

    lock: (repository, tag) =>
      attempt(async () => {
        if (!(await registry.lockTag(repository, tag)))
          return { ok: true, detail: `${host} has no tag locks` };
        await clients
          .acr(repository)
          .getArtifact(repository, tag)
          .updateTagProperties(tag, { canWrite: true, canDelete: true });
        return { ok: true, detail: `locked and unlocked ${repository}:${tag}` };
      }),

    remove: (repository, digest) =>
      attempt(async () => {
        await clients.content(repository).deleteManifest(digest);
        return { ok: true, detail: `deleted ${repository}@${digest}` };
      }),
  };
}

/** The registry's `WWW-Authenticate` challenge on `GET /v2/`, when it answers 401. */
async function readChallenge(endpoint: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${endpoint}/v2/`, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    return response.status === 401
      ? (response.headers.get('www-authenticate') ?? undefined)
      : undefined;
  } catch {
    return undefined;
  }
}
