// The event subscription on the registry's system topic, deployed in the registry's resource
// group: ImagePushed and ImageDeleted, as CloudEvents 1.0, to the registry-events queue (the
// `registryEvents` function), delivered and dead-lettered with the topic's identity.
//
// Event Grid retries a delivery that failed (the queue unreachable, a role not yet effective)
// with backoff for up to 24 hours or 30 attempts, then writes the event to the dead-letter
// container. Once in the queue, Service Bus redelivers it to the function until it completes
// or is dead-lettered there (maxDeliveryCount).

@description('The registry\'s system topic (eventGridTopic.bicep).')
param topicName string

@description('Subscription name, unique per promoter environment (several may share a registry).')
param name string

@description('Resource id of the registry-events queue.')
param queueId string

@description('Storage account and blob container Event Grid dead-letters to.')
param deadLetterStorageAccountId string
param deadLetterContainerName string

// The events the push flow acts on (src/domain/eventGridEvents.ts reads both schemas; charts
// are not promoted, so ChartPushed and ChartDeleted are not subscribed to).
var includedEventTypes = [
  'Microsoft.ContainerRegistry.ImagePushed'
  'Microsoft.ContainerRegistry.ImageDeleted'
]

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    filter: {
      includedEventTypes: includedEventTypes
    }
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: {
          resourceId: queueId
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output name string = subscription.name
