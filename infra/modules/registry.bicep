// The container registry builds are pushed to: an existing one (the usual case, possibly in
// another resource group: this module is deployed there) or a new one. A new registry uses the
// "RBAC Registry + ABAC Repository Permissions" mode, so the app's role can be limited to
// repositories (registryRoles.bicep).

param name string

@description('Create the registry (true) or use an existing one by name (false).')
param create bool = false

param location string = resourceGroup().location
param tags object = {}

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Basic'

resource newRegistry 'Microsoft.ContainerRegistry/registries@2025-11-01' = if (create) {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    roleAssignmentMode: 'AbacRepositoryPermissions'
  }
}

resource existingRegistry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = if (!create) {
  name: name
}

output name string = name
@description('The registry\'s ARM resource id: PROMOTER_REGISTRY_RESOURCE_ID, so an ACR-to-ACR promotion can import server-side.')
output id string = create ? newRegistry!.id : existingRegistry!.id
output loginServer string = create ? newRegistry!.properties.loginServer : existingRegistry!.properties.loginServer
output location string = create ? newRegistry!.location : existingRegistry!.location
// 'AbacRepositoryPermissions' or 'LegacyRegistryPermissions' (registries created before the
// property existed report nothing: legacy).
output roleAssignmentMode string = create ? 'AbacRepositoryPermissions' : (existingRegistry!.properties.?roleAssignmentMode ?? 'LegacyRegistryPermissions')
