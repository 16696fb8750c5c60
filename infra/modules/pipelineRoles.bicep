// The smaller role set for pipeline identities (CI jobs, release gates) that only post approvals
// with `promoter approve|reject`: they may send to the promotions queue, nothing else. They cannot
// read the queue, publish outcomes, touch the ledger or the registry.

@description('Object ids of the pipeline identities (service principals, managed identities or groups).')
param principalIds array

@allowed([
  'ServicePrincipal'
  'Group'
  'User'
])
param principalType string = 'ServicePrincipal'

param serviceBusNamespaceName string
param promotionsQueueName string

var roleIds = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource promotionsQueue 'queues' existing = {
    name: promotionsQueueName
  }
}

// A pipeline gate sends approval messages to the promotions queue (and only there).
resource postApprovals 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in principalIds: {
    name: guid(serviceBus::promotionsQueue.id, principalId, roleIds.serviceBusDataSender)
    scope: serviceBus::promotionsQueue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
      principalId: principalId
      principalType: principalType
    }
  }
]
