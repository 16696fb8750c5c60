// What the registry's Event Grid system topic may do with its system-assigned identity, in
// promoter's resource group: deliver registry events to one queue and dead-letter to one blob
// container. Nothing else: it cannot read the queue, the ledger or any other container.

@description('Principal (object) id of the system topic\'s system-assigned identity.')
param principalId string

param serviceBusNamespaceName string
param registryEventsQueueName string
param storageAccountName string
param deadLetterContainerName string

// Built-in role definition ids (test/infra/consistency.test.ts checks each against its name).
var roleIds = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource registryEventsQueue 'queues' existing = {
    name: registryEventsQueueName
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

// Event Grid sends each registry event to the registry-events queue with the topic's identity
// (deliveryWithResourceIdentity); Microsoft names Data Sender as the role for a Service Bus
// destination. Send only, on this queue only.
resource deliver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::registryEventsQueue.id, principalId, roleIds.serviceBusDataSender)
  scope: serviceBus::registryEventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Event Grid writes an event it gave up delivering to this container, with the same identity
// (deadLetterWithResourceIdentity); Microsoft names Blob Data Contributor for a blob
// destination. Scoped to the one container, not the account (the host's and ledger's data).
resource deadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, principalId, roleIds.storageBlobDataContributor)
  scope: storage::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
