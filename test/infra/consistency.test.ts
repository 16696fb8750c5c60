import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGISTRY_EVENT_TYPES } from '../../src/domain/eventGridEvents.js';
import * as serviceBusNames from '../../src/domain/queueNames.js';
import { SETTINGS } from '../../src/composition/settingsSchema.js';
import { functionTable } from '../../src/functions/functionTable.js';
import { parseRegistryResourceId } from '../../src/domain/registryDeclaration.js';

// No Bicep compiler runs here, so this test keeps infra/ honest against the code: the app
// settings, Service Bus entity names, the webhook route and the role definition ids.

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

const bicepPaths = [
  'infra/main.bicep',
  ...readdirSync(new URL('infra/modules/', root))
    .filter((file) => file.endsWith('.bicep'))
    .map((file) => `infra/modules/${file}`),
];
const bicep = new Map(bicepPaths.map((path) => [path, read(path)]));
const bicepFile = (path: string): string => {
  const text = bicep.get(path);
  if (text === undefined) throw new Error(`${path} is missing`);
  return text;
};

/** Settings the Functions host, its extensions or the Azure SDKs read (not loadConfig). */
const HOST_SETTINGS: Readonly<Record<string, { inAzure: 'required' | 'absent'; why: string }>> = {
  FUNCTIONS_WORKER_RUNTIME: {
    inAzure: 'absent',
    why: 'the worker language for `func start`; Flex Consumption takes it from functionAppConfig.runtime and deprecates the setting',
  },
  AzureWebJobsStorage: {
    inAzure: 'absent',
    why: 'host storage as a connection string (Azurite, locally); Azure uses the identity-based __accountName form',
  },
  AzureWebJobsStorage__accountName: { inAzure: 'required', why: 'host storage by identity' },
  AzureWebJobsStorage__credential: {
    inAzure: 'required',
    why: 'host storage uses a managed identity (`managedidentity`)…',
  },
  AzureWebJobsStorage__clientId: { inAzure: 'required', why: '…the user-assigned one' },
  ServiceBusConnection__fullyQualifiedNamespace: {
    inAzure: 'required',
    why: 'the promotions trigger’s identity-based connection (connection name ServiceBusConnection)',
  },
  ServiceBusConnection__credential: {
    inAzure: 'required',
    why: 'the trigger connects with a managed identity…',
  },
  ServiceBusConnection__clientId: { inAzure: 'required', why: '…the user-assigned one' },
  APPLICATIONINSIGHTS_CONNECTION_STRING: {
    inAzure: 'required',
    why: 'the host sends logs and traces to Application Insights',
  },
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: {
    inAzure: 'required',
    why: 'with Entra ID authentication (local auth is disabled on the component)',
  },
  AZURE_CLIENT_ID: {
    inAzure: 'required',
    why: 'DefaultAzureCredential in the app picks the user-assigned identity',
  },
};

/** Settings loadConfig reads that are deliberately not set in Azure. */
const NOT_IN_AZURE: Readonly<Record<string, string>> = {
  PROMOTER_TABLES_CONNECTION_STRING:
    'alternative to PROMOTER_TABLES_ENDPOINT (Azurite); Azure reaches the ledger by identity and the account has shared keys disabled',
  PROMOTER_SERVICEBUS_CONNECTION_STRING:
    'alternative to PROMOTER_SERVICEBUS_NAMESPACE; the namespace has local (SAS) authentication disabled',
};

/**
 * Built-in roles infra/ may assign, by name, as Microsoft documents them
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles). A typo in a GUID, or a
 * GUID under the wrong name, fails the test.
 */
const ROLE_IDS: Readonly<Record<string, string>> = {
  AcrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
  'Container Registry Repository Writer': '2a1e307c-b015-4ebd-883e-5b7698a07328',
  'Container Registry Repository Contributor': '2efddaa5-3f1f-4df3-97df-af3f13818f4c',
  AcrDelete: 'c2f4ef07-c644-48eb-af81-4b1b4947fb11',
  'Container Registry Data Importer and Data Reader': '577a9874-89fd-4f24-9dbd-b5034d0ad23a',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
};

/** API versions checked against the published REST specifications. */
const API_VERSIONS: Readonly<Record<string, string>> = {
  'Microsoft.Resources/resourceGroups': '2021-04-01',
  'Microsoft.OperationalInsights/workspaces': '2023-09-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
  'Microsoft.Storage/storageAccounts': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2023-05-01',
  'Microsoft.ServiceBus/namespaces': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/queues': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/topics': '2024-01-01',
  'Microsoft.ServiceBus/namespaces/topics/subscriptions': '2024-01-01',
  'Microsoft.KeyVault/vaults': '2023-07-01',
  'Microsoft.KeyVault/vaults/secrets': '2023-07-01',
  'Microsoft.ContainerRegistry/registries': '2025-11-01',
  'Microsoft.ContainerRegistry/registries/webhooks': '2025-11-01',
  'Microsoft.Web/serverfarms': '2024-04-01',
  'Microsoft.Web/sites': '2024-04-01',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  'Microsoft.EventGrid/systemTopics': '2025-02-15',
  'Microsoft.EventGrid/systemTopics/eventSubscriptions': '2025-02-15',
};

/** The app settings in functionapp.bicep, one `{ name: '…', value: … }` per line. */
function bicepAppSettings(): string[] {
  const lines = bicepFile('infra/modules/functionapp.bicep').split('\n');
  const start = lines.findIndex((line) => /^\s*appSettings: \[\s*$/.test(line));
  if (start < 0) throw new Error('functionapp.bicep has no `appSettings: [` block');
  const indent = (lines[start] ?? '').search(/\S/);
  const end = lines.findIndex((line, i) => i > start && line.search(/\S/) === indent);
  const names: string[] = [];
  for (const line of lines.slice(start + 1, end)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('//')) continue;
    const match = /^\{ name: '([^']+)', value: .+ \}$/.exec(trimmed);
    if (!match?.[1]) throw new Error(`keep one { name: '…', value: … } per line: ${trimmed}`);
    names.push(match[1]);
  }
  return names;
}

/** A literal `var <name> = '<value>'` (or number) from a Bicep file. */
function bicepVar(path: string, name: string): string {
  const match = new RegExp(`^var ${name} = '?([^'\\n]+?)'?\\s*$`, 'm').exec(bicepFile(path));
  if (!match?.[1]) throw new Error(`${path} has no literal var ${name}`);
  return match[1];
}

/** The text of the top-level `resource <symbol> …` or `module <symbol> …` block in `path`. */
function bicepBlock(path: string, keyword: 'resource' | 'module', symbol: string): string {
  const text = bicepFile(path);
  const start = text.search(new RegExp(`^${keyword} ${symbol} `, 'm'));
  if (start < 0) throw new Error(`${path} has no ${keyword} ${symbol}`);
  const end = text.indexOf('\n}', start);
  return text.slice(start, end < 0 ? undefined : end + 2);
}
const bicepResource = (path: string, symbol: string) => bicepBlock(path, 'resource', symbol);

/** The symbol of the resource in `path` named by the var whose value is `literal`. */
function entityResource(path: string, literal: string): string {
  const text = bicepFile(path);
  const vars = [...text.matchAll(/^var (\w+) = '([^']+)'$/gm)].filter(([, , v]) => v === literal);
  for (const [, varName] of vars) {
    const block = new RegExp(
      `^resource (\\w+) '[^']+' = \\{\\n(?: {2}.*\\n)*? {2}name: ${varName ?? ''}$`,
      'm',
    );
    const match = block.exec(text);
    if (match?.[1]) return match[1];
  }
  throw new Error(`${path} has no resource named '${literal}'`);
}

/**
 * The Service Bus entities the app identity may receive from (roles.bicep, Data Receiver), as
 * `queue` or `topic/subscriptions/subscription`: each assignment's scope followed from its
 * symbol in roles.bicep, through the parameter main.bicep passes, to servicebus.bicep's output
 * and the literal name there.
 */
function receiveScopes(): string[] {
  const roles = 'infra/modules/roles.bicep';
  const sb = 'infra/modules/servicebus.bicep';
  const text = bicepFile(roles);
  const rolesModule = bicepBlock('infra/main.bicep', 'module', 'roles');
  const literalOf = (symbol: string): string => {
    const param = new RegExp(`resource ${symbol} '\\w+' existing = \\{\\s*name: (\\w+)`).exec(
      text,
    )?.[1];
    const output = new RegExp(`^ +${param ?? '-'}: serviceBus\\.outputs\\.(\\w+)$`, 'm').exec(
      rolesModule,
    )?.[1];
    const resource = new RegExp(`^output ${output ?? '-'} string = (\\w+)\\.name$`, 'm').exec(
      bicepFile(sb),
    )?.[1];
    const varName = /^ {2}name: (\w+)$/m.exec(bicepResource(sb, resource ?? '-'))?.[1];
    if (!varName) throw new Error(`cannot follow ${symbol} from roles.bicep to servicebus.bicep`);
    return bicepVar(sb, varName);
  };
  return [...text.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@/gm)]
    .map(([, symbol]) => bicepResource(roles, symbol ?? ''))
    .filter((block) => block.includes('roleIds.serviceBusDataReceiver'))
    .map((block) => {
      const scope = /^ {2}scope: serviceBus::(\w+)(?:::(\w+))?$/m.exec(block);
      if (!scope?.[1])
        throw new Error(`a Data Receiver assignment is not scoped to an entity:\n${block}`);
      return scope[2]
        ? `${literalOf(scope[1])}/subscriptions/${literalOf(scope[2])}`
        : literalOf(scope[1]);
    });
}

const appSettings = bicepAppSettings();
const readByApp: readonly string[] = SETTINGS;
const sample = (
  JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> }
).Values;
const table = functionTable(() => Promise.reject(new Error('the table is only read here')));

describe('app settings in infra/', () => {
  it('provides every setting the app reads, except the documented local-only alternatives', () => {
    const missing = readByApp.filter(
      (name) => !(name in NOT_IN_AZURE) && !appSettings.includes(name),
    );
    expect(missing).toEqual([]);
  });

  it('provides no setting that neither the app nor the host reads', () => {
    const unread = appSettings.filter(
      (name) => !readByApp.includes(name) && HOST_SETTINGS[name]?.inAzure !== 'required',
    );
    expect(unread).toEqual([]);
  });

  it('provides each host setting Azure needs, and none that Flex Consumption deprecates', () => {
    const required = Object.keys(HOST_SETTINGS).filter(
      (n) => HOST_SETTINGS[n]?.inAzure === 'required',
    );
    const absent = Object.keys(HOST_SETTINGS).filter((n) => HOST_SETTINGS[n]?.inAzure === 'absent');
    expect(required.filter((name) => !appSettings.includes(name))).toEqual([]);
    expect(absent.filter((name) => appSettings.includes(name))).toEqual([]);
  });

  it('leaves out only settings the app still reads, and sets each once', () => {
    expect(Object.keys(NOT_IN_AZURE).filter((name) => !readByApp.includes(name))).toEqual([]);
    expect(Object.keys(NOT_IN_AZURE).filter((name) => appSettings.includes(name))).toEqual([]);
    expect(appSettings.filter((name, i) => appSettings.indexOf(name) !== i)).toEqual([]);
  });

  it('local.settings.sample.json holds only settings the app or the host reads', () => {
    const unknown = Object.keys(sample).filter(
      (name) => !readByApp.includes(name) && !(name in HOST_SETTINGS),
    );
    expect(unknown).toEqual([]);
  });

  it('gives every Service Bus trigger connection an identity-based namespace setting', () => {
    const connections = table.flatMap((entry) =>
      entry.trigger.type === 'serviceBusQueue' || entry.trigger.type === 'serviceBusTopic'
        ? [entry.trigger.connection]
        : [],
    );
    expect(connections.length).toBeGreaterThan(0);
    for (const connection of connections) {
      expect(appSettings).toContain(`${connection}__fullyQualifiedNamespace`);
      expect(appSettings).toContain(`${connection}__clientId`);
    }
  });

  it('uses one maxDeliveryCount for the queue and the app, equal to the local default', () => {
    const main = bicepFile('infra/main.bicep');
    expect(bicepVar('infra/main.bicep', 'maxDeliveryCount')).toBe(
      sample.PROMOTER_MAX_DELIVERY_COUNT,
    );
    expect(main.match(/^ {4}maxDeliveryCount: maxDeliveryCount$/gm)).toHaveLength(2);
    expect(bicepFile('infra/modules/servicebus.bicep')).toMatch(
      /^ {4}maxDeliveryCount: maxDeliveryCount$/m,
    );
    expect(bicepFile('infra/modules/functionapp.bicep')).toContain(
      "{ name: 'PROMOTER_MAX_DELIVERY_COUNT', value: string(maxDeliveryCount) }",
    );
  });
});

describe('Service Bus entities in infra/', () => {
  const path = 'infra/modules/servicebus.bicep';
  const queue = bicepVar(path, 'promotionsQueueName');
  const topic = bicepVar(path, 'promotionEventsTopicName');
  const subscription = bicepVar(path, 'notificationsSubscriptionName');
  const registryQueue = bicepVar(path, 'registryEventsQueueName');

  it('match the names the code exports', () => {
    const values: readonly unknown[] = Object.values(serviceBusNames);
    const exported = values.filter((v): v is string => typeof v === 'string');
    const declared = [queue, topic, subscription, registryQueue];
    expect([...exported].sort()).toEqual([...declared].sort());
  });

  it('give each queue trigger its queue, with sessions exactly when the trigger uses them', () => {
    const triggers = table.flatMap((entry) =>
      entry.trigger.type === 'serviceBusQueue' ? [entry.trigger] : [],
    );
    expect(triggers.map((t) => t.queueName).sort()).toEqual([queue, registryQueue].sort());
    for (const trigger of triggers) {
      const block = bicepResource(path, entityResource(path, trigger.queueName));
      expect(block, trigger.queueName).toContain(
        `requiresSession: ${String(trigger.isSessionsEnabled)}`,
      );
      for (const property of [
        'requiresDuplicateDetection: true',
        'deadLetteringOnMessageExpiration: true',
      ])
        expect(block, trigger.queueName).toContain(property);
    }
    expect(bicepResource(path, entityResource(path, queue))).toContain(
      "duplicateDetectionHistoryTimeWindow: 'PT1H'",
    );
    // Event Grid retries for up to 24 h under one message id: the window covers it (Microsoft).
    expect(bicepResource(path, entityResource(path, registryQueue))).toContain(
      "duplicateDetectionHistoryTimeWindow: 'P1D'",
    );
  });

  it('give every Service Bus trigger a receive role on exactly its entity, and no other', () => {
    const entities = table.flatMap((entry) => {
      if (entry.trigger.type === 'serviceBusQueue') return [entry.trigger.queueName];
      if (entry.trigger.type === 'serviceBusTopic')
        return [`${entry.trigger.topicName}/subscriptions/${entry.trigger.subscriptionName}`];
      return [];
    });
    expect(entities.length).toBeGreaterThan(1);
    expect(receiveScopes().sort()).toEqual(entities.sort());
  });
});

describe('the registry webhook in infra/', () => {
  it('calls the registryWebhook function at its route, with a function key', () => {
    const webhook = table.find((entry) => entry.name === 'registryWebhook');
    if (webhook?.trigger.type !== 'http')
      throw new Error('registryWebhook is not an HTTP function');
    expect(bicepVar('infra/main.bicep', 'registryWebhookRoute')).toBe(webhook.trigger.route);
    expect(webhook.trigger.methods).toContain('POST');
    expect(webhook.trigger.authLevel).toBe('function');
    // The route is the URL path: host.json adds no prefix (the board is served at /).
    const host = JSON.parse(read('host.json')) as {
      extensions: { http: { routePrefix: string } };
    };
    expect(host.extensions.http.routePrefix).toBe('');
    expect(bicepFile('infra/modules/registryWebhook.bicep')).toContain(
      "serviceUri: 'https://${site.properties.defaultHostName}/${route}?code=${listKeys(",
    );
  });

  it('sends the secret in the header the app reads', () => {
    expect(bicepVar('infra/main.bicep', 'webhookAuthHeader')).toBe(
      sample.PROMOTER_WEBHOOK_AUTH_HEADER,
    );
    expect(bicepFile('infra/modules/functionapp.bicep')).toContain(
      "{ name: 'PROMOTER_WEBHOOK_AUTH_HEADER', value: webhookAuthHeader }",
    );
  });
});

describe('role assignments and API versions in infra/', () => {
  it('use only documented role definition ids, each under its own name', () => {
    const known = new Set(Object.values(ROLE_IDS));
    for (const [path, text] of bicep) {
      for (const [guid] of text.matchAll(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
      )) {
        expect(known.has(guid), `${path}: ${guid} is not a documented role id`).toBe(true);
      }
      for (const [, guid, name] of text.matchAll(/'([0-9a-f-]{36})' \/\/ (.+)$/gm)) {
        expect(
          ROLE_IDS[name?.trim() ?? ''],
          `${path}: ${guid ?? ''} is labelled ${name ?? ''}`,
        ).toBe(guid);
      }
    }
  });

  it('say why: a comment right above every role assignment', () => {
    for (const [path, text] of bicep) {
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (!line.includes("'Microsoft.Authorization/roleAssignments@")) return;
        expect(lines[i - 1]?.trim().startsWith('//'), `${path}:${i + 1} has no comment`).toBe(true);
      });
    }
  });

  it('use API versions that exist, one per resource type', () => {
    for (const [path, text] of bicep) {
      for (const [, type, version] of text.matchAll(/^resource \w+ '([\w./]+)@([\w-]+)'/gm)) {
        expect(API_VERSIONS[type ?? ''], `${path}: ${type ?? ''}@${version ?? ''}`).toBe(version);
      }
    }
  });
});

describe('registry events through Event Grid in infra/', () => {
  const subscription = bicepFile('infra/modules/eventGridSubscription.bicep');
  const main = bicepFile('infra/main.bicep');

  it('subscribes to the image events the push flow reads, as CloudEvents 1.0', () => {
    const types = [...subscription.matchAll(/^ {2}'(Microsoft\.ContainerRegistry\.\w+)'$/gm)].map(
      ([, t]) => t,
    );
    expect(types).toEqual([
      'Microsoft.ContainerRegistry.ImagePushed',
      'Microsoft.ContainerRegistry.ImageDeleted',
    ]);
    for (const type of types) expect(REGISTRY_EVENT_TYPES.has(type ?? '')).toBe(true);
    expect(subscription).toContain("eventDeliverySchema: 'CloudEventSchemaV1_0'");
    expect(bicepFile('infra/modules/eventGridTopic.bicep')).toContain(
      "topicType: 'Microsoft.ContainerRegistry.Registries'",
    );
  });

  it('delivers to the queue the registryEvents function reads, with the topic identity', () => {
    const entry = table.find((e) => e.name === 'registryEvents');
    if (entry?.trigger.type !== 'serviceBusQueue')
      throw new Error('registryEvents is not a queue function');
    expect(entry.trigger.queueName).toBe(
      bicepVar('infra/modules/servicebus.bicep', 'registryEventsQueueName'),
    );
    expect(main).toMatch(/^ {4}queueId: serviceBus\.outputs\.registryEventsQueueId$/m);
    expect(bicepFile('infra/modules/servicebus.bicep')).toContain(
      'output registryEventsQueueId string = registryEventsQueue.id',
    );
    expect(subscription).toMatch(
      /deliveryWithResourceIdentity: \{\s*identity: \{\s*type: 'SystemAssigned'\s*\}\s*destination: \{\s*endpointType: 'ServiceBusQueue'\s*properties: \{\s*resourceId: queueId/,
    );
  });

  it('retries for 24 hours or 30 attempts, then dead-letters to the app storage with the topic identity', () => {
    expect(subscription).toMatch(
      /retryPolicy: \{\s*maxDeliveryAttempts: 30\s*eventTimeToLiveInMinutes: 1440\s*\}/,
    );
    expect(subscription).toMatch(
      /deadLetterWithResourceIdentity: \{\s*identity: \{\s*type: 'SystemAssigned'\s*\}\s*deadLetterDestination: \{\s*endpointType: 'StorageBlob'/,
    );
    expect(
      main.match(
        /deadLetterContainerName: storage\.outputs\.registryEventsDeadLetterContainerName/g,
      ),
    ).toHaveLength(2);
    expect(main).toMatch(/^ {4}deadLetterStorageAccountId: storage\.outputs\.id$/m);
  });

  it('gives the topic identity send on that queue and blob write in that container, nothing more', () => {
    const roles = bicepFile('infra/modules/eventGridRoles.bicep');
    const scopes = [...roles.matchAll(/^ {2}scope: (.+)$/gm)].map(([, scope]) => scope);
    expect(scopes).toEqual([
      'serviceBus::registryEventsQueue',
      'storage::blobService::deadLetterContainer',
    ]);
    expect(roles).toContain('roleIds.serviceBusDataSender');
    expect(roles).toContain('roleIds.storageBlobDataContributor');
    // The subscription waits for those roles.
    expect(bicepBlock('infra/main.bicep', 'module', 'registryEventsSubscription')).toMatch(
      /dependsOn: \[\s*registryEventsRoles\s*\]/,
    );
  });
});

describe('the post-deploy hook and the webhook key', () => {
  const azureYaml = read('azure.yaml');

  it('runs no nested azd command, only the retrying wait for the host', () => {
    const hooks = azureYaml.slice(azureYaml.indexOf('\nhooks:'));
    const runs = [...hooks.matchAll(/^ +run: (.+)$/gm)].map(([, run]) => run);
    expect(runs).toEqual(['npx tsx tools/postdeploy.ts', 'npx tsx tools/postdeploy.ts']);
    expect(hooks).not.toMatch(/\bazd\s+(provision|up|deploy|env\s+set)\b/);
  });

  it('reads a host key only for the optional ACR webhook, off by default', () => {
    const withListKeys = bicepPaths.filter((path) => bicepFile(path).includes('listKeys('));
    expect(withListKeys).toEqual(['infra/modules/registryWebhook.bicep']);
    const main = bicepFile('infra/main.bicep');
    expect(main).toContain('param registryWebhookEnabled bool = false');
    expect(main).toContain(
      "module registryWebhook 'modules/registryWebhook.bicep' = if (registryWebhookEnabled) {",
    );
    expect(main).toContain('param registryEventsEnabled bool = true');
    expect(read('infra/main.parameters.json')).toContain(
      '"registryWebhookEnabled": { "value": "${PROMOTER_REGISTRY_WEBHOOK_ENABLED=false}" }',
    );
  });
});

describe('always-ready instances in infra/', () => {
  it('name the HTTP group and functions of the function table', () => {
    const functionApp = bicepFile('infra/modules/functionapp.bicep');
    const names = [...functionApp.matchAll(/\[\{ name: '([^']+)', instanceCount: \w+ \}\]/g)].map(
      ([, name]) => name,
    );
    expect(names).toEqual(['http', 'function:promotions']);
    const functions = names.flatMap((n) => (n?.startsWith('function:') ? [n.slice(9)] : []));
    for (const name of functions) expect(table.map((e) => e.name)).toContain(name);
    expect(functionApp).toMatch(/scaleAndConcurrency: \{\s*alwaysReady: alwaysReady/);
    for (const param of ['alwaysReadyHttp', 'alwaysReadyPromotions'])
      expect(bicepFile('infra/main.bicep')).toContain(`param ${param} int = 0`);
  });
});

describe('the roles on registries stages promote into by import, in infra/', () => {
  const module = 'infra/modules/targetRegistryRoles.bicep';
  const main = bicepFile('infra/main.bicep');
  const registryRoles = bicepFile('infra/modules/registryRoles.bicep');
  const deployment = read('docs/deployment.md');
  /** The role names a file's `roleIds` labels, by key (`dataImporter: '<guid>' // <name>`). */
  const labelled = (path: string): Record<string, string> =>
    Object.fromEntries(
      [...bicepFile(path).matchAll(/^ {2}(\w+): '[0-9a-f-]{36}' \/\/ (.+)$/gm)].map(
        ([, key, name]) => [key ?? '', name?.trim() ?? ''],
      ),
    );
  /** The role-assignment table rows of docs/deployment.md naming `scope` in their scope cell. */
  const docRows = (scope: RegExp): string[] =>
    deployment
      .split('\n')
      .filter((line) => line.startsWith('| app identity'))
      .filter((line) => scope.test(line.split('|')[3] ?? ''));

  it('imports into the target with the role the docs name for it, and grants no delete there', () => {
    expect(labelled(module)).toEqual({
      dataImporter: 'Container Registry Data Importer and Data Reader',
    });
    expect(bicepResource(module, 'importInto')).toMatch(
      /scope: registry\n[\s\S]*roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', roleIds\.dataImporter\)/,
    );
    const tagWrites = bicepBlock(module, 'module', 'tagWrites');
    expect(tagWrites).toContain("'registryRoles.bicep'");
    expect(tagWrites).toMatch(/^ {4}allowDelete: false$/m);
    expect(tagWrites).toMatch(/^ {4}roleAssignmentMode: mode\.outputs\.roleAssignmentMode$/m);
    expect(bicepBlock(module, 'module', 'mode')).toMatch(/^ {4}create: false$/m);
    const targetRows = docRows(/each target registry/);
    expect(
      targetRows.some((row) => row.includes('Container Registry Data Importer and Data Reader')),
    ).toBe(true);
    const writeRow = targetRows.find((row) => row.includes('Repository Writer'));
    expect(writeRow).toContain('AcrPush');
    // The tag-write roles registryRoles.bicep picks between are the ones that row names.
    const names = labelled('infra/modules/registryRoles.bicep');
    expect(writeRow).toContain(names.repositoryWriter ?? '-');
    expect(writeRow).toContain(names.acrPush ?? '-');
  });

  it('reads the build registry as an import source with the role the docs name, only with targets', () => {
    expect(labelled('infra/modules/registryRoles.bicep').dataImporter).toBe(
      'Container Registry Data Importer and Data Reader',
    );
    expect(registryRoles).toContain('param importSource bool = false');
    expect(bicepResource('infra/modules/registryRoles.bicep', 'importRead')).toMatch(
      /= if \(importSource\) \{[\s\S]*roleIds\.dataImporter/,
    );
    expect(bicepBlock('infra/main.bicep', 'module', 'registryRoles')).toMatch(
      /^ {4}importSource: !empty\(targetRegistryIds\)$/m,
    );
    const sourceRows = docRows(/^\s*build registry\s*$/);
    expect(
      sourceRows.map((row) => row.split('|')[2]?.includes('Data Importer and Data Reader')),
    ).toEqual([true]);
  });

  it("deploys the module in each target registry's own subscription and resource group, with the app identity", () => {
    expect(main).toContain("param targetRegistryResourceIds string = ''");
    expect(read('infra/main.parameters.json')).toContain(
      '"targetRegistryResourceIds": { "value": "${PROMOTER_TARGET_REGISTRY_RESOURCE_IDS=}" }',
    );
    expect(main).toContain(
      "var targetRegistryIds = filter(map(split(targetRegistryResourceIds, ','), r => trim(r)), r => !empty(r))",
    );
    const wiring = bicepBlock('infra/main.bicep', 'module', 'targetRegistryRoles');
    expect(wiring).toContain("'modules/targetRegistryRoles.bicep' = [");
    expect(wiring).toContain('for (id, i) in targetRegistryIds: {');
    expect(wiring).toContain("scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])");
    expect(wiring).toContain("registryName: last(split(id, '/'))");
    expect(wiring).toContain('principalId: identity.outputs.principalId');
    // The split positions are those of the resource id the pipeline's registries.<server>.resourceId holds.
    const id =
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';
    const parts = id.split('/');
    expect({ subscriptionId: parts[2], resourceGroup: parts[4], name: parts.at(-1) }).toEqual(
      parseRegistryResourceId(id),
    );
  });
});
