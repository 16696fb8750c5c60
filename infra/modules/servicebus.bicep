// Service Bus Standard (sessions and duplicate detection need Standard or Premium). Local (SAS)
// authentication is off: the app, its trigger and pipeline identities all use Entra ID roles.
// Entity names must equal src/domain/queueNames.ts (test/infra checks it).

param name string
param location string
param tags object = {}

@description('Deliveries before a promotion message is dead-lettered; the app reads the same number (PROMOTER_MAX_DELIVERY_COUNT).')
param maxDeliveryCount int

var promotionsQueueName = 'promotions'
var promotionEventsTopicName = 'promotion-events'
var notificationsSubscriptionName = 'notifications'
var registryEventsQueueName = 'registry-events'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// Approvals and the webhook's automatic dev requests. Session id = repository: one promotion at a
// time per repository. Duplicate detection drops a re-sent approval with the same message id
// within an hour.
resource promotionsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: promotionsQueueName
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
  }
}

// Outcome events (promoted | pending | rejected | failed) for chat and other subscribers.
resource promotionEventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: promotionEventsTopicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
  }
}

resource notificationsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: promotionEventsTopic
  name: notificationsSubscriptionName
  properties: {
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
  }
}

// The registry's ImagePushed and ImageDeleted events, delivered by Event Grid (eventgrid.bicep),
// read by the `registryEvents` function. No sessions: Event Grid cannot deliver to a
// session-enabled queue. Event Grid keeps a message id across its redeliveries of one event, so
// duplicate detection drops them; its window covers Event Grid's retry period (24 h), as
// Microsoft recommends. The same push arriving by the webhook as well is recognised by the
// app (the registry's event id), not here.
resource registryEventsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: registryEventsQueueName
  properties: {
    requiresSession: false
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
  }
}

output name string = namespace.name
// `<namespace>.servicebus.windows.net`, taken from the endpoint so other clouds work too.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output promotionsQueueName string = promotionsQueue.name
output promotionEventsTopicName string = promotionEventsTopic.name
output notificationsSubscriptionName string = notificationsSubscription.name
output registryEventsQueueName string = registryEventsQueue.name
output registryEventsQueueId string = registryEventsQueue.id
