import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The shared Event Grid fixtures (../shared/fixtures/eventgrid beside the repository), falling
 * back to the copy in test/fixtures/eventgrid when the shared folder is absent.
 */
const dir =
  [join(here, '../../../shared/fixtures/eventgrid'), join(here, '../fixtures/eventgrid')].find(
    (d) => {
      try {
        return readdirSync(d).some((f) => f.endsWith('.json'));
      } catch {
        return false;
      }
    },
  ) ?? join(here, '../fixtures/eventgrid');

/** An Event Grid event as Event Grid puts it in a Service Bus message body. */
export type EventGridFixture = Record<string, unknown> & { data: Record<string, unknown> };

/** An Event Grid fixture, parsed: `cloudevents-image-pushed.json`, `eventgrid-image-pushed.json`… */
export function eventGridFixture(name: string): EventGridFixture {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as EventGridFixture;
}
