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

// Optional chat and gate secrets: each one given is stored here and referenced from its app
// setting; an empty one leaves the setting empty (the matching endpoint then refuses requests).
@secure()
param approvalsHmacSecret string = ''
@secure()
param slackSigningSecret string = ''
@secure()
param slackWebhookUrl string = ''
@secure()
param teamsOutgoingWebhookToken string = ''
@secure()
param teamsWebhookUrl string = ''

var optional = [
  { setting: 'PROMOTER_APPROVALS_HMAC_SECRET', secret: 'approvals-hmac-secret', value: approvalsHmacSecret }
  { setting: 'SLACK_SIGNING_SECRET', secret: 'slack-signing-secret', value: slackSigningSecret }
  { setting: 'SLACK_WEBHOOK_URL', secret: 'slack-webhook-url', value: slackWebhookUrl }
  { setting: 'TEAMS_OUTGOING_WEBHOOK_TOKEN', secret: 'teams-outgoing-webhook-token', value: teamsOutgoingWebhookToken }
  { setting: 'TEAMS_WEBHOOK_URL', secret: 'teams-webhook-url', value: teamsWebhookUrl }
]

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

resource optionalSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for item in optional: if (!empty(item.value)) {
    parent: vault
    name: item.secret
    properties: {
      value: item.value
    }
  }
]

output name string = vault.name
output webhookSecretName string = current.name
output webhookSecretPreviousName string = empty(webhookSecretPrevious) ? '' : 'webhook-secret-previous'
// Versioned URIs: a new secret value changes the app setting, which restarts the app with it.
output webhookSecretUri string = current.properties.secretUriWithVersion
output webhookSecretPreviousUri string = empty(webhookSecretPrevious) ? '' : previous!.properties.secretUriWithVersion
// Per optional setting: its Key Vault secret name and versioned URI, both empty when not given.
output optionalSecrets array = [
  for (item, i) in optional: {
    setting: item.setting
    secretName: empty(item.value) ? '' : item.secret
    uri: empty(item.value) ? '' : optionalSecrets[i].properties.secretUriWithVersion
  }
]
