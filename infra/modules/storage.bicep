// One storage account for the Functions host (keys, leases, the Flex deployment package) and for
// the ledger tables. Shared-key access is off: everything reaches it with the managed identity.

param name string
param location string
param tags object = {}

@description('Blob container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

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

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
// Without the trailing slash, as the app documents PROMOTER_TABLES_ENDPOINT.
var tableUrl = storage.properties.primaryEndpoints.table
output tableEndpoint string = endsWith(tableUrl, '/') ? substring(tableUrl, 0, length(tableUrl) - 1) : tableUrl
