import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../src/domain/errors.js';
import { promotions } from '../../src/functions/promotions.js';
import { registryEvents } from '../../src/functions/registryEvents.js';
import { registryWebhook } from '../../src/functions/registryWebhook.js';
import { eventGridFixture, type EventGridFixture } from '../support/eventGridFixtures.js';
import { bearer, invoke, memoryServices } from '../support/handlers.js';
import { FAST_REDELIVERY } from '../support/redelivery.js';

const { InvocationContext } = functions;

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Delivers `body` to a queue function as the Service Bus trigger does; returns its log lines. */
async function deliver(
  handler: (message: unknown, context: InstanceType<typeof InvocationContext>) => Promise<void>,
  body: unknown,
  meta: { deliveryCount?: number; messageId?: string } = {},
): Promise<{ logs: string[]; error?: unknown }> {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'registryEvents',
    triggerMetadata: {
      deliveryCount: meta.deliveryCount ?? 1,
      messageId: meta.messageId ?? 'sb-1',
    },
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  try {
    await handler(body, context);
    return { logs };
  } catch (error) {
    return { logs, error };
  }
}

/** One push of `digest` as `tag`, the same registry event in all three shapes it arrives in. */
function onePush(digest: string, tag = 'git-a1b2c3d') {
  const withData = (fixture: EventGridFixture): EventGridFixture => {
    const data = structuredClone(fixture.data);
    Object.assign(data.target as object, { digest, tag, mediaType: OCI_MANIFEST });
    return { ...fixture, data };
  };
  const cloudEvent = withData(eventGridFixture('cloudevents-image-pushed.json'));
  const eventGridEvent = withData(eventGridFixture('eventgrid-image-pushed.json'));
  // The webhook posts the registry's event itself: Event Grid's `data`.
  return { cloudEvent, eventGridEvent, webhookBody: JSON.stringify(cloudEvent.data) };
}

describe('the registryEvents queue function', () => {
  it.each(['cloudevents-image-pushed.json', 'eventgrid-image-pushed.json'])(
    'records the build %s announces and asks for its automatic dev promotion',
    async (name) => {
      const m = memoryServices();
      const { logs, error } = await deliver(registryEvents(m.provider), eventGridFixture(name));
      expect(error).toBeUndefined();
      expect(m.ledger.builds.size).toBe(1);
      expect(m.sent).toMatchObject([{ type: 'approval', repository: 'myapp', stage: 'dev' }]);
      expect(logs.join('\n')).toContain('registry event recorded');
    },
  );

  it('reads a body delivered as text or bytes, as the trigger hands over a non-JSON content type', async () => {
    for (const body of [
      JSON.stringify(eventGridFixture('cloudevents-image-pushed.json')),
      new TextEncoder().encode(JSON.stringify(eventGridFixture('eventgrid-image-pushed.json'))),
    ]) {
      const m = memoryServices();
      expect((await deliver(registryEvents(m.provider), body)).error).toBeUndefined();
      expect(m.ledger.builds.size).toBe(1);
    }
  });

  it('marks a recorded build deleted on ImageDeleted', async () => {
    const m = memoryServices();
    const handler = registryEvents(m.provider);
    await deliver(handler, eventGridFixture('cloudevents-image-pushed.json'));
    await deliver(handler, eventGridFixture('cloudevents-image-deleted.json'));
    const [build] = [...m.ledger.builds.values()];
    expect(build?.deletedAt).toBeDefined();
  });

  it('throws a malformed message naming the field, records nothing, and says it will be dead-lettered', async () => {
    const m = memoryServices();
    const event = eventGridFixture('cloudevents-image-pushed.json');
    (event.data.target as Record<string, unknown>).digest = 'sha256:nothex';
    // memoryServices' maxDeliveryCount is the default, 10.
    for (const deliveryCount of [1, 10]) {
      const { error, logs } = await deliver(registryEvents(m.provider), event, { deliveryCount });
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(
        /^Event Grid event: data\.target\.digest: /,
      );
      expect(logs.join('\n')).toMatch(
        deliveryCount === 10
          ? /Service Bus now dead-letters it/
          : /dead-letters it after delivery 10/,
      );
    }
    expect(m.ledger.builds.size).toBe(0);
    expect(m.sent).toEqual([]);
  });

  it('throws a ledger outage so Service Bus redelivers the event', async () => {
    const m = memoryServices();
    m.ledger.down = true;
    const { error, logs } = await deliver(
      registryEvents(m.provider, { redelivery: FAST_REDELIVERY }),
      eventGridFixture('cloudevents-image-pushed.json'),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(logs.join('\n')).toContain('Service Bus will redeliver');
    // The first pause of the policy, taken before the message is given back.
    expect(logs.join('\n')).toContain('"retryInMs":20');
    m.ledger.down = false;
    expect(
      (await deliver(registryEvents(m.provider), eventGridFixture('cloudevents-image-pushed.json')))
        .error,
    ).toBeUndefined();
    expect(m.ledger.builds.size).toBe(1);
  });

  it('completes an event of another type without acting on it', async () => {
    const m = memoryServices();
    const event = { ...eventGridFixture('eventgrid-image-pushed.json'), eventType: 'Other.Thing' };
    const { error, logs } = await deliver(registryEvents(m.provider), event);
    expect(error).toBeUndefined();
    expect(logs.join('\n')).toContain('Event Grid event ignored');
    expect(m.ledger.builds.size).toBe(0);
  });
});

describe('one push by Event Grid and by the webhook, each delivered twice', () => {
  it('makes one build record, one automatic promotion request and one dev promotion in the history', async () => {
    const m = memoryServices();
    const digest = m.registry.add('myapp', 'manifest of a1b2c3d');
    const { cloudEvent, eventGridEvent, webhookBody } = onePush(digest);
    const fromEventGrid = registryEvents(m.provider);
    const webhook = registryWebhook(m.provider);

    const outcomes: string[] = [];
    const fromQueue = async (event: EventGridFixture) => {
      const { logs } = await deliver(fromEventGrid, event);
      outcomes.push(/registry event (\S+)/.exec(logs.join('\n'))?.[1] ?? 'none');
    };
    const fromWebhook = async () => {
      const answer = await invoke(webhook, { body: webhookBody, headers: bearer() });
      outcomes.push((answer.body as { results: { outcome: string }[] }).results[0]?.outcome ?? '');
    };
    await fromQueue(cloudEvent);
    await fromWebhook();
    await fromQueue(eventGridEvent);
    await fromWebhook();
    // Keyed on the registry's event id: every delivery after the first is that event again.
    expect(outcomes).toEqual(['recorded', 'duplicate', 'duplicate', 'duplicate']);

    expect(m.ledger.builds.size).toBe(1);
    // Every delivery asks again (a request lost after recording is still made) under one
    // message id, which the promotions queue's duplicate detection drops.
    expect(new Set(m.sent.map((s) => s.id)).size).toBe(1);

    // Even without duplicate detection, every copy handled: one promotion.
    const promote = promotions(m.provider);
    for (const message of m.sent) expect((await deliver(promote, message)).error).toBeUndefined();
    const history = await m.promotions.listHistory('myapp', { limit: 100 });
    expect(history.outcomes.map((o) => `${o.outcome} ${o.stage}`)).toEqual(['promoted dev']);
    expect(m.registry.tags.get('myapp:dev-latest')).toBe(digest);
  });

  it('records drift on a stage tag once, whichever path delivers the event first', async () => {
    const m = memoryServices();
    const moved = m.registry.add('myapp', 'someone else');
    m.registry.tags.set('myapp:dev-latest', moved);
    const { cloudEvent, webhookBody } = onePush(moved, 'dev-latest');
    const fromEventGrid = registryEvents(m.provider);
    await invoke(registryWebhook(m.provider), { body: webhookBody, headers: bearer() });
    await deliver(fromEventGrid, cloudEvent);
    await deliver(fromEventGrid, cloudEvent);
    const { outcomes } = await m.promotions.listHistory('myapp', { limit: 100 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['drift']);
    expect(m.ledger.builds.size).toBe(0);
  });
});
