// What the app's managed identity may do in the app's resource group, one assignment per need,
// each at the narrowest scope that works. The registry role is in registryRoles.bicep (the
// registry may live in another resource group); pipeline identities are in pipelineRoles.bicep.

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

param storageAccountName string
param serviceBusNamespaceName string
param promotionsQueueName string
param promotionEventsTopicName string
param notificationsSubscriptionName string
param registryEventsQueueName string
param applicationInsightsName string
param keyVaultName string
param webhookSecretName string

@description('Name of the previous webhook secret during a rotation; empty otherwise.')
param webhookSecretPreviousName string = ''

@description('Names of the optional chat and gate secrets that were given (keyvault.bicep).')
param optionalSecretNames array = []

// Built-in role definition ids (test/infra/consistency.test.ts checks each against its name).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource promotionsQueue 'queues' existing = {
    name: promotionsQueueName
  }

  resource promotionEventsTopic 'topics' existing = {
    name: promotionEventsTopicName

    resource notificationsSubscription 'subscriptions' existing = {
      name: notificationsSubscriptionName
    }
  }

  resource registryEventsQueue 'queues' existing = {
    name: registryEventsQueueName
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName

  resource optionalSecret 'secrets' existing = [
    for name in optionalSecretNames: {
      name: name
    }
  ]

  resource webhookSecret 'secrets' existing = {
    name: webhookSecretName
  }

  resource webhookSecretPrevious 'secrets' existing = if (!empty(webhookSecretPreviousName)) {
    name: empty(webhookSecretPreviousName) ? 'unused' : webhookSecretPreviousName
  }
}

// Host storage by identity (AzureWebJobsStorage__accountName): the Functions host keeps its keys
// and leases in blobs and the Flex plan reads the deployment package from a blob container. The
// Functions docs name Blob Data Owner as the minimum for host storage; no queue role is needed
// (no blob or storage-queue triggers).
resource hostBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The ledger (PROMOTER_TABLES_ENDPOINT): the app creates its tables on first use and writes
// builds, promotions and stage heads. Also lets the host persist its diagnostic events.
resource ledgerTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The `promotions` function's trigger (connection ServiceBusConnection) receives and settles
// approval messages on this queue only.
resource promotionsReceive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::promotionsQueue.id, principalId, roleIds.serviceBusDataReceiver)
  scope: serviceBus::promotionsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The webhook enqueues the automatic dev promotion and POST /api/approvals enqueues approvals,
// both through the app's Service Bus sender (PROMOTER_SERVICEBUS_NAMESPACE).
resource promotionsSend 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::promotionsQueue.id, principalId, roleIds.serviceBusDataSender)
  scope: serviceBus::promotionsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The promotions function publishes each outcome (promoted, pending, rejected, failed) here.
resource outcomesSend 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::promotionEventsTopic.id, principalId, roleIds.serviceBusDataSender)
  scope: serviceBus::promotionEventsTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The `notifications` function's trigger receives and settles outcome events on this topic
// subscription. A topic trigger needs a receive role whose scope covers its subscription
// (Microsoft: "If only the topic is included, an error will occur"); Data Sender on the topic
// above does not let it listen. Scoped to the one subscription, not the topic.
resource notificationsReceive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::promotionEventsTopic::notificationsSubscription.id, principalId, roleIds.serviceBusDataReceiver)
  scope: serviceBus::promotionEventsTopic::notificationsSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The `registryEvents` function's trigger receives and settles the registry events Event Grid
// delivers to this queue. The app never sends here (Event Grid does, with its own identity).
resource registryEventsReceive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::registryEventsQueue.id, principalId, roleIds.serviceBusDataReceiver)
  scope: serviceBus::registryEventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Application Insights has local authentication disabled; the host sends telemetry with the
// identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which needs this role on the component.
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The platform resolves the Key Vault reference in PROMOTER_WEBHOOK_SECRET with this identity
// (keyVaultReferenceIdentity); it may read this one secret, not the whole vault.
resource readWebhookSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::webhookSecret.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault::webhookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Same, for PROMOTER_WEBHOOK_SECRET_PREVIOUS while a rotation is in progress.
resource readWebhookSecretPrevious 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(webhookSecretPreviousName)) {
  name: guid(vault::webhookSecretPrevious.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault::webhookSecretPrevious
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Same, for each chat or gate secret that was given (PROMOTER_APPROVALS_HMAC_SECRET, SLACK_*,
// TEAMS_*): the app may read those secrets and no other.
resource readOptionalSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in optionalSecretNames: {
    name: guid(vault::optionalSecret[i].id, principalId, roleIds.keyVaultSecretsUser)
    scope: vault::optionalSecret[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
