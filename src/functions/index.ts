import functions from '@azure/functions';
import { servicesFrom } from '../composition.js';
import { functionTable } from './functionTable.js';

// Azure Functions entry point (package.json "main"): registers every function in the table.
// Services are built on the first invocation, not at start-up.
const getServices = servicesFrom(process.env);

for (const entry of functionTable(getServices)) {
  functions.app.http(entry.name, {
    methods: [...entry.trigger.methods],
    route: entry.trigger.route,
    authLevel: entry.trigger.authLevel,
    handler: entry.handler,
  });
}
