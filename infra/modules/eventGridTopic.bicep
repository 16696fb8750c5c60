// The registry's Event Grid system topic, deployed in the registry's resource group and region
// (a system topic lives beside its source). Azure Container Registry publishes every push and
// delete to it; unlike ACR's webhooks, Event Grid retries a failed delivery (eventGridSubscription.bicep).
//
// Only one system topic is allowed per source: when the registry already has one (another
// promoter environment, or other tooling), pass its name and it is used as it is. It must
// have its system-assigned identity on, since the subscription delivers with that identity.

param registryName string
param location string
param tags object = {}

@description('Name for a new system topic on the registry.')
param newTopicName string

@description('An existing system topic on the registry, with its system-assigned identity on; empty: create newTopicName.')
param existingTopicName string = ''

var create = empty(existingTopicName)

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

resource newTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (create) {
  name: newTopicName
  location: location
  tags: tags
  // The topic's own identity delivers to the queue and dead-letters to storage
  // (eventGridRoles.bicep grants it exactly that): no keys, no shared secret.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: registry.id
    topicType: 'Microsoft.ContainerRegistry.Registries'
  }
}

resource existingTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (!create) {
  name: existingTopicName
}

output name string = create ? newTopicName : existingTopicName
output principalId string = create ? newTopic!.identity.principalId : existingTopic!.identity.principalId
