import { describe, expect, it } from 'vitest';
import {
  diagnose,
  type CheckReport,
  type DiagnoseOptions,
} from '../../../src/app/doctor/diagnose.js';
import type {
  BusProbe,
  LedgerProbe,
  ProbeFailure,
  ProbeIdentity,
  ProbeResult,
  RegistryProbe,
} from '../../../src/ports/doctorProbes.js';

const ok = (detail = 'fine'): Promise<ProbeResult> => Promise.resolve({ ok: true, detail });
const fail = <T extends object = object>(failure: ProbeFailure): Promise<ProbeResult<T>> =>
  Promise.resolve({ ok: false, failure });

const alice: ProbeIdentity = {
  kind: 'token',
  principal: {
    objectId: '11111111-2222-3333-4444-555555555555',
    userPrincipalName: 'alice@contoso.com',
  },
};
const managedIdentity: ProbeIdentity = {
  kind: 'token',
  principal: {
    objectId: 'aaaa0000-0000-0000-0000-000000000001',
    appId: 'bbbb0000-0000-0000-0000-000000000002',
    managedIdentityResourceId:
      '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-promoter',
  },
};

function registry(overrides: Partial<RegistryProbe> = {}): RegistryProbe & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    target: 'myacr.azurecr.io',
    setting: 'PROMOTER_REGISTRY',
    isAcr: true,
    identity: () => Promise.resolve(alice),
    pull: (repo) => (calls.push(`pull ${repo}`), ok('not there: reads work')),
    push: (repo, tag) => {
      calls.push(`push ${repo}:${tag}`);
      return Promise.resolve({ ok: true, digest: `sha256:${'a'.repeat(64)}`, detail: 'put' });
    },
    lock: (repo, tag) => (calls.push(`lock ${repo}:${tag}`), ok('locked and unlocked')),
    remove: (repo, digest) => (calls.push(`remove ${repo}@${digest}`), ok('deleted')),
    ...overrides,
  };
}

function ledger(overrides: Partial<LedgerProbe> = {}): LedgerProbe {
  return {
    target: 'https://promoterst.table.core.windows.net',
    setting: 'PROMOTER_TABLES_ENDPOINT',
    tables: ['promoterbuilds', 'promoterpromotions', 'promoterreplays'],
    identity: () => Promise.resolve(managedIdentity),
    read: () => ok('read'),
    write: () => ok('wrote'),
    ...overrides,
  };
}

function bus(overrides: Partial<BusProbe> = {}): BusProbe {
  return {
    target: 'promoter-sb.servicebus.windows.net',
    setting: 'PROMOTER_SERVICEBUS_NAMESPACE',
    identity: () => Promise.resolve(managedIdentity),
    send: () => ok('scheduled and cancelled'),
    receive: () => ok('peeked'),
    ...overrides,
  };
}

const full: DiagnoseOptions = {
  mode: 'full',
  repository: 'promoter-doctor',
  scratchTag: 'promoter-doctor-1a2b3c4d',
  deletes: true,
};

const find = (checks: readonly CheckReport[], name: string) => {
  const check = checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name} in ${checks.map((c) => c.name).join(', ')}`);
  return check;
};

describe('diagnose', () => {
  it('passes every check when every probe works, in a fixed order', async () => {
    const reg = registry();
    const report = await diagnose({ registry: reg, ledger: ledger(), bus: bus() }, full);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['registry pull', 'ok'],
      ['registry push', 'ok'],
      ['registry tag lock', 'ok'],
      ['registry delete', 'ok'],
      ['service bus send', 'ok'],
      ['service bus receive', 'ok'],
      ['ledger read', 'ok'],
      ['ledger write', 'ok'],
    ]);
    expect(reg.calls).toEqual([
      'pull promoter-doctor',
      'push promoter-doctor:promoter-doctor-1a2b3c4d',
      'lock promoter-doctor:promoter-doctor-1a2b3c4d',
      `remove promoter-doctor@sha256:${'a'.repeat(64)}`,
    ]);
    expect(find(report.checks, 'registry pull').as).toBe(
      'user alice@contoso.com (object id 11111111-2222-3333-4444-555555555555)',
    );
    expect(find(report.checks, 'ledger read').as).toBe(
      'managed identity id-promoter (object id aaaa0000-0000-0000-0000-000000000001)',
    );
  });

  it('quick mode only reads: registry pull and ledger read', async () => {
    const reg = registry();
    const report = await diagnose(
      { registry: reg, ledger: ledger(), bus: bus() },
      { ...full, mode: 'quick' },
    );
    expect(report.checks.map((c) => c.name)).toEqual(['registry pull', 'ledger read']);
    expect(reg.calls).toEqual(['pull promoter-doctor']);
  });

  it('a 403 on push names the identity, the missing right and the exact role assignment', async () => {
    const report = await diagnose(
      {
        registry: registry({
          push: () =>
            fail({
              kind: 'denied',
              status: 403,
              answer: 'DENIED: requested access to the resource is denied',
            }),
        }),
        ledger: ledger(),
        bus: bus(),
      },
      full,
    );
    expect(report.ok).toBe(false);
    const push = find(report.checks, 'registry push');
    expect(push).toMatchObject({
      status: 'failed',
      cause:
        'user alice@contoso.com (object id 11111111-2222-3333-4444-555555555555) lacks push rights on myacr.azurecr.io (DENIED: requested access to the resource is denied)',
    });
    expect(push.status === 'failed' && push.fix[0]).toBe(
      'az role assignment create --assignee 11111111-2222-3333-4444-555555555555 --role AcrPush --scope $(az acr show -n myacr --query id -o tsv)',
    );
    // Without the scratch tag, locking and deleting cannot be tried.
    expect(find(report.checks, 'registry tag lock')).toMatchObject({
      status: 'skipped',
      reason: 'needs the scratch tag, which could not be pushed',
    });
    expect(find(report.checks, 'registry delete').status).toBe('skipped');
  });

  it('no credential at all is explained with how to sign in', async () => {
    const noCredential: ProbeFailure = {
      kind: 'no-credential',
      answer: 'ChainedTokenCredential authentication failed. Azure CLI could not be found.',
    };
    const report = await diagnose(
      {
        registry: registry({
          identity: () => Promise.resolve({ kind: 'token-unavailable', failure: noCredential }),
          pull: () => fail(noCredential),
        }),
        ledger: ledger(),
        bus: undefined,
      },
      { ...full, mode: 'quick' },
    );
    const pull = find(report.checks, 'registry pull');
    expect(pull).toMatchObject({
      status: 'failed',
      as: 'DefaultAzureCredential (no credential signed in)',
      cause: expect.stringContaining(
        'no Azure credential was found to sign in to myacr.azurecr.io',
      ) as unknown,
    });
    expect(pull.status === 'failed' && pull.fix.join('\n')).toMatch(
      /az login[\s\S]*az functionapp identity assign/,
    );
  });

  it('anonymous pull refused by ACR says to switch to the Azure identity', async () => {
    const report = await diagnose(
      {
        registry: registry({
          identity: () => Promise.resolve({ kind: 'anonymous', setting: 'PROMOTER_REGISTRY_AUTH' }),
          pull: () =>
            fail({ kind: 'denied', status: 401, answer: 'UNAUTHORIZED: authentication required' }),
        }),
        ledger: ledger(),
        bus: undefined,
      },
      { ...full, mode: 'quick' },
    );
    const pull = find(report.checks, 'registry pull');
    expect(pull.status === 'failed' && pull.cause).toBe(
      'myacr.azurecr.io refused anonymous pull (UNAUTHORIZED: authentication required): promoter signs in anonymously because PROMOTER_REGISTRY_AUTH is anonymous',
    );
    expect(pull.status === 'failed' && pull.fix).toEqual([
      'set PROMOTER_REGISTRY_AUTH=azure (DefaultAzureCredential: the managed identity in Azure, az login locally)',
      'az role assignment create --assignee <principal-object-id> --role AcrPush --scope $(az acr show -n myacr --query id -o tsv)',
      expect.stringContaining('az functionapp identity show'),
    ]);
  });

  it('skips the tag lock off ACR and the Service Bus checks when none is configured', async () => {
    const report = await diagnose(
      {
        registry: registry({ isAcr: false, target: 'localhost:5000' }),
        ledger: ledger(),
        bus: undefined,
      },
      full,
    );
    expect(report.ok).toBe(true);
    expect(find(report.checks, 'registry tag lock')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('localhost:5000 has none') as unknown,
    });
    expect(find(report.checks, 'service bus send')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no Service Bus configured') as unknown,
    });
    expect(find(report.checks, 'service bus receive').status).toBe('skipped');
  });

  it('with retention off, pushes and locks the scratch tag but neither deletes it nor asks for the right', async () => {
    const reg = registry();
    const report = await diagnose(
      { registry: reg, ledger: ledger(), bus: bus() },
      { ...full, scratchTag: 'promoter-doctor', deletes: false },
    );
    expect(report.ok).toBe(true);
    expect(reg.calls).toEqual([
      'pull promoter-doctor',
      'push promoter-doctor:promoter-doctor',
      'lock promoter-doctor:promoter-doctor',
    ]);
    expect(find(report.checks, 'registry delete')).toMatchObject({
      status: 'skipped',
      reason:
        'retention is off (PROMOTER_RETENTION_DAYS is not set), so promoter deletes nothing and needs no delete right; promoter-doctor:promoter-doctor stays for the next run to overwrite',
    });
  });

  it('a registry that is not configured fails the pull check, naming the setting', async () => {
    const report = await diagnose({ registry: undefined, ledger: ledger(), bus: undefined }, full);
    expect(report.ok).toBe(false);
    expect(find(report.checks, 'registry pull')).toMatchObject({
      status: 'failed',
      cause: expect.stringContaining('PROMOTER_REGISTRY is not set') as unknown,
    });
  });

  it('a 403 from storage names Storage Table Data Contributor on the account', async () => {
    const report = await diagnose(
      {
        registry: registry(),
        ledger: ledger({
          write: () =>
            fail({
              kind: 'denied',
              status: 403,
              answer: 'HTTP 403 AuthorizationPermissionMismatch: This request is not authorized',
              entity: 'table promoterbuilds',
            }),
        }),
        bus: bus(),
      },
      full,
    );
    const write = find(report.checks, 'ledger write');
    expect(write.status === 'failed' && write.fix[0]).toBe(
      'az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 --role "Storage Table Data Contributor" --scope $(az storage account show -n promoterst --query id -o tsv)',
    );
    expect(find(report.checks, 'ledger read').status).toBe('ok');
  });

  it('a probe that throws fails its check instead of the whole report', async () => {
    const report = await diagnose(
      {
        registry: registry({ remove: () => Promise.reject(new Error('boom')) }),
        ledger: ledger(),
        bus: bus(),
      },
      full,
    );
    expect(find(report.checks, 'registry delete')).toMatchObject({
      status: 'failed',
      cause: 'myacr.azurecr.io answered: boom',
    });
    expect(find(report.checks, 'ledger write').status).toBe('ok');
  });

  it('a Service Bus denial names the entity and the Sender or Receiver role', async () => {
    const denied = (entity: string): Promise<ProbeResult> =>
      fail({
        kind: 'denied',
        status: 401,
        answer: 'UnauthorizedAccess: Unauthorized access',
        entity,
      });
    const report = await diagnose(
      {
        registry: registry(),
        ledger: ledger(),
        bus: bus({
          send: () => denied('topic promotion-events'),
          receive: () => denied('subscription promotion-events/notifications'),
        }),
      },
      full,
    );
    const send = find(report.checks, 'service bus send');
    const receive = find(report.checks, 'service bus receive');
    expect(send.status === 'failed' && send.fix[0]).toBe(
      `az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 --role "Azure Service Bus Data Sender" --scope $(az servicebus namespace list --query "[?name=='promoter-sb'].id" -o tsv)/topics/promotion-events`,
    );
    expect(receive.status === 'failed' && receive.fix[0]).toContain(
      `--role "Azure Service Bus Data Receiver" --scope $(az servicebus namespace list --query "[?name=='promoter-sb'].id" -o tsv)/topics/promotion-events/subscriptions/notifications`,
    );
  });
});
