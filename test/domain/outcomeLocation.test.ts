import { describe, expect, it } from 'vitest';
import { outcomeFacts } from '../../src/adapters/chat/outcomeFacts.js';
import { formatHistory } from '../../src/cli/formatHistory.js';
import { formatOutcome } from '../../src/cli/formatOutcome.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { locatedTags, outcomeLocation } from '../../src/domain/outcomeLocation.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const promoted: OutcomeEvent = {
  type: 'promotion.outcome',
  id: 'outcome-m1',
  outcome: 'promoted',
  repository: 'myapp',
  stage: 'release',
  version: '1.2.3',
  digest: DIGEST,
  tags: ['1.2.3', 'release-latest'],
  registry: 'prodacr.azurecr.io',
  copy: {
    from: 'devacr.azurecr.io/myapp',
    manifestsWritten: 1,
    blobsUploaded: 2,
    bytesUploaded: 3 * 1024 * 1024,
    blobsPresent: 1,
    blobsMounted: 0,
    referrers: [`sha256:${'cd'.repeat(32)}`],
    requests: 12,
  },
  messageId: 'm1',
  at: '2026-12-01T10:00:00.000Z',
};

/** The event as the CLI reads it from the API (JSON). */
const answer = (event: OutcomeEvent) =>
  JSON.parse(JSON.stringify(event)) as Parameters<typeof formatOutcome>[0];

describe('an outcome of a stage in another registry shows where its tags are', () => {
  it('as registry/repository:tag', () => {
    expect(outcomeLocation(promoted)).toBe('prodacr.azurecr.io/myapp');
    expect(locatedTags(promoted)).toEqual([
      'prodacr.azurecr.io/myapp:1.2.3',
      'prodacr.azurecr.io/myapp:release-latest',
    ]);
    expect(locatedTags({ ...promoted, stageRepository: 'prod/myapp' })?.[0]).toBe(
      'prodacr.azurecr.io/prod/myapp:1.2.3',
    );
  });

  it('leaves a stage in the build registry as it was', () => {
    const here: OutcomeEvent = { ...promoted, registry: undefined, copy: undefined };
    expect(outcomeLocation(here)).toBeUndefined();
    expect(locatedTags(here)).toEqual(['1.2.3', 'release-latest']);
    expect(formatOutcome(answer(here)).line).toBe(
      `promoted myapp 1.2.3, release-latest → ${DIGEST}`,
    );
  });

  it('in the CLI’s outcome line and history, and in chat with what the copy did', () => {
    expect(formatOutcome(answer(promoted)).line).toContain(
      'promoted myapp prodacr.azurecr.io/myapp:1.2.3',
    );
    expect(formatHistory({ repository: 'myapp', outcomes: [answer(promoted)] })).toContain(
      'prodacr.azurecr.io/myapp:1.2.3',
    );
    const facts = outcomeFacts(promoted);
    expect(facts).toContainEqual({
      title: 'Tags',
      value: 'prodacr.azurecr.io/myapp:1.2.3, prodacr.azurecr.io/myapp:release-latest',
    });
    expect(facts).toContainEqual({
      title: 'Copy',
      value:
        'copied from devacr.azurecr.io/myapp: 2 blobs (3.0 MiB) uploaded, 1 present or mounted, 1 manifest, 1 referrer',
    });
  });
});
