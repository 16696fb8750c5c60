import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { parseEventGridEvent } from '../../src/domain/eventGridEvents.js';
import { parseRegistryEvents } from '../../src/domain/registryEvents.js';
import { eventGridFixture } from '../support/eventGridFixtures.js';
import { acrFixture } from '../support/fixtures.js';

/** The ValidationError `body` raises, as `path: message` lines. */
function problems(body: unknown): string[] {
  try {
    parseEventGridEvent(body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    expect(error.subject).toBe('Event Grid event');
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('parsed without error');
}

describe('parseEventGridEvent: the registry event Event Grid delivers', () => {
  it.each([
    ['cloudevents-image-pushed.json', 'CloudEvents 1.0'],
    ['eventgrid-image-pushed.json', 'Event Grid'],
  ])('reads %s (%s schema) as the same event the ACR webhook posts', (name, schema) => {
    const delivery = parseEventGridEvent(eventGridFixture(name));
    const [webhookEvent] = parseRegistryEvents(JSON.parse(acrFixture('acr-push.json')));
    expect(delivery).toEqual({
      kind: 'registry-event',
      schema,
      eventGridId: '5a1f7c2e-0d3b-4e8a-9c61-2b7d4e0f9a13',
      eventType: 'Microsoft.ContainerRegistry.ImagePushed',
      event: webhookEvent,
    });
    // The registry's event id (data.id), not Event Grid's, keys the push.
    expect(delivery.kind === 'registry-event' && delivery.event.id).toBe(
      '8d1b5a7e-2c6f-4b0e-9a51-3f1c0de6a7b2',
    );
  });

  it('reads an ImageDeleted event as a manifest delete', () => {
    const delivery = parseEventGridEvent(eventGridFixture('cloudevents-image-deleted.json'));
    expect(delivery).toMatchObject({
      kind: 'registry-event',
      eventType: 'Microsoft.ContainerRegistry.ImageDeleted',
      event: {
        kind: 'delete',
        id: '0c6a3e58-94d1-4b7f-a2e0-6d8b5f1c3a97',
        repository: 'myapp',
        digest: 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
        tag: undefined,
      },
    });
  });

  it('acknowledges an event of another source without reading its data', () => {
    const event = {
      ...eventGridFixture('cloudevents-image-pushed.json'),
      type: 'Microsoft.Storage.BlobCreated',
      data: { anything: true },
    };
    expect(parseEventGridEvent(event)).toEqual({
      kind: 'other-event',
      schema: 'CloudEvents 1.0',
      eventGridId: '5a1f7c2e-0d3b-4e8a-9c61-2b7d4e0f9a13',
      eventType: 'Microsoft.Storage.BlobCreated',
      reason: 'Microsoft.Storage.BlobCreated is not a container registry event',
    });
  });
});

describe('parseEventGridEvent: a malformed message names the field', () => {
  const pushed = () => eventGridFixture('cloudevents-image-pushed.json');

  it('names data.target.digest in a registry event with a bad digest', () => {
    const event = pushed();
    (event.data.target as Record<string, unknown>).digest = 'sha256:nothex';
    expect(problems(event)).toEqual([expect.stringMatching(/^data\.target\.digest: /)]);
  });

  it('names data.id when the registry event has no id', () => {
    const event = eventGridFixture('eventgrid-image-pushed.json');
    delete event.data.id;
    expect(problems(event)).toEqual([expect.stringMatching(/^data\.id: /)]);
  });

  it('names the envelope field: specversion, type, eventTime', () => {
    expect(problems({ ...pushed(), specversion: '0.3' })).toEqual([
      'specversion: must be "1.0" (CloudEvents 1.0)',
    ]);
    const noType = pushed();
    delete noType.type;
    expect(problems(noType)).toEqual([expect.stringMatching(/^type: /)]);
    const noTime = eventGridFixture('eventgrid-image-pushed.json');
    delete noTime.eventTime;
    expect(problems(noTime)).toEqual([expect.stringMatching(/^eventTime: /)]);
  });

  it('refuses an array, a non-object and an object of neither schema', () => {
    expect(problems([pushed()])).toEqual([expect.stringMatching(/one event object, not an array/)]);
    expect(problems('hello')).toEqual([': must be a JSON object: one Event Grid event']);
    expect(problems({ id: 'x', data: {} })).toEqual([
      ': neither a CloudEvents 1.0 event (specversion, type) nor an Event Grid schema event (eventType)',
    ]);
  });
});
