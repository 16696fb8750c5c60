import { describe, expect, it } from 'vitest';
import {
  diagnose,
  type CheckReport,
  type DiagnoseOptions,
} from '../../../src/app/doctor/diagnose.js';
import { IMPORT_ACTION, type AzurePermission } from '../../../src/domain/azurePermissions.js';
import type {
  AzurePermissionsProbe,
  LedgerProbe,
  ProbeFailure,
  ProbeIdentity,
  ProbeResult,
  StageRegistryProbe,
} from '../../../src/ports/doctorProbes.js';

// The doctor's checks of the registries a pipeline keeps stages in, against small fakes of the
// probes; Resource Manager's permissions answer is a fake too (the shape its API documents).

const ok = (detail = 'fine'): Promise<ProbeResult> => Promise.resolve({ ok: true, detail });
const denied: ProbeFailure = {
  kind: 'denied',
  status: 401,
  answer: 'UNAUTHORIZED: authentication required',
};

const app: ProbeIdentity = {
  kind: 'token',
  principal: {
    objectId: 'aaaa0000-0000-0000-0000-000000000001',
    managedIdentityResourceId:
      '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-promoter',
  },
};
const as = 'managed identity id-promoter (object id aaaa0000-0000-0000-0000-000000000001)';

const PROD =
  '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';
const BUILD =
  '/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg-build/providers/Microsoft.ContainerRegistry/registries/myacr';

/** Container Registry Data Importer and Data Reader, as Resource Manager lists its actions. */
const importer: AzurePermission = {
  actions: [
    IMPORT_ACTION,
    'Microsoft.ContainerRegistry/registries/read',
    'Microsoft.ContainerRegistry/registries/pull/read',
  ],
  notActions: [],
  dataActions: ['Microsoft.ContainerRegistry/registries/repositories/content/read'],
  notDataActions: [],
};
/** Container Registry Repository Writer: data actions only. */
const writer: AzurePermission = {
  actions: [],
  notActions: [],
  dataActions: [
    'Microsoft.ContainerRegistry/registries/repositories/content/write',
    'Microsoft.ContainerRegistry/registries/repositories/metadata/write',
  ],
  notDataActions: [],
};

function arm(
  answers: Record<string, readonly AzurePermission[] | ProbeFailure>,
): AzurePermissionsProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    permissions: (id) => {
      asked.push(id);
      const answer = answers[id];
      if (answer === undefined) throw new Error(`unexpected resource ${id}`);
      return Promise.resolve(
        Array.isArray(answer)
          ? { ok: true, permissions: answer, detail: `${answer.length} entries` }
          : { ok: false, failure: answer as ProbeFailure },
      );
    },
  };
}

function prodacr(
  overrides: Partial<StageRegistryProbe> = {},
): StageRegistryProbe & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    target: 'prodacr.azurecr.io',
    setting: 'registries.prodacr.azurecr.io',
    isAcr: true,
    signIn: 'azure',
    stages: [{ stage: 'release', repository: 'prod/promoter-doctor', importSource: BUILD }],
    resourceId: PROD,
    permissions: arm({ [PROD]: [importer, writer], [BUILD]: [importer] }),
    identity: () => Promise.resolve(app),
    pull: (repo) => (calls.push(`pull ${repo}`), ok('not there: reads work')),
    push: (repo, tag) => {
      calls.push(`push ${repo}:${tag}`);
      return Promise.resolve({
        ok: true,
        digest: `sha256:${'b'.repeat(64)}`,
        detail: `put ${repo}:${tag}`,
      });
    },
    lock: (repo, tag) => (calls.push(`lock ${repo}:${tag}`), ok('locked and unlocked')),
    remove: () => {
      throw new Error('a stage registry is never deleted from');
    },
    ...overrides,
  };
}

const ledger: LedgerProbe = {
  target: 'https://promoterst.table.core.windows.net',
  setting: 'PROMOTER_TABLES_ENDPOINT',
  tables: ['promoterbuilds'],
  identity: () => Promise.resolve(app),
  read: () => ok('read'),
  write: () => ok('wrote'),
};

const full: DiagnoseOptions = {
  mode: 'full',
  repository: 'promoter-doctor',
  scratchTag: 'promoter-doctor-1a2b3c4d',
  deletes: true,
};

const stageChecks = async (probe: StageRegistryProbe, options = full) =>
  (
    await diagnose(
      { registry: undefined, stageRegistries: [probe], ledger, bus: undefined },
      options,
    )
  ).checks.filter((c) => c.name.startsWith('stage registry'));

const only = (checks: readonly CheckReport[], name: string): CheckReport => {
  const found = checks.filter((c) => c.name === name);
  if (found.length !== 1) throw new Error(`${found.length} checks ${name}`);
  return found[0] as CheckReport;
};

describe("the doctor's checks of a registry stages are kept in", () => {
  it('reads, writes and locks in the stage repository, and reads the import rights of target and source', async () => {
    const probe = prodacr();
    const checks = await stageChecks(probe);
    expect(checks.map((c) => [c.name, c.status, c.registry])).toEqual([
      ['stage registry read', 'ok', 'prodacr.azurecr.io'],
      ['stage registry write', 'ok', 'prodacr.azurecr.io'],
      ['stage registry import', 'ok', 'prodacr.azurecr.io'],
    ]);
    // The fixed scratch tag, never the retention run's random one: nothing is deleted there.
    expect(probe.calls).toEqual([
      'pull prod/promoter-doctor',
      'push prod/promoter-doctor:promoter-doctor',
      'lock prod/promoter-doctor:promoter-doctor',
    ]);
    const imported = only(checks, 'stage registry import');
    expect(imported.tried).toBe(
      "read through Resource Manager this identity's rights on prodacr.azurecr.io and on the import source myacr (stage release)",
    );
    if (imported.status !== 'ok') throw new Error('import check did not pass');
    expect(imported.detail).toMatch(
      /^Resource Manager lists importImage\/action on prodacr and registries\/read, registries\/pull\/read on myacr; only a real promotion shows/,
    );
  });

  it('quick mode only reads the stage repository', async () => {
    const permissions = arm({});
    const probe = prodacr({ permissions });
    const checks = await stageChecks(probe, { ...full, mode: 'quick' });
    expect(checks.map((c) => c.name)).toEqual(['stage registry read']);
    expect(probe.calls).toEqual(['pull prod/promoter-doctor']);
    expect(permissions.asked).toEqual([]);
  });

  it('fails the import check when the target lacks importImage, naming the registry, the stage and the role to assign there', async () => {
    const checks = await stageChecks(
      prodacr({ permissions: arm({ [PROD]: [writer], [BUILD]: [importer] }) }),
    );
    const check = only(checks, 'stage registry import');
    if (check.status !== 'failed') throw new Error('expected a failure');
    expect(check.cause).toBe(
      `${as} may not import into prodacr.azurecr.io (stage release): Resource Manager lists no ${IMPORT_ACTION} on prodacr (the target)`,
    );
    expect(check.fix[0]).toBe(
      `az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 --role "Container Registry Data Importer and Data Reader" --scope ${PROD}`,
    );
    expect(check.fix[1]).toContain(`azd env set PROMOTER_TARGET_REGISTRY_RESOURCE_IDS ${PROD}`);
  });

  it('fails the import check when the source cannot be read, with the role on the source', async () => {
    const acrPush: AzurePermission = {
      actions: [
        'Microsoft.ContainerRegistry/registries/pull/read',
        'Microsoft.ContainerRegistry/registries/push/write',
      ],
      notActions: [],
      dataActions: [],
      notDataActions: [],
    };
    const checks = await stageChecks(
      prodacr({ permissions: arm({ [PROD]: [importer], [BUILD]: [acrPush] }) }),
    );
    const check = only(checks, 'stage registry import');
    if (check.status !== 'failed') throw new Error('expected a failure');
    expect(check.cause).toContain(
      'no Microsoft.ContainerRegistry/registries/read on myacr (the source)',
    );
    expect(check.fix[0]).toContain(
      `--role "Container Registry Data Importer and Data Reader" --scope ${BUILD}`,
    );
  });

  it('says what it could not check when Resource Manager does not tell the rights', async () => {
    const checks = await stageChecks(
      prodacr({
        permissions: arm({
          [PROD]: {
            kind: 'denied',
            status: 403,
            answer: 'HTTP 403 AuthorizationFailed: no access',
          },
          [BUILD]: [importer],
        }),
      }),
    );
    const check = only(checks, 'stage registry import');
    expect(check.status).toBe('skipped');
    if (check.status !== 'skipped') return;
    expect(check.reason).toBe(
      "Resource Manager did not tell this identity's rights on prodacr (HTTP 403 AuthorizationFailed: no access): the import into prodacr.azurecr.io could not be checked; assign Container Registry Data Importer and Data Reader on the target and on the source to be sure (docs/deployment.md#promoting-into-another-acr)",
    );
  });

  it('skips the import check where promotion copies through the distribution API, saying why', async () => {
    const noId = await stageChecks(prodacr({ resourceId: undefined, permissions: undefined }));
    const skippedNoId = only(noId, 'stage registry import');
    expect(skippedNoId.status === 'skipped' && skippedNoId.reason).toBe(
      'registries.prodacr.azurecr.io.resourceId is not declared: promotion into prodacr.azurecr.io copies through the distribution API (through the function); declare it to import server-side',
    );
    const noSource = await stageChecks(
      prodacr({ stages: [{ stage: 'release', repository: 'prod/promoter-doctor' }] }),
    );
    const skippedNoSource = only(noSource, 'stage registry import');
    expect(skippedNoSource.status === 'skipped' && skippedNoSource.reason).toMatch(
      /^the registry stage release comes from has no resource id \(PROMOTER_REGISTRY_RESOURCE_ID/,
    );
  });

  it('explains a refused lock on a target ACR with the tag-write roles scoped to it', async () => {
    const checks = await stageChecks(
      prodacr({
        lock: () =>
          Promise.resolve({ ok: false, failure: { ...denied, status: 403, answer: 'DENIED' } }),
      }),
    );
    const check = only(checks, 'stage registry write');
    if (check.status !== 'failed') throw new Error('expected a failure');
    expect(check.cause).toBe(
      `${as} lacks tag-lock (metadata write) rights on prodacr.azurecr.io, where stage release is kept (DENIED)`,
    );
    expect(check.fix[0]).toBe(
      `on a registry in "RBAC Registry + ABAC Repository Permissions" mode: az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 --role "Container Registry Repository Writer" --scope ${PROD}`,
    );
  });

  it('names the user, the settings and the stages when a basic sign-in is refused', async () => {
    const calls: string[] = [];
    const probe = prodacr({
      target: 'harbor.example.com',
      setting: 'registries.harbor.example.com',
      isAcr: false,
      signIn: 'basic',
      basicSettings: { usernameSetting: 'HARBOR_USERNAME', passwordSetting: 'HARBOR_PASSWORD' },
      stages: [
        { stage: 'rc', repository: 'team/promoter-doctor' },
        { stage: 'release', repository: 'team/promoter-doctor' },
      ],
      resourceId: undefined,
      permissions: undefined,
      identity: () =>
        Promise.resolve({ kind: 'basic', username: 'robot', setting: 'HARBOR_USERNAME' }),
      pull: (repo) => {
        calls.push(`pull ${repo}`);
        return Promise.resolve({ ok: false, failure: denied });
      },
      push: () => Promise.resolve({ ok: false, failure: denied }),
    });
    const checks = await stageChecks(probe);
    const read = only(checks, 'stage registry read');
    if (read.status !== 'failed') throw new Error('expected a failure');
    expect(read.as).toBe('user robot (from HARBOR_USERNAME)');
    expect(read.cause).toBe(
      'harbor.example.com (stages rc and release) refused pull to user robot (from HARBOR_USERNAME) (UNAUTHORIZED: authentication required): registries.harbor.example.com.signIn is basic',
    );
    expect(read.fix[0]).toBe(
      'check that HARBOR_USERNAME and HARBOR_PASSWORD hold a user with pull and push rights on harbor.example.com (in Azure: Key Vault references the app can resolve), then restart the app',
    );
    // One repository for both stages: one read, one write.
    expect(calls).toEqual(['pull team/promoter-doctor']);
    const imported = only(checks, 'stage registry import');
    expect(imported.status === 'skipped' && imported.reason).toMatch(
      /^harbor\.example\.com is not an Azure Container Registry promoter signs in to with its Azure identity/,
    );
  });
});
