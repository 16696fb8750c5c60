/**
 * The ports of `promoter doctor` and `GET /api/health`: small probes that try one thing each
 * against the registry, the ledger and Service Bus with the identity the app uses, and report
 * what happened in technology-free terms. The adapters (`src/adapters/<tech>/<tech>DoctorProbe.ts`)
 * implement them; the `diagnose` use case explains the failures.
 *
 * Contract for every probe method: it never throws. A failure comes back as a
 * `ProbeFailure` whose `answer` is one line that never contains a secret (keys, SAS
 * signatures, tokens and connection strings are redacted).
 */
import type { AzurePermission } from '../domain/azurePermissions.js';

/** Who an Entra ID access token says the identity is (its claims; never the token). */
export interface Principal {
  /** `oid`: the object id, what `az role assignment create --assignee` takes. */
  readonly objectId?: string | undefined;
  /** `appid`/`azp`: the application (client) id of a service principal or managed identity. */
  readonly appId?: string | undefined;
  /** `upn`/`unique_name`/`preferred_username`: a user's sign-in name. */
  readonly userPrincipalName?: string | undefined;
  /** `xms_mirid`: the resource id of a managed identity. */
  readonly managedIdentityResourceId?: string | undefined;
  readonly tenantId?: string | undefined;
}

/** How a probe signs in. */
export type ProbeIdentity =
  /** No credentials at all (a registry allowing anonymous access). */
  | { readonly kind: 'anonymous'; readonly setting: string }
  /** A user name and password from settings (a declared registry's basic sign-in). */
  | { readonly kind: 'basic'; readonly username: string; readonly setting: string }
  /** A key in a connection string (shared key or SAS); `setting` names where it comes from. */
  | { readonly kind: 'shared-key'; readonly setting: string }
  /** An Entra ID token from `DefaultAzureCredential`; `principal` from its claims. */
  | { readonly kind: 'token'; readonly principal: Principal }
  /** `DefaultAzureCredential` could not get a token: `failure` says why. */
  | { readonly kind: 'token-unavailable'; readonly failure: ProbeFailure };

/** What kind of failure a probe met. */
export type ProbeFailureKind =
  /** The service answered 401/403: this identity may not do this. */
  | 'denied'
  /** No credential was found to sign in with (`CredentialUnavailableError`). */
  | 'no-credential'
  /** A credential was found but signing in failed (`AuthenticationError`). */
  | 'sign-in-failed'
  /** The service asks for credentials promoter cannot give (e.g. HTTP basic). */
  | 'sign-in-unsupported'
  /** DNS, refused or reset connection: the host is wrong or unreachable. */
  | 'unreachable'
  /** The TLS certificate was not trusted. */
  | 'untrusted-certificate'
  /** Something the probe needs does not exist (a queue, a subscription, a table). */
  | 'missing'
  /** The service does not support the operation (e.g. a registry with deletes disabled). */
  | 'unsupported'
  /** Throttling, 5xx, or no answer in time: try again later. */
  | 'unavailable'
  | 'other';

/** Why a probe failed. */
export interface ProbeFailure {
  readonly kind: ProbeFailureKind;
  /** The service's answer or the error, one line, redacted. */
  readonly answer: string;
  /** The HTTP status, when there was a response. */
  readonly status?: number | undefined;
  /** The entity the failure is about (a table, `queue promotions`), when not the whole target. */
  readonly entity?: string | undefined;
}

/** A probe's result: what it saw, or why it failed. */
export type ProbeResult<T extends object = object> =
  | ({ readonly ok: true; readonly detail: string } & T)
  | { readonly ok: false; readonly failure: ProbeFailure };

/** Identity and target every probe has. */
export interface ProbeTarget {
  /** What is probed, without secrets: `myacr.azurecr.io`, a table endpoint, a namespace. */
  readonly target: string;
  /** The setting that names the target (`PROMOTER_REGISTRY`). */
  readonly setting: string;
  /** Who the probe acts as; asks the credential for a token once. */
  identity: () => Promise<ProbeIdentity>;
}

/** Probes of the container registry promoter re-tags in. */
export interface RegistryProbe extends ProbeTarget {
  /** Whether the registry is an Azure Container Registry (tag locks, Azure roles). */
  readonly isAcr: boolean;
  /** A read needing pull rights: resolves a tag that should not exist (404 means reads work). */
  pull: (repository: string) => Promise<ProbeResult>;
  /** Puts a tiny scratch manifest under `tag`; its digest is for `lock` and `remove`. */
  push: (repository: string, tag: string) => Promise<ProbeResult<{ readonly digest: string }>>;
  /** Locks `tag` and unlocks it again (ACR only). */
  lock: (repository: string, tag: string) => Promise<ProbeResult>;
  /** Deletes the scratch manifest (and so its tag). */
  remove: (repository: string, digest: string) => Promise<ProbeResult>;
}

/** A stage kept in a declared registry, with its repository for the scratch repository. */
export interface StagePlace {
  readonly stage: string;
  /** The stage's repository template rendered with the scratch repository (`prod/promoter-doctor`). */
  readonly repository: string;
  /**
   * The ARM resource id of the registry the stage's digests come from, when promotion into
   * the stage is a server-side import (both registries are ACRs with resource ids).
   */
  readonly importSource?: string | undefined;
}

/**
 * Probes of a registry the pipeline declares (`registries.<server>`) and stages are kept in,
 * signing in as declared. `setting` is the pipeline field (`registries.<server>`).
 */
export interface StageRegistryProbe extends RegistryProbe {
  /** How promoter signs in, as declared. */
  readonly signIn: 'azure' | 'anonymous' | 'basic';
  /** For `basic`: the settings named for the user name and password. */
  readonly basicSettings?:
    { readonly usernameSetting: string; readonly passwordSetting: string } | undefined;
  /** The stages kept here, in pipeline order. */
  readonly stages: readonly StagePlace[];
  /** The registry's ARM resource id (`registries.<server>.resourceId`), when declared. */
  readonly resourceId?: string | undefined;
  /** Reads the identity's effective rights through Resource Manager, when `resourceId` is set. */
  readonly permissions?: AzurePermissionsProbe | undefined;
}

/** The identity's effective rights on Azure resources, as Resource Manager reports them. */
export interface AzurePermissionsProbe {
  /** `GET <resourceId>/providers/Microsoft.Authorization/permissions`: one entry per role. */
  permissions: (
    resourceId: string,
  ) => Promise<ProbeResult<{ readonly permissions: readonly AzurePermission[] }>>;
}

/** Probes of the ledger's tables. */
export interface LedgerProbe extends ProbeTarget {
  /** The ledger's table names. */
  readonly tables: readonly string[];
  /** Reads a row of each table (a missing row, or a table not created yet, is fine). */
  read: () => Promise<ProbeResult>;
  /** Upserts and deletes a scratch row in each table (partition `~doctor`). */
  write: () => Promise<ProbeResult>;
}

/** Probes of the Service Bus namespace. */
export interface BusProbe extends ProbeTarget {
  /**
   * Schedules a message far in the future on the `promotions` queue and the
   * `promotion-events` topic and cancels it at once: nothing is delivered.
   */
  send: () => Promise<ProbeResult>;
  /** Peeks (never receives) the `promotions` queue and the `notifications` subscription. */
  receive: () => Promise<ProbeResult>;
}

/** The probes `diagnose` runs; undefined where nothing is configured. */
export interface DoctorProbes {
  readonly registry: RegistryProbe | undefined;
  /** The registries the pipeline declares that stages are kept in (none: no such checks). */
  readonly stageRegistries?: readonly StageRegistryProbe[] | undefined;
  readonly ledger: LedgerProbe;
  readonly bus: BusProbe | undefined;
}
