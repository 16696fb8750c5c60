// The app's role on the registry, deployed in the registry's resource group.
//
// Promoting re-tags: GET the manifest by digest (pull), PUT the same bytes under the new tag
// (push). On ACR an rc or release tag is then locked: PATCH the tag's attributes
// (writeEnabled/deleteEnabled false), a repository *metadata write*. Promoter never deletes.
//
// - ABAC-enabled registry ("RBAC Registry + ABAC Repository Permissions"): legacy AcrPull/AcrPush
//   are not honoured there. Container Registry Repository Writer has content read/write and
//   metadata read/write (which covers locking a tag) but no delete; Repository Contributor would
//   add delete, which promoter does not need. With `repositories` set, an ABAC condition limits
//   the role to those repositories (a name, or a prefix ending in `/`).
// - RBAC-only registry ("RBAC Registry Permissions"): AcrPush (pull + push, "manage tags"), the
//   smallest built-in role that can push. Microsoft's role reference does not say in so many words
//   that it covers writing tag attributes; if locking is refused, switch the registry to the ABAC
//   mode (Microsoft's recommended default) rather than granting Owner/Contributor.

param registryName string

@description('Principal (object) id of the app\'s identity.')
param principalId string

@description('The registry\'s roleAssignmentMode (registry.bicep output).')
param roleAssignmentMode string

@description('ABAC-enabled registries only: repositories the app may promote in (exact names, or prefixes ending in /). Empty: all repositories.')
param repositories array = []

var roleIds = {
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec' // AcrPush
  repositoryWriter: '2a1e307c-b015-4ebd-883e-5b7698a07328' // Container Registry Repository Writer
}

var abac = roleAssignmentMode == 'AbacRepositoryPermissions'
var roleId = abac ? roleIds.repositoryWriter : roleIds.acrPush

var repositoryActions = [
  'content/read'
  'content/write'
  'metadata/read'
  'metadata/write'
]
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
