// Key Vault for the webhook's shared secret. The app setting holds a Key Vault reference, not the
// secret, and the app's identity may read exactly these secrets (roles.bicep); the same value is
// sent by the registry in its Authorization header (registryWebhook.bicep).

param name string
param location string
param tags object = {}

@secure()
@description('The current webhook secret.')
param webhookSecret string

@secure()
@description('The previous webhook secret during a rotation; empty otherwise.')
param webhookSecretPrevious string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource current 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'webhook-secret'
  properties: {
    value: webhookSecret
  }
}

resource previous 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecretPrevious)) {
  parent: vault
  name: 'webhook-secret-previous'
  properties: {
    value: webhookSecretPrevious
  }
}

output name string = vault.name
output webhookSecretName string = current.name
output webhookSecretPreviousName string = empty(webhookSecretPrevious) ? '' : 'webhook-secret-previous'
// Versioned URIs: a new secret value changes the app setting, which restarts the app with it.
output webhookSecretUri string = current.properties.secretUriWithVersion
output webhookSecretPreviousUri string = empty(webhookSecretPrevious) ? '' : previous!.properties.secretUriWithVersion
