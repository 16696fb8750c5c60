import { AggregateAuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { ServiceBusError, type ServiceBusErrorCode } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  createServiceBusDoctorProbe,
  serviceBusProbeFailure,
} from '../../src/adapters/servicebus/serviceBusDoctorProbe.js';
import { diagnose } from '../../src/app/doctor/diagnose.js';
import type { BusProbe, ProbeIdentity, ProbeResult } from '../../src/ports/doctorProbes.js';

const sbError = (code: ServiceBusErrorCode, message: string) => new ServiceBusError(message, code);

/** The SDK's error for a namespace whose host does not resolve (it renames the code). */
function dnsFailure(): ServiceBusError {
  const error = sbError(
    'MessagingEntityNotFound',
    'getaddrinfo ENOTFOUND nope.servicebus.windows.net',
  );
  return Object.assign(error, { syscall: 'getaddrinfo' });
}

describe('Service Bus failures, as the doctor reads them', () => {
  it.each([
    [
      'UnauthorizedAccess',
      sbError('UnauthorizedAccess', "Unauthorized access. 'Send' claim(s) are required"),
      'denied',
    ],
    [
      'MessagingEntityNotFound',
      sbError(
        'MessagingEntityNotFound',
        "The messaging entity 'sb://ns/promotions' could not be found",
      ),
      'missing',
    ],
    ['ServiceBusy', sbError('ServiceBusy', 'The server is busy'), 'unavailable'],
    ['a DNS failure the SDK calls MessagingEntityNotFound', dnsFailure(), 'unreachable'],
    [
      'no credential',
      new AggregateAuthenticationError(
        [new CredentialUnavailableError('Azure CLI could not be found')],
        'ChainedTokenCredential authentication failed.',
      ),
      'no-credential',
    ],
  ])('%s → %s', (_what, error, kind) => {
    expect(serviceBusProbeFailure(error, 'queue promotions')).toMatchObject({
      kind,
      entity: 'queue promotions',
    });
  });

  it('never repeats a key from the error', () => {
    const failure = serviceBusProbeFailure(
      sbError('GeneralError', 'bad Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=s3cr3t'),
      'queue promotions',
    );
    expect(failure.answer).not.toContain('s3cr3t');
  });
});

describe('diagnose with Service Bus failures', () => {
  const identity: ProbeIdentity = {
    kind: 'token',
    principal: { objectId: 'oid-1', appId: 'app-1' },
  };
  const probe = (send: ProbeResult, receive: ProbeResult): BusProbe => ({
    target: 'promoter-sb.servicebus.windows.net',
    setting: 'PROMOTER_SERVICEBUS_NAMESPACE',
    identity: () => Promise.resolve(identity),
    send: () => Promise.resolve(send),
    receive: () => Promise.resolve(receive),
  });
  const ledger = {
    target: 'http://127.0.0.1:10002/devstoreaccount1',
    setting: 'PROMOTER_TABLES_CONNECTION_STRING',
    tables: ['promoterbuilds'],
    identity: () =>
      Promise.resolve<ProbeIdentity>({
        kind: 'shared-key',
        setting: 'PROMOTER_TABLES_CONNECTION_STRING',
      }),
    read: () => Promise.resolve<ProbeResult>({ ok: true, detail: 'read' }),
    write: () => Promise.resolve<ProbeResult>({ ok: true, detail: 'wrote' }),
  };

  it('explains a 401 on send and a missing subscription with their fixes', async () => {
    const report = await diagnose(
      {
        registry: undefined,
        ledger,
        bus: probe(
          {
            ok: false,
            failure: serviceBusProbeFailure(
              sbError(
                'UnauthorizedAccess',
                "Unauthorized access. 'Send' claim(s) are required to perform this operation.",
              ),
              'queue promotions',
            ),
          },
          {
            ok: false,
            failure: serviceBusProbeFailure(
              sbError(
                'MessagingEntityNotFound',
                "The messaging entity 'notifications' could not be found.",
              ),
              'subscription promotion-events/notifications',
            ),
          },
        ),
      },
      {
        mode: 'full',
        repository: 'promoter-doctor',
        scratchTag: 'promoter-doctor-x',
        deletes: false,
      },
    );
    const send = report.checks.find((c) => c.name === 'service bus send');
    const receive = report.checks.find((c) => c.name === 'service bus receive');
    expect(send).toMatchObject({
      status: 'failed',
      as: 'application app-1 (object id oid-1)',
      cause:
        "application app-1 (object id oid-1) lacks Send rights on queue promotions of promoter-sb.servicebus.windows.net (UnauthorizedAccess: Unauthorized access. 'Send' claim(s) are required to perform this operation.)",
      fix: [
        `az role assignment create --assignee oid-1 --role "Azure Service Bus Data Sender" --scope $(az servicebus namespace list --query "[?name=='promoter-sb'].id" -o tsv)/queues/promotions`,
      ],
    });
    expect(receive).toMatchObject({
      status: 'failed',
      cause: expect.stringContaining(
        'subscription promotion-events/notifications does not exist in promoter-sb.servicebus.windows.net',
      ) as unknown,
      fix: [
        'deploy the infrastructure, which creates it: azd provision',
        'or create it: az servicebus topic subscription create -g <resource-group> --namespace-name promoter-sb --topic-name promotion-events -n notifications',
      ],
    });
  });

  it('skips both checks when no Service Bus is configured', async () => {
    const report = await diagnose(
      { registry: undefined, ledger, bus: undefined },
      {
        mode: 'full',
        repository: 'promoter-doctor',
        scratchTag: 'promoter-doctor-x',
        deletes: false,
      },
    );
    expect(report.checks.filter((c) => c.name.startsWith('service bus'))).toEqual([
      expect.objectContaining({
        status: 'skipped',
        reason: expect.stringMatching(
          /^no Service Bus configured \(PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset\)/,
        ) as unknown,
      }),
      expect.objectContaining({ name: 'service bus receive', status: 'skipped' }),
    ]);
  });
});

describe('the Service Bus probe against a namespace that does not answer', () => {
  const probe = createServiceBusDoctorProbe({
    connectionString:
      'Endpoint=sb://localhost/;SharedAccessKeyName=doctor;SharedAccessKey=bm90LWEta2V5',
  });

  it('signs in with the key of the connection string, and names it without its value', async () => {
    expect(await probe.identity()).toEqual({
      kind: 'shared-key',
      setting: 'PROMOTER_SERVICEBUS_CONNECTION_STRING',
    });
    expect(probe.target).toBe('localhost');
  });

  it('reports send and receive as unreachable, naming the setting', async () => {
    const report = await diagnose(
      {
        registry: undefined,
        ledger: {
          target: 'x',
          setting: 'PROMOTER_TABLES_CONNECTION_STRING',
          tables: [],
          identity: () =>
            Promise.resolve({ kind: 'shared-key', setting: 'PROMOTER_TABLES_CONNECTION_STRING' }),
          read: () => Promise.resolve({ ok: true, detail: 'read' }),
          write: () => Promise.resolve({ ok: true, detail: 'wrote' }),
        },
        bus: probe,
      },
      {
        mode: 'full',
        repository: 'promoter-doctor',
        scratchTag: 'promoter-doctor-x',
        deletes: false,
      },
    );
    for (const name of ['service bus send', 'service bus receive'])
      expect(report.checks.find((c) => c.name === name)).toMatchObject({
        status: 'failed',
        as: 'the key in PROMOTER_SERVICEBUS_CONNECTION_STRING',
        cause: expect.stringMatching(
          /^cannot reach localhost \(queue promotions\) \(.*ECONNREFUSED.*\): the host in PROMOTER_SERVICEBUS_CONNECTION_STRING is wrong or unreachable from here$/,
        ) as unknown,
      });
    expect(JSON.stringify(report)).not.toContain('bm90LWEta2V5');
  });
});
