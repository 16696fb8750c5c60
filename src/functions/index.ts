import functions from '@azure/functions';
import { servicesFrom } from '../composition/createServices.js';
import { functionTable, isHttpFunction, isTimerFunction } from './functionTable.js';

// Azure Functions entry point (package.json "main"): registers every function in the table.
// Services are built on the first invocation, not at start-up.
const getServices = servicesFrom(process.env);

for (const entry of functionTable(getServices)) {
  if (isHttpFunction(entry)) {
    const { methods, route, authLevel } = entry.trigger;
    functions.app.http(entry.name, {
      methods: [...methods],
      route,
      authLevel,
      handler: entry.handler,
    });
  } else if (isTimerFunction(entry)) {
    // `%SETTING%` in the schedule is resolved by the Functions host from the app settings.
    functions.app.timer(entry.name, { schedule: entry.trigger.schedule, handler: entry.handler });
  } else if (entry.trigger.type === 'serviceBusQueue') {
    const { queueName, connection, isSessionsEnabled } = entry.trigger;
    const options = { queueName, connection, isSessionsEnabled, handler: entry.handler };
    functions.app.serviceBusQueue(entry.name, options);
  } else {
    const { topicName, subscriptionName, connection } = entry.trigger;
    const options = { topicName, subscriptionName, connection, handler: entry.handler };
    functions.app.serviceBusTopic(entry.name, options);
  }
}
