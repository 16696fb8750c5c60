import { describe, expect, it } from 'vitest';
import { outcomeFacts } from '../../src/adapters/chat/outcomeFacts.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';

describe('chat facts of a gated promotion', () => {
  it('lists each condition with ✓/✗, who reported and the link', () => {
    const event: OutcomeEvent = {
      type: 'promotion.outcome',
      id: 'outcome-m1',
      outcome: 'rejected',
      repository: 'myapp',
      stage: 'release',
      reason: 'check trivy failed',
      conditions: [
        { kind: 'approvals', name: 'approvals', met: true, detail: '1 of 1 approval(s)' },
        {
          kind: 'check',
          name: 'trivy',
          met: false,
          detail: 'check trivy failed at 2026-11-27T10:00:00.000Z (https://ci.example/1)',
          reporter: 'ci:scan',
          url: 'https://ci.example/1',
        },
        {
          kind: 'check',
          name: 'e2e',
          met: true,
          detail: 'check e2e succeeded',
          reporter: 'ci',
          url: 'https://ci.example/2',
        },
      ],
      messageId: 'm1',
      at: '2026-11-27T10:00:00.000Z',
    };
    expect(outcomeFacts(event).find((f) => f.title === 'Conditions')?.value).toBe(
      [
        '✓ 1 of 1 approval(s)',
        '✗ check trivy failed at 2026-11-27T10:00:00.000Z (https://ci.example/1) — ci:scan',
        '✓ check e2e succeeded — ci (https://ci.example/2)',
      ].join('\n'),
    );
  });
});
