import type { Services } from '../../src/composition/createServices.js';
import { handlePromotionMessage } from '../../src/app/promotion/handlePromotionMessage.js';
import type { ApprovalMessageInput } from '../../src/domain/approvalMessage.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../src/domain/pipeline.js';
import { memoryServices, type MemoryServices } from './handlers.js';

/**
 * The seed pipeline, except that `release` needs two approvals from alice, bob or a member of
 * release-managers: a release approval stays pending after the first one.
 */
export const TWO_APPROVALS_PIPELINE = {
  ...DEFAULT_PIPELINE_JSON,
  stages: DEFAULT_PIPELINE_JSON.stages.map((s) =>
    s.name === 'release'
      ? {
          ...s,
          approval: {
            required: 2,
            approvers: { ids: ['alice', 'bob'], groups: ['release-managers'] },
          },
        }
      : s,
  ),
};

/** In-memory services with a clock the test moves, promoting through the real use case. */
export interface BoardScenario extends MemoryServices {
  readonly services: Services;
  /** Moves the clock on. */
  advance(minutes: number): void;
  /** Records a push of `git-<sha>` (a new manifest) and returns its digest. */
  push(repository: string, sha: string, pushedBy?: string): Promise<string>;
  /** Sends one approval message through `promoteOnApproval`. */
  send(
    message: Partial<ApprovalMessageInput> &
      Pick<ApprovalMessageInput, 'repository' | 'stage' | 'build'>,
  ): Promise<OutcomeEvent>;
}

/** A scenario starting at 2026-11-27T07:00:00Z, with `pipelineJson` (the seed pipeline by default). */
export function boardScenario(pipelineJson: unknown = DEFAULT_PIPELINE_JSON): BoardScenario {
  const memory = memoryServices();
  let nowMs = Date.parse('2026-11-27T07:00:00Z');
  const services: Services = {
    ...memory.services,
    pipeline: parsePipeline(pipelineJson),
    clock: { now: () => new Date(nowMs) },
  };
  let seq = 0;
  return {
    ...memory,
    services,
    provider: () => Promise.resolve(services),
    advance: (minutes) => {
      nowMs += minutes * 60_000;
    },
    push: async (repository, sha, pushedBy) => {
      const digest = memory.registry.add(repository, `manifest of ${repository} ${sha}`);
      await memory.ledger.recordBuild({
        eventId: `push-${repository}-${sha}`,
        repository,
        digest,
        gitSha: sha,
        tag: `git-${sha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'localhost:5000',
        ...(pushedBy === undefined ? {} : { pushedBy }),
        at: new Date(nowMs),
      });
      return digest;
    },
    send: (message) =>
      handlePromotionMessage(
        {
          type: 'approval',
          id: `m${++seq}`,
          decision: 'approve',
          approver: { id: 'alice' },
          source: 'cli',
          ...message,
        },
        services,
      ),
  };
}

/**
 * myapp through the pipeline: a1b2c3d (pushed by carol) goes to dev and, approved by alice
 * (Alice Liddell), to rc as 1.2.3-rc1; b2c3d4e then takes dev. With `TWO_APPROVALS_PIPELINE`,
 * alice's release approval of 1.2.3 leaves it pending. The clock ends at 10:00.
 */
export async function promotedMyapp(pipelineJson: unknown = TWO_APPROVALS_PIPELINE) {
  const s = boardScenario(pipelineJson);
  const first = await s.push('myapp', 'a1b2c3d', 'carol');
  await s.send({
    repository: 'myapp',
    stage: 'dev',
    build: { gitSha: 'a1b2c3d' },
    approver: { id: 'system:promoter' },
    source: 'system',
  });
  s.advance(60); // 08:00
  await s.send({
    repository: 'myapp',
    stage: 'rc',
    build: { gitSha: 'a1b2c3d' },
    version: '1.2.3',
    approver: { id: 'alice', name: 'Alice Liddell' },
  });
  s.advance(60); // 09:00
  const second = await s.push('myapp', 'b2c3d4e', 'carol');
  await s.send({
    repository: 'myapp',
    stage: 'dev',
    build: { gitSha: 'b2c3d4e' },
    approver: { id: 'system:promoter' },
    source: 'system',
  });
  s.advance(30); // 09:30
  await s.send({
    repository: 'myapp',
    stage: 'release',
    build: { tag: '1.2.3-rc1' },
    approver: { id: 'alice', name: 'Alice Liddell' },
    requestedBy: { id: 'dave' },
  });
  s.advance(30); // 10:00
  return { ...s, first, second };
}
