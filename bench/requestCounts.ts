import { randomBytes } from 'node:crypto';
import type { AccessEntry, AccessLogWindows } from './accessLog.js';
import { postApproval, waitForOutcome } from './api.js';
import { pushImage, skopeoRetag, type BenchImage } from './images.js';
import type { BenchStack } from './stack.js';

/** The registry requests of one promotion of each kind, and of skopeo doing the same retag. */
export interface RequestCounts {
  readonly repository: string;
  /** Window: skopeo pushes `git-<sha>`, the webhook asks for dev, promoter tags `dev-latest`. */
  readonly devWindow: readonly AccessEntry[];
  /** Window: the same kind of push under a non-build tag to a fresh repository (no promotion). */
  readonly controlPush: readonly AccessEntry[];
  /** Window: POST /api/approvals (rc, 1.2.3) until its outcome is recorded. */
  readonly rcWindow: readonly AccessEntry[];
  /** Window: `skopeo copy docker://…:git-<sha> docker://…:skopeo-copy`. */
  readonly skopeo: readonly AccessEntry[];
  readonly devTags: readonly string[];
  readonly rcTags: readonly string[];
}

export async function countRequests(
  stack: BenchStack,
  windows: AccessLogWindows,
  images: { build: BenchImage; control: BenchImage },
): Promise<RequestCounts> {
  const suffix = randomBytes(3).toString('hex');
  const repository = `reqs-${suffix}`;
  const { host, registry } = stack;

  let w = await windows.start();
  await pushImage(
    images.control,
    `${registry.host}/reqs-control-${suffix}:plain`,
    registry.certDir,
  );
  await host.queue.idle();
  const controlPush = await windows.end(w);

  w = await windows.start();
  await pushImage(
    images.build,
    `${registry.host}/${repository}:git-${images.build.sha}`,
    registry.certDir,
  );
  const dev = await waitForOutcome(host, repository, (e) => e.stage === 'dev');
  if (dev.outcome !== 'promoted')
    throw new Error(`dev promotion ${dev.outcome}: ${dev.reason ?? ''}`);
  await host.queue.idle();
  const devWindow = await windows.end(w);

  w = await windows.start();
  const id = await postApproval(host, stack.approvalsSecret, {
    repository,
    digest: images.build.digest,
    stage: 'rc',
    version: '1.2.3',
  });
  const rc = await waitForOutcome(host, repository, (e) => e.messageId === id);
  if (rc.outcome !== 'promoted') throw new Error(`rc promotion ${rc.outcome}: ${rc.reason ?? ''}`);
  await host.queue.idle();
  const rcWindow = await windows.end(w);

  w = await windows.start();
  await skopeoRetag(
    registry.host,
    repository,
    `git-${images.build.sha}`,
    'skopeo-copy',
    registry.certDir,
  );
  await host.queue.idle();
  const skopeo = await windows.end(w);

  return {
    repository,
    devWindow,
    controlPush,
    rcWindow,
    skopeo,
    devTags: dev.tags ?? [],
    rcTags: rc.tags ?? [],
  };
}
