// One storage account for the Functions host (keys, leases, the Flex deployment package) and for
// the ledger tables. Shared-key access is off: everything reaches it with the managed identity.

param name string
param location string
param tags object = {}

@description('Blob container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

@description('Blob container Event Grid dead-letters registry events to when it cannot deliver them to the registry-events queue.')
param registryEventsDeadLetterContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Event Grid writes here an event it gave up delivering (after 30 attempts or 24 hours), one
// blob per event; the reconciler records the build from the registry all the same.
resource registryEventsDeadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: registryEventsDeadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output registryEventsDeadLetterContainerName string = registryEventsDeadLetterContainer.name
// Without the trailing slash, as the app documents PROMOTER_TABLES_ENDPOINT.
var tableUrl = storage.properties.primaryEndpoints.table
output tableEndpoint string = endsWith(tableUrl, '/') ? substring(tableUrl, 0, length(tableUrl) - 1) : tableUrl
