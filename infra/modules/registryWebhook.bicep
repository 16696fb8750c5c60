// The optional ACR webhook to the `registryWebhook` function, deployed in the registry's
// resource group: a fast path beside Event Grid (ACR tries a webhook once and never retries, so
// it is never the only path by default). Off unless registryWebhookEnabled.
//
// The URL needs a function key. A key is not known before the app runs, so it is read at deploy
// time with listKeys on the function app's *host* (`Microsoft.Web/sites/host/default`,
// functionKeys.default): a host-level key exists as soon as the host runs, whereas a function's
// own key (`sites/functions/keys`) exists only once the function does, i.e. after the code is
// deployed. The host itself must still be up and able to read its key store (blob storage, by
// identity) for listKeys to answer; on a Flex Consumption app with no package yet it may not be,
// so the webhook is turned on only once the app has been deployed: `azd env set
// PROMOTER_REGISTRY_WEBHOOK_ENABLED true` then `azd provision`, by hand (no hook nests azd).
// listKeys is reported to fail now and then with an internal server error from the host
// runtime; provisioning again retries it. This is the only key infra/ reads.

param registryName string
param location string

@description('Name of the function app and its resource group.')
param functionAppName string
param functionAppResourceGroupName string

@description('Route of the registryWebhook function (src/functions/functionTable.ts): its URL path, since the routePrefix in host.json is empty.')
param route string

@description('Repository filter, e.g. `myapp:*`; empty for every repository.')
param scope string = ''

@description('Header the registry sends the shared secret in (PROMOTER_WEBHOOK_AUTH_HEADER).')
param authHeader string

@secure()
param webhookSecret string

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
  scope: resourceGroup(functionAppResourceGroupName)
}

resource webhook 'Microsoft.ContainerRegistry/registries/webhooks@2025-11-01' = {
  parent: registry
  // Alphanumeric, 5-50 characters, unique per app so several environments can share a registry.
  name: 'promoter${uniqueString(site.id)}'
  location: location
  properties: {
    status: 'enabled'
    actions: [
      'push'
      'delete'
    ]
    scope: scope
    serviceUri: 'https://${site.properties.defaultHostName}/${route}?code=${listKeys(resourceId(subscription().subscriptionId, functionAppResourceGroupName, 'Microsoft.Web/sites/host', functionAppName, 'default'), '2024-04-01').functionKeys.default}'
    customHeaders: {
      '${authHeader}': authHeader == 'Authorization' ? 'Bearer ${webhookSecret}' : webhookSecret
    }
  }
}

output name string = webhook.name
