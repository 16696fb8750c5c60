// The app's roles on a registry that stages promote *into* by server-side import: a declared ACR
// with a `resourceId` in the pipeline's `registries` (docs/configuration.md), usually in another
// resource group or subscription. Deploy this module in the target registry's resource group:
// main.bicep does, for each id in targetRegistryResourceIds (scope resourceGroup(sub, rg)); or a
// person with the right to assign roles there deploys it alone (docs/deployment.md).
//
// A promotion into such a stage does two things in the target registry:
// 1. Import the approved digest, its index children and its referrers from the source registry
//    through Resource Manager (`registries.importImage`, mode NoForce, by digest, no tag), which
//    needs `Microsoft.ContainerRegistry/registries/importImage/action` on the target. The
//    smallest built-in role holding it is Container Registry Data Importer and Data Reader
//    (importImage/action, registries/read, pull/read and repository/catalog reads; no push, no
//    delete, no registry write): the role Microsoft names for `az acr import` on the target. It
//    also lets the target serve as the source of a later stage's import (the same role is what
//    Microsoft names on a source). It takes no ABAC repository condition: import and read are
//    registry-wide.
// 2. Write the stage's tags on the imported digest and lock the immutable ones, through the
//    data plane, as in the build registry: registryRoles.bicep (Repository Writer on an
//    ABAC-mode registry, optionally limited to `repositories`; AcrPush on an RBAC-only one).
//    Never a delete right: retention runs in the build registry only.

@description('Name of the target registry (without .azurecr.io), in this resource group.')
param registryName string

@description('Principal (object) id of the function app\'s identity (main.bicep: identity.outputs.principalId; `az identity show --query principalId`).')
param principalId string

@description('ABAC-mode registries only: repositories the app may write tags in (exact names, or prefixes ending in /). Empty: all repositories.')
param repositories array = []

var roleIds = {
  dataImporter: '577a9874-89fd-4f24-9dbd-b5034d0ad23a' // Container Registry Data Importer and Data Reader
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

// The registry's roleAssignmentMode decides the tag-write role; a module output is known when
// the next module starts, so registryRoles.bicep can name its assignment after the role.
module mode 'registry.bicep' = {
  name: take('${deployment().name}-mode', 64)
  params: {
    name: registryName
    create: false
  }
}

// Step 2 above: write and lock the stage's tags (no delete, no import-source role: the import
// role below covers reads).
module tagWrites 'registryRoles.bicep' = {
  name: take('${deployment().name}-tags', 64)
  params: {
    registryName: registryName
    principalId: principalId
    roleAssignmentMode: mode.outputs.roleAssignmentMode
    repositories: repositories
    allowDelete: false
    importSource: false
  }
}

// Step 1 above: the server-side import into this registry (importImage/action).
resource importInto 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, roleIds.dataImporter)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.dataImporter)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output registryId string = registry.id
output roleAssignmentMode string = mode.outputs.roleAssignmentMode
