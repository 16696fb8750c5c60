import { describe, expect, it } from 'vitest';
import { functionTable } from '../../src/functions/functionTable.js';
import { memoryServices } from '../support/handlers.js';

describe('the function table', () => {
  it('lists every entry point with its trigger', () => {
    const table = functionTable(memoryServices().provider);
    expect(table.map((f) => ({ name: f.name, ...f.trigger }))).toEqual([
      {
        name: 'registryWebhook',
        type: 'http',
        methods: ['POST'],
        route: 'hooks/registry',
        authLevel: 'function',
      },
      {
        name: 'repositories',
        type: 'http',
        methods: ['GET'],
        route: 'repositories/{*path}',
        authLevel: 'function',
      },
      {
        name: 'approvals',
        type: 'http',
        methods: ['POST'],
        route: 'approvals',
        authLevel: 'function',
      },
      {
        name: 'promotions',
        type: 'serviceBusQueue',
        queueName: 'promotions',
        connection: 'ServiceBusConnection',
        isSessionsEnabled: true,
      },
      {
        name: 'chatSlack',
        type: 'http',
        methods: ['POST'],
        route: 'chat/slack',
        authLevel: 'anonymous',
      },
      {
        name: 'chatTeams',
        type: 'http',
        methods: ['POST'],
        route: 'chat/teams',
        authLevel: 'anonymous',
      },
      {
        name: 'notifications',
        type: 'serviceBusTopic',
        topicName: 'promotion-events',
        subscriptionName: 'notifications',
        connection: 'ServiceBusConnection',
      },
    ]);
  });
});
