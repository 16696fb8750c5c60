// The app's role on the registry, deployed in the registry's resource group.
//
// Promoting re-tags: GET the manifest by digest (pull), PUT the same bytes under the new tag
// (push). On ACR an rc or release tag is then locked: PATCH the tag's attributes
// (writeEnabled/deleteEnabled false), a repository *metadata write*. Promoter deletes only when
// retention is on (`allowDelete`): the manifests of old builds that never went past the first
// stage (DELETE /v2/<name>/manifests/<digest>), a repository *content delete*.
//
// - ABAC-enabled registry ("RBAC Registry + ABAC Repository Permissions"): legacy AcrPull/AcrPush
//   are not honoured there. Container Registry Repository Writer has content read/write and
//   metadata read/write (which covers locking a tag) but no delete; Repository Contributor adds
//   delete, and is assigned instead only when retention is on. With `repositories` set, an ABAC
//   condition limits the role to those repositories (a name, or a prefix ending in `/`).
//   AcrDelete is not honoured in this mode either.
// - RBAC-only registry ("RBAC Registry Permissions"): AcrPush (pull + push, "manage tags"), the
//   smallest built-in role that can push. Microsoft's role reference does not say in so many words
//   that it covers writing tag attributes; if locking is refused, switch the registry to the ABAC
//   mode (Microsoft's recommended default) rather than granting Owner/Contributor. Retention adds
//   AcrDelete (registries/artifacts/delete and nothing else), the smallest role that can delete.
//
// As the source of a server-side import (`importSource`: some stage promotes into another ACR by
// ARM import, targetRegistryRoles.bicep): Container Registry Data Importer and Data Reader, the
// role Microsoft names for an Entra-authenticated import on the *source* registry as well as the
// target ("permissions to view and pull images, tags, and OCI referrers from the source
// registry"). The import runs in the target registry's service, which checks the caller's rights
// on the source through Resource Manager; the data-plane Writer/AcrPush above does not carry the
// control-plane `registries/read` and `registries/pull/read` it asks for. Microsoft documents no
// smaller role for it, nor which single action it checks, so no custom role is made here.

param registryName string

@description('Principal (object) id of the app\'s identity.')
param principalId string

@description('The registry\'s roleAssignmentMode (registry.bicep output).')
param roleAssignmentMode string

@description('ABAC-enabled registries only: repositories the app may promote in (exact names, or prefixes ending in /). Empty: all repositories.')
param repositories array = []

@description('Retention is on (PROMOTER_RETENTION_DAYS set): the app may delete manifests.')
param allowDelete bool = false

@description('Some stage promotes out of this registry into another ACR by server-side import: the app may read it as an import source.')
param importSource bool = false

var roleIds = {
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec' // AcrPush
  repositoryWriter: '2a1e307c-b015-4ebd-883e-5b7698a07328' // Container Registry Repository Writer
  acrDelete: 'c2f4ef07-c644-48eb-af81-4b1b4947fb11' // AcrDelete
  repositoryContributor: '2efddaa5-3f1f-4df3-97df-af3f13818f4c' // Container Registry Repository Contributor
  dataImporter: '577a9874-89fd-4f24-9dbd-b5034d0ad23a' // Container Registry Data Importer and Data Reader
}

var abac = roleAssignmentMode == 'AbacRepositoryPermissions'
var roleId = abac ? (allowDelete ? roleIds.repositoryContributor : roleIds.repositoryWriter) : roleIds.acrPush

var repositoryActions = concat([
  'content/read'
  'content/write'
  'metadata/read'
  'metadata/write'
], allowDelete ? [
  'content/delete'
  'metadata/delete'
] : [])
var notTheseActions = join(map(repositoryActions, a => '!(ActionMatches{\'Microsoft.ContainerRegistry/registries/repositories/${a}\'})'), ' AND ')
var repositoryMatches = join(map(repositories, r => endsWith(r, '/') ? '@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase \'${r}\'' : '@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase \'${r}\''), ' OR ')
var scoped = abac && !empty(repositories)

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

// Re-tag (pull + push manifests) and lock stage tags (metadata write), as explained above.
resource promote 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, roleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    condition: scoped ? '((${notTheseActions}) OR (${repositoryMatches}))' : null
    conditionVersion: scoped ? '2.0' : null
  }
}

// Retention deletes old builds' manifests (RBAC-only registries; on ABAC ones the Contributor role
// above covers it). Only when retention is on.
resource retentionDelete 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (allowDelete && !abac) {
  name: guid(registry.id, principalId, roleIds.acrDelete)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrDelete)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// An import into another ACR reads the digest, its index children and its referrers from here
// (the source's rights, explained above). Registry-wide: Microsoft's import role takes no ABAC
// repository condition. Only when some target is declared (main.bicep's targetRegistryResourceIds).
resource importRead 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (importSource) {
  name: guid(registry.id, principalId, roleIds.dataImporter)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.dataImporter)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
