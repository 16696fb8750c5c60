// The Function App on the Flex Consumption plan (FC1), Node 22, running as the user-assigned
// identity. The app settings below are exactly what the app and the Functions host read; keep
// one `{ name: '…', value: … }` per line: test/infra/consistency.test.ts parses them and compares
// them with src/composition/config.ts (SETTINGS) and its host allow-list.
//
// Flex Consumption takes the runtime from functionAppConfig.runtime; FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and WEBSITE_CONTENT* are deprecated there
// and must not be set.

param planName string
param name string
param location string
param tags object = {}

@description('azd service name in azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string = 'promoter'

@description('Resource id and client id of the user-assigned identity.')
param identityId string
param identityClientId string

param storageAccountName string
param deploymentStorageBlobEndpoint string
param deploymentContainerName string
param tablesEndpoint string
param tablePrefix string

param applicationInsightsConnectionString string

param serviceBusFullyQualifiedNamespace string
param maxDeliveryCount int

param registryLoginServer string
@description('The build registry\'s ARM resource id (ACR-to-ACR promotion imports through ARM).')
param registryResourceId string

param webhookAuthHeader string
param webhookSecretUri string

@description('Key Vault secret URI of the previous webhook secret during a rotation; empty otherwise.')
param webhookSecretPreviousUri string = ''

@description('PROMOTER_RETENTION_DAYS: delete builds older than this that never went past the first stage; 0: retention off.')
@minValue(0)
@maxValue(3650)
param retentionDays int = 0

@description('PROMOTER_RETENTION_SCHEDULE: when the retention timer runs (NCRONTAB with seconds, UTC).')
param retentionSchedule string = '0 30 3 * * *'

@description('Key Vault secret URIs of the optional chat and gate settings, by setting name; empty when not given.')
param optionalSecretUris object = {}

// A Key Vault reference for each optional secret that was given, an empty setting otherwise.
var optionalSecretRefs = toObject(items(optionalSecretUris), e => e.key, e => empty(e.value) ? '' : '@Microsoft.KeyVault(SecretUri=${e.value})')

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
@description('Always-ready instances for the HTTP functions (Flex Consumption\'s `http` group: chat, the board, the API, the webhook); 0: scale to zero. Billed while idle (README, "Always-ready instances").')
param alwaysReadyHttp int = 0

@minValue(0)
@description('Always-ready instances for the `promotions` queue function (`function:promotions`); 0: scale to zero. Billed while idle.')
param alwaysReadyPromotions int = 0

// Flex Consumption's per-function scaling: `http` is the group of every HTTP-triggered function,
// `function:<name>` one function (test/infra/consistency.test.ts checks the name against the
// function table). An entry with no instances is left out rather than sent as 0.
var alwaysReadyHttpGroup = alwaysReadyHttp > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttp }] : []
var alwaysReadyPromotionsFunction = alwaysReadyPromotions > 0 ? [{ name: 'function:promotions', instanceCount: alwaysReadyPromotions }] : []
var alwaysReady = concat(alwaysReadyHttpGroup, alwaysReadyPromotionsFunction)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (PROMOTER_WEBHOOK_SECRET*) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // Host storage by identity (keys, leases); the user-assigned identity, not a system one.
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // The Service Bus triggers' identity-based connection (connection name ServiceBusConnection).
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: serviceBusFullyQualifiedNamespace }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identityClientId }
        // Telemetry with Entra ID authentication (local auth is disabled on the component).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // DefaultAzureCredential in the app (ledger, Service Bus sender, registry) uses this identity.
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        // What loadConfig reads (src/composition/config.ts).
        { name: 'PROMOTER_WEBHOOK_SECRET', value: '@Microsoft.KeyVault(SecretUri=${webhookSecretUri})' }
        { name: 'PROMOTER_WEBHOOK_SECRET_PREVIOUS', value: empty(webhookSecretPreviousUri) ? '' : '@Microsoft.KeyVault(SecretUri=${webhookSecretPreviousUri})' }
        { name: 'PROMOTER_WEBHOOK_AUTH_HEADER', value: webhookAuthHeader }
        { name: 'PROMOTER_TABLES_ENDPOINT', value: tablesEndpoint }
        { name: 'PROMOTER_TABLE_PREFIX', value: tablePrefix }
        { name: 'PROMOTER_PIPELINE_FILE', value: 'promoter.pipeline.json' }
        { name: 'PROMOTER_REGISTRY', value: registryLoginServer }
        { name: 'PROMOTER_REGISTRY_AUTH', value: 'azure' }
        { name: 'PROMOTER_REGISTRY_RESOURCE_ID', value: registryResourceId }
        { name: 'PROMOTER_SERVICEBUS_NAMESPACE', value: serviceBusFullyQualifiedNamespace }
        { name: 'PROMOTER_MAX_DELIVERY_COUNT', value: string(maxDeliveryCount) }
        { name: 'PROMOTER_APPROVALS_HMAC_SECRET', value: optionalSecretRefs.?PROMOTER_APPROVALS_HMAC_SECRET ?? '' }
        { name: 'SLACK_SIGNING_SECRET', value: optionalSecretRefs.?SLACK_SIGNING_SECRET ?? '' }
        { name: 'SLACK_WEBHOOK_URL', value: optionalSecretRefs.?SLACK_WEBHOOK_URL ?? '' }
        { name: 'TEAMS_OUTGOING_WEBHOOK_TOKEN', value: optionalSecretRefs.?TEAMS_OUTGOING_WEBHOOK_TOKEN ?? '' }
        { name: 'TEAMS_WEBHOOK_URL', value: optionalSecretRefs.?TEAMS_WEBHOOK_URL ?? '' }
        // Retention (empty days: off). The timer's schedule must be set: its trigger reads %PROMOTER_RETENTION_SCHEDULE%.
        { name: 'PROMOTER_RETENTION_DAYS', value: retentionDays > 0 ? string(retentionDays) : '' }
        { name: 'PROMOTER_RETENTION_SCHEDULE', value: retentionSchedule }
        // The reconciler (registry vs ledger). Its timer reads %PROMOTER_RECONCILE_SCHEDULE%, so it must be set.
        { name: 'PROMOTER_RECONCILE_ENABLED', value: 'true' }
        { name: 'PROMOTER_RECONCILE_SCHEDULE', value: '0 */5 * * * *' }
        { name: 'PROMOTER_RECONCILE_REPOSITORIES', value: '**' }
        // The marker sweep (event markers and replay rows past their window; never the history). Its timer reads %PROMOTER_SWEEP_SCHEDULE%, so it must be set.
        { name: 'PROMOTER_MARKER_DAYS', value: '30' }
        { name: 'PROMOTER_SWEEP_SCHEDULE', value: '0 15 4 * * *' }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${deploymentStorageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        alwaysReady: alwaysReady
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
