// promoter on Azure: a Flex Consumption Function App with a user-assigned identity, its storage
// (host + ledger + Event Grid's dead letters), Service Bus (promotions and registry-events
// queues, promotion-events topic), Key Vault (webhook, approval-signing and chat secrets),
// Application Insights, the registry's role, its Event Grid system topic and subscription (how
// builds arrive in Azure), the optional registry webhook, the pipeline identities' right to
// post approvals, and the app's roles on the ACRs stages promote into by import.
//
// Subscription scope, as azd templates conventionally are: the deployment creates its own
// resource group (rg-<environment>) and can reach an existing registry in another resource group.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers Flex Consumption).')
param location string

@description('Resource group for promoter; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Container registry name (without .azurecr.io). Existing unless registryCreate; empty with registryCreate generates one.')
param registryName string = ''

@description('Resource group of an existing registry; default: promoter\'s resource group.')
param registryResourceGroupName string = ''

@description('Create a new registry (in promoter\'s resource group) instead of using an existing one.')
param registryCreate bool = false

@description('ABAC-enabled registries: repositories promoter may promote in (names, or prefixes ending in /), comma-separated; empty for all.')
param registryRepositories string = ''

@description('Resource ids of the ACRs stages promote into by server-side import (the pipeline\'s `registries.<server>.resourceId` other than the build registry), comma-separated; empty for none. Each gets the app\'s import and tag-write roles (modules/targetRegistryRoles.bicep), in its own resource group and subscription; the build registry then gets the import-source role.')
param targetRegistryResourceIds string = ''

@description('Deliver the registry\'s push and delete events through Event Grid to the registry-events queue (the `registryEvents` function). The way builds arrive in Azure: Event Grid retries for 24 hours, ACR webhooks never retry.')
param registryEventsEnabled bool = true

@description('An existing Event Grid system topic on the registry (only one is allowed per registry), with its system-assigned identity on; empty: create one.')
param registryEventGridTopicName string = ''

@description('Also create an ACR webhook to the registryWebhook function, a fast path beside Event Grid (off by default; with Event Grid off it is the only path, and ACR never retries it). Reads the app\'s host key at deployment: turn it on only once the app has been deployed, then provision again.')
param registryWebhookEnabled bool = false

@description('Webhook scope, e.g. `myapp:*`; empty for every repository.')
param registryWebhookScope string = ''

@secure()
@minLength(16)
@description('Shared secret the registry sends and the app checks (openssl rand -base64 32).')
param webhookSecret string

@secure()
@description('The previous secret, accepted as well during a rotation; empty otherwise.')
param webhookSecretPrevious string = ''

@secure()
@description('Secret that signs POST /api/approvals bodies (PROMOTER_APPROVALS_HMAC_SECRET); empty: the endpoint refuses all.')
param approvalsHmacSecret string = ''

@secure()
@description('Slack app signing secret (SLACK_SIGNING_SECRET); empty: no Slack commands.')
param slackSigningSecret string = ''

@secure()
@description('Slack incoming webhook URL for outcome notifications (SLACK_WEBHOOK_URL).')
param slackWebhookUrl string = ''

@secure()
@description('Teams outgoing webhook security token (TEAMS_OUTGOING_WEBHOOK_TOKEN); empty: no Teams mentions.')
param teamsOutgoingWebhookToken string = ''

@secure()
@description('Teams Workflows webhook URL ("When a Teams webhook request is received") for outcome notifications (TEAMS_WEBHOOK_URL).')
param teamsWebhookUrl string = ''

@description('Object ids of pipeline identities allowed to post approvals (send to the promotions queue), comma-separated.')
param pipelinePrincipalIds string = ''

@allowed([
  'ServicePrincipal'
  'Group'
  'User'
])
param pipelinePrincipalType string = 'ServicePrincipal'

@minValue(0)
@maxValue(3650)
@description('Retention: delete builds older than this many days that never went past the first stage (PROMOTER_RETENTION_DAYS); 0 turns it off, and the app gets no right to delete.')
param retentionDays int = 0

@description('When the retention timer runs: NCRONTAB with seconds, in UTC (PROMOTER_RETENTION_SCHEDULE).')
param retentionSchedule string = '0 30 3 * * *'

@description('Prefix of every ledger table name (PROMOTER_TABLE_PREFIX).')
param tablePrefix string = 'promoter'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(0)
@description('Always-ready instances for the HTTP functions (chat answers without a cold start); 0: scale to zero. Each is billed while idle: see the README.')
param alwaysReadyHttp int = 0

@minValue(0)
@description('Always-ready instances for the `promotions` queue function (an approval is picked up without a cold start); 0: scale to zero. Billed while idle.')
param alwaysReadyPromotions int = 0

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var appName = 'func-promoter-${resourceToken}'
var deploymentContainerName = 'app-package-${take(appName, 32)}-${take(resourceToken, 7)}'
var registryEventsDeadLetterContainerName = 'registry-events-deadletter'

// One number for the queue and the app: a message is dead-lettered after this many deliveries,
// and the app reports the last attempt as final (PROMOTER_MAX_DELIVERY_COUNT). 10 deliveries
// with the app's redelivery pauses (src/domain/redeliveryPolicy.ts) ride out a 10-minute outage.
var maxDeliveryCount = 10

// Must equal the registryWebhook function's route (src/functions/functionTable.ts), which is
// its URL path: host.json's routePrefix is empty (so the board is served at /);
// test/infra/consistency.test.ts checks both.
var registryWebhookRoute = 'api/hooks/registry'

// The header the registry sends the secret in; the app reads the same name.
var webhookAuthHeader = 'Authorization'

var registryNameResolved = !empty(registryName) ? registryName : 'crpromoter${resourceToken}'
var registryResourceGroupResolved = registryCreate || empty(registryResourceGroupName) ? rg.name : registryResourceGroupName
var repositories = filter(map(split(registryRepositories, ','), r => trim(r)), r => !empty(r))
var pipelineIds = filter(map(split(pipelinePrincipalIds, ','), p => trim(p)), p => !empty(p))
// /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>
var targetRegistryIds = filter(map(split(targetRegistryResourceIds, ','), r => trim(r)), r => !empty(r))

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-promoter-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    registryEventsDeadLetterContainerName: registryEventsDeadLetterContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    maxDeliveryCount: maxDeliveryCount
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    webhookSecret: webhookSecret
    webhookSecretPrevious: webhookSecretPrevious
    approvalsHmacSecret: approvalsHmacSecret
    slackSigningSecret: slackSigningSecret
    slackWebhookUrl: slackWebhookUrl
    teamsOutgoingWebhookToken: teamsOutgoingWebhookToken
    teamsWebhookUrl: teamsWebhookUrl
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: resourceGroup(registryResourceGroupResolved)
  // A new registry goes into promoter's resource group, which must exist first.
  dependsOn: [
    rg
  ]
  params: {
    name: registryNameResolved
    create: registryCreate
    location: location
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    promotionsQueueName: serviceBus.outputs.promotionsQueueName
    promotionEventsTopicName: serviceBus.outputs.promotionEventsTopicName
    notificationsSubscriptionName: serviceBus.outputs.notificationsSubscriptionName
    registryEventsQueueName: serviceBus.outputs.registryEventsQueueName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    webhookSecretName: keyVault.outputs.webhookSecretName
    webhookSecretPreviousName: keyVault.outputs.webhookSecretPreviousName
    optionalSecretNames: filter(map(keyVault.outputs.optionalSecrets, s => s.secretName), n => !empty(n))
  }
}

module registryRoles 'modules/registryRoles.bicep' = {
  name: 'registry-roles'
  scope: resourceGroup(registryResourceGroupResolved)
  // A new registry goes into promoter's resource group, which must exist first.
  dependsOn: [
    rg
  ]
  params: {
    registryName: registry.outputs.name
    principalId: identity.outputs.principalId
    roleAssignmentMode: registry.outputs.roleAssignmentMode
    repositories: repositories
    allowDelete: retentionDays > 0
    importSource: !empty(targetRegistryIds)
  }
}

// The app's roles on each registry a stage promotes into by import, deployed where that registry
// is (another resource group or subscription: the deployer needs the right to assign roles there).
module targetRegistryRoles 'modules/targetRegistryRoles.bicep' = [
  for (id, i) in targetRegistryIds: {
    name: take('target-registry-roles-${resourceToken}-${i}', 64)
    scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
    params: {
      registryName: last(split(id, '/'))
      principalId: identity.outputs.principalId
    }
  }
]

module pipelineRoles 'modules/pipelineRoles.bicep' = {
  name: 'pipeline-roles'
  scope: rg
  params: {
    principalIds: pipelineIds
    principalType: pipelinePrincipalType
    serviceBusNamespaceName: serviceBus.outputs.name
    promotionsQueueName: serviceBus.outputs.promotionsQueueName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The host must reach its storage, Key Vault and Service Bus from its first start.
  dependsOn: [
    roles
    registryRoles
  ]
  params: {
    planName: 'plan-${resourceToken}'
    name: appName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentStorageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    tablesEndpoint: storage.outputs.tableEndpoint
    tablePrefix: tablePrefix
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    maxDeliveryCount: maxDeliveryCount
    retentionDays: retentionDays
    retentionSchedule: retentionSchedule
    registryLoginServer: registry.outputs.loginServer
    registryResourceId: registry.outputs.id
    webhookAuthHeader: webhookAuthHeader
    webhookSecretUri: keyVault.outputs.webhookSecretUri
    webhookSecretPreviousUri: keyVault.outputs.webhookSecretPreviousUri
    optionalSecretUris: toObject(keyVault.outputs.optionalSecrets, s => s.setting, s => s.uri)
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttp: alwaysReadyHttp
    alwaysReadyPromotions: alwaysReadyPromotions
  }
}

// How builds arrive in Azure: the registry's system topic (in the registry's resource group and
// region), its identity's roles on the queue and the dead-letter container (here), then the
// subscription, which delivers with that identity.
module registryEventsTopic 'modules/eventGridTopic.bicep' = if (registryEventsEnabled) {
  name: 'registry-events-topic'
  scope: resourceGroup(registryResourceGroupResolved)
  params: {
    registryName: registry.outputs.name
    location: registry.outputs.location
    tags: tags
    newTopicName: 'evgt-${registryNameResolved}'
    existingTopicName: registryEventGridTopicName
  }
}

module registryEventsRoles 'modules/eventGridRoles.bicep' = if (registryEventsEnabled) {
  name: 'registry-events-roles'
  scope: rg
  params: {
    principalId: registryEventsTopic!.outputs.principalId
    serviceBusNamespaceName: serviceBus.outputs.name
    registryEventsQueueName: serviceBus.outputs.registryEventsQueueName
    storageAccountName: storage.outputs.name
    deadLetterContainerName: storage.outputs.registryEventsDeadLetterContainerName
  }
}

module registryEventsSubscription 'modules/eventGridSubscription.bicep' = if (registryEventsEnabled) {
  name: 'registry-events-subscription'
  scope: resourceGroup(registryResourceGroupResolved)
  // Deliveries start at once: the topic's identity should hold its roles first.
  dependsOn: [
    registryEventsRoles
  ]
  params: {
    topicName: registryEventsTopic!.outputs.name
    name: 'promoter-${resourceToken}'
    queueId: serviceBus.outputs.registryEventsQueueId
    deadLetterStorageAccountId: storage.outputs.id
    deadLetterContainerName: storage.outputs.registryEventsDeadLetterContainerName
  }
}

module registryWebhook 'modules/registryWebhook.bicep' = if (registryWebhookEnabled) {
  name: 'registry-webhook'
  scope: resourceGroup(registryResourceGroupResolved)
  params: {
    registryName: registry.outputs.name
    location: registry.outputs.location
    functionAppName: functionApp.outputs.name
    functionAppResourceGroupName: rg.name
    route: registryWebhookRoute
    scope: registryWebhookScope
    authHeader: webhookAuthHeader
    webhookSecret: webhookSecret
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output PROMOTER_FUNCTION_APP_NAME string = functionApp.outputs.name
output PROMOTER_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output PROMOTER_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output PROMOTER_REGISTRY string = registry.outputs.loginServer
output PROMOTER_REGISTRY_NAME string = registry.outputs.name
output PROMOTER_REGISTRY_RESOURCE_GROUP string = registryResourceGroupResolved
output PROMOTER_KEY_VAULT_NAME string = keyVault.outputs.name
output PROMOTER_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output PROMOTER_EVENT_GRID_TOPIC string = registryEventsEnabled ? registryEventsTopic!.outputs.name : ''
