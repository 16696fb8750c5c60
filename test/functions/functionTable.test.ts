import { describe, expect, it } from 'vitest';
import { functionTable, isHttpFunction } from '../../src/functions/functionTable.js';
import { routePath } from '../../src/functions/http/rootRoute.js';
import { memoryServices } from '../support/handlers.js';

describe('the function table', () => {
  it('lists every entry point with its trigger', () => {
    const table = functionTable(memoryServices().provider);
    expect(table.map((f) => ({ name: f.name, ...f.trigger }))).toEqual([
      {
        name: 'registryWebhook',
        type: 'http',
        methods: ['POST'],
        route: 'api/hooks/registry',
        authLevel: 'function',
      },
      {
        name: 'repositories',
        type: 'http',
        methods: ['GET'],
        route: 'api/repositories/{*path}',
        authLevel: 'function',
      },
      {
        name: 'board',
        type: 'http',
        methods: ['GET'],
        route: '{ignored:maxlength(0)?}',
        authLevel: 'function',
      },
      {
        name: 'boardPage',
        type: 'http',
        methods: ['GET'],
        route: 'board',
        authLevel: 'function',
      },
      {
        name: 'approvals',
        type: 'http',
        methods: ['POST'],
        route: 'api/approvals',
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
        route: 'api/chat/slack',
        authLevel: 'anonymous',
      },
      {
        name: 'chatTeams',
        type: 'http',
        methods: ['POST'],
        route: 'api/chat/teams',
        authLevel: 'anonymous',
      },
      {
        name: 'notifications',
        type: 'serviceBusTopic',
        topicName: 'promotion-events',
        subscriptionName: 'notifications',
        connection: 'ServiceBusConnection',
      },
      {
        name: 'retention',
        type: 'http',
        methods: ['POST'],
        route: 'api/retention',
        authLevel: 'function',
      },
      {
        name: 'health',
        type: 'http',
        methods: ['GET'],
        route: 'api/health',
        authLevel: 'function',
      },
      {
        name: 'retentionTimer',
        type: 'timer',
        schedule: '%PROMOTER_RETENTION_SCHEDULE%',
      },
      {
        name: 'registryEvents',
        type: 'serviceBusQueue',
        queueName: 'registry-events',
        connection: 'ServiceBusConnection',
        isSessionsEnabled: false,
      },
      {
        name: 'reconcileNow',
        type: 'http',
        methods: ['POST'],
        route: 'api/reconcile',
        authLevel: 'function',
      },
      { name: 'reconcile', type: 'timer', schedule: '%PROMOTER_RECONCILE_SCHEDULE%' },
      { name: 'sweep', type: 'timer', schedule: '%PROMOTER_SWEEP_SCHEDULE%' },
    ]);
  });

  it('serves the board at / and at /board, and every other HTTP function under /api/', () => {
    const table = functionTable(memoryServices().provider);
    const paths = table.filter(isHttpFunction).map((f) => routePath(f.trigger.route));
    expect(paths.filter((p) => !p.startsWith('/api/'))).toEqual(['/', '/board']);
  });
});
