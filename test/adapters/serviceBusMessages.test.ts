import { ServiceBusError, type ServiceBusErrorCode } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { createServiceBusBus } from '../../src/adapters/servicebus/serviceBusBus.js';
import {
  serviceBusFailure,
  type ServiceBusOperation,
} from '../../src/adapters/servicebus/serviceBusErrors.js';
import {
  approvalToServiceBusMessage,
  outcomeToServiceBusMessage,
} from '../../src/adapters/servicebus/serviceBusMessages.js';
import { PROMOTION_EVENTS_TOPIC, PROMOTIONS_QUEUE } from '../../src/domain/queueNames.js';
import { parseApprovalMessage } from '../../src/domain/approvalMessage.js';
import { TransientError } from '../../src/domain/errors.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';

const approval = parseApprovalMessage({
  type: 'approval',
  id: '0b6f3c1e-7d1a-4c55-9a1e-5b0f2f7d8c21',
  repository: 'team/backend',
  build: { gitSha: 'a1b2c3d' },
  stage: 'rc',
  version: '1.2.3',
  decision: 'approve',
  approver: { id: 'alice', name: 'Alice', groups: ['release-managers'] },
  source: 'cli',
  comment: 'ship it',
});

const outcome: OutcomeEvent = {
  type: 'promotion.outcome',
  id: 'outcome-0b6f3c1e',
  outcome: 'promoted',
  repository: 'team/backend',
  stage: 'rc',
  version: '1.2.3',
  digest: `sha256:${'a'.repeat(64)}`,
  tags: ['1.2.3-rc1'],
  messageId: approval.id,
  at: '2025-01-01T12:00:00.000Z',
};

describe('Service Bus messages', () => {
  it('sends an approval in the repository session, keyed by its id for duplicate detection', () => {
    expect(approvalToServiceBusMessage(approval)).toEqual({
      body: approval,
      messageId: approval.id,
      sessionId: 'team/backend',
      contentType: 'application/json',
      subject: 'approval',
      applicationProperties: {
        repository: 'team/backend',
        stage: 'rc',
        decision: 'approve',
        source: 'cli',
      },
    });
  });

  it('carries an approval body that parses back to the same message after JSON encoding', () => {
    const wire = JSON.stringify(approvalToServiceBusMessage(approval).body);
    expect(parseApprovalMessage(JSON.parse(wire))).toEqual(approval);
  });

  it('publishes an outcome with its id, the outcome as subject and filterable properties', () => {
    const message = outcomeToServiceBusMessage(outcome);
    expect(message).toEqual({
      body: outcome,
      messageId: 'outcome-0b6f3c1e',
      contentType: 'application/json',
      subject: 'promoted',
      applicationProperties: { repository: 'team/backend', stage: 'rc', outcome: 'promoted' },
    });
    expect(message.sessionId).toBeUndefined();
    expect(JSON.parse(JSON.stringify(message.body))).toEqual(outcome);
  });

  it('names the queue and the topic the infrastructure creates', () => {
    expect([PROMOTIONS_QUEUE, PROMOTION_EVENTS_TOPIC]).toEqual(['promotions', 'promotion-events']);
  });
});

const sending: ServiceBusOperation = {
  doing: 'sending approval a1 for myapp (rc)',
  entity: { kind: 'queue', name: PROMOTIONS_QUEUE },
  namespace: 'contoso.servicebus.windows.net',
};

/** A ServiceBusError as the SDK builds it, with `retryable` as its translation sets it. */
function sdkError(code: ServiceBusErrorCode, retryable: boolean, message = `${code} happened`) {
  const error = new ServiceBusError(message, code);
  error.retryable = retryable;
  return error;
}

/** A Node system error, as a failed socket connect raises it. */
function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:5671`), {
    code,
    syscall: 'connect',
    errno: -111,
    address: '10.0.0.1',
  });
}

describe('Service Bus error mapping', () => {
  it.each([
    ['ServiceBusy', false],
    ['ServiceTimeout', false],
    ['GeneralError', false],
    ['ServiceCommunicationProblem', false],
    ['SessionLockLost', true],
  ] as const)('makes %s (retryable: %s) a TransientError naming the operation', (code, retry) => {
    const error = sdkError(code, retry);
    const mapped = serviceBusFailure(sending, error);
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped.message).toBe(
      `sending approval a1 for myapp (rc): Service Bus unavailable (${code}: ${code} happened)`,
    );
    expect(mapped.cause).toBe(error);
  });

  it('makes a refused or unresolvable connection a TransientError', () => {
    const refused = serviceBusFailure(sending, systemError('ECONNREFUSED'));
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused.message).toMatch(
      /^sending approval a1 for myapp \(rc\): cannot reach Service Bus: connect ECONNREFUSED/,
    );
    // Happy Eyeballs: Node reports every address it tried.
    const both = new AggregateError([systemError('ETIMEDOUT'), systemError('ECONNREFUSED')], '');
    expect(serviceBusFailure(sending, both)).toBeInstanceOf(TransientError);
    // The SDK renames ENOTFOUND to MessagingEntityNotFound but keeps the syscall.
    const dns = Object.assign(
      new ServiceBusError('getaddrinfo ENOTFOUND contoso', 'MessagingEntityNotFound'),
      { syscall: 'getaddrinfo' },
    );
    expect(serviceBusFailure(sending, dns)).toBeInstanceOf(TransientError);
  });

  it('says which role is missing on which entity when access is unauthorized, even though the SDK marks it retryable', () => {
    const mapped = serviceBusFailure(
      sending,
      sdkError('UnauthorizedAccess', true, 'Unauthorized access. Send claim(s) are required'),
    );
    expect(mapped).not.toBeInstanceOf(TransientError);
    expect(mapped.message).toContain(
      'not authorized: grant this identity Azure Service Bus Data Sender on the promotions queue of contoso.servicebus.windows.net',
    );
    expect(mapped.message).toContain('Send claim(s) are required');
  });

  it('says which entity to create when it does not exist', () => {
    const topic: ServiceBusOperation = {
      doing: 'publishing promoted outcome o1 for myapp (rc)',
      entity: { kind: 'topic', name: PROMOTION_EVENTS_TOPIC },
    };
    const mapped = serviceBusFailure(topic, sdkError('MessagingEntityNotFound', false));
    expect(mapped).not.toBeInstanceOf(TransientError);
    expect(mapped.message).toBe(
      'publishing promoted outcome o1 for myapp (rc): the promotion-events topic does not exist: create it (MessagingEntityNotFound: MessagingEntityNotFound happened)',
    );
  });

  it('keeps a non-retryable error plain, naming the operation and the code', () => {
    const mapped = serviceBusFailure(sending, sdkError('MessageSizeExceeded', false, 'too big'));
    expect(mapped).not.toBeInstanceOf(TransientError);
    expect(mapped.message).toBe('sending approval a1 for myapp (rc): MessageSizeExceeded: too big');
  });

  it('passes our own TransientError through unchanged', () => {
    const ours = new TransientError('already mapped');
    expect(serviceBusFailure(sending, ours)).toBe(ours);
  });
});

describe('createServiceBusBus', () => {
  it('refuses options without a connection string or a namespace with a credential', () => {
    expect(() => createServiceBusBus({ namespace: 'contoso.servicebus.windows.net' })).toThrow(
      /set a connection string, or a namespace/,
    );
    expect(() => createServiceBusBus({ connectionString: '  ' })).toThrow(/connection string/);
  });

  it('reports an unreachable namespace as a TransientError when sending', async () => {
    const bus = createServiceBusBus({
      connectionString:
        'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;UseDevelopmentEmulator=true',
    });
    try {
      const sent = bus.approvals.send(approval);
      await expect(sent).rejects.toBeInstanceOf(TransientError);
      await expect(sent).rejects.toThrow(
        /sending approval .* for team\/backend \(rc\): cannot reach Service Bus/,
      );
    } finally {
      await bus.close();
    }
    await expect(bus.outcomes.publish(outcome)).rejects.toThrow(/closed/);
  });

  it('opens the promotions queue ahead of a send, reporting an unreachable namespace, and tries again after', async () => {
    const bus = createServiceBusBus({
      connectionString:
        'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;UseDevelopmentEmulator=true',
    });
    try {
      const first = bus.approvals.prepare?.();
      await expect(first).rejects.toBeInstanceOf(TransientError);
      await expect(first).rejects.toThrow(
        /opening the connection to the promotions queue: cannot reach Service Bus/,
      );
      // A failed open is not kept: the next one tries again (and fails again here).
      const second = bus.approvals.prepare?.();
      expect(second).not.toBe(first);
      await expect(second).rejects.toBeInstanceOf(TransientError);
    } finally {
      await bus.close();
    }
  });
});
