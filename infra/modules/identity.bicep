// The app's user-assigned managed identity. It exists before the function app, so every role
// assignment (roles.bicep, registryRoles.bicep) and the Key Vault reference can be in place
// when the Functions host first starts; a system-assigned identity would only exist after the
// site, and the host would start without access to its own storage.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
