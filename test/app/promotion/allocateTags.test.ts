import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_PROBES } from '../../../src/app/promotion/allocateTags.js';
import { stageWorld } from '../../support/stageWorld.js';

/** A repository whose ledger lost its rc numbers while the registry kept the tags. */
async function world() {
  const w = stageWorld();
  const a = await w.build('aaaaaaa');
  const stray = await w.build('0000000');
  await w.dev('aaaaaaa');
  /** Tags `digest` as `version-rc<n>` in the registry only, as the ledger lost them. */
  const hold = (version: string, from: number, to: number, digest = stray) => {
    for (let n = from; n <= to; n++) w.registry.tags.set(`${w.repo}:${version}-rc${n}`, digest);
  };
  return { ...w, a, stray, hold };
}

describe('rc numbering when the registry holds tags the ledger does not know', () => {
  it('skips the numbers taken and allocates the next free one, naming the skipped tags in the history', async () => {
    const w = await world();
    w.hold('4.2.0', 1, 2);
    const lookups = w.count('resolveTag');
    const outcome = await w.approve('rc', { digest: w.a }, { version: '4.2.0' });
    // One lookup per number looked at; the re-tag does not look rc3 up again.
    expect(w.count('resolveTag') - lookups).toBe(3);
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['4.2.0-rc3'] });
    expect(outcome.reason).toBe(
      `skipped 4.2.0-rc1 (${w.stray}), 4.2.0-rc2 (${w.stray}): taken already by other digests; allocated 4.2.0-rc3`,
    );
    expect(w.tag('4.2.0-rc3')).toBe(w.a);
    expect(w.tag('4.2.0-rc1')).toBe(w.stray); // never moved
    const history = await w.promotions.getOutcome(w.repo, outcome.messageId);
    expect(history?.reason).toBe(outcome.reason);
    // The counter moved past the skipped numbers: the next build is rc4, with nothing to say.
    const b = await w.build('bbbbbbb');
    await w.dev('bbbbbbb');
    const next = await w.approve('rc', { digest: b }, { version: '4.2.0' });
    expect(next).toMatchObject({ tags: ['4.2.0-rc4'] });
    expect(next.reason).toBeUndefined();
  });

  it('takes a number the registry holds on this very digest: its own earlier write, nothing moves', async () => {
    const w = await world();
    w.hold('4.2.0', 1, 1, w.a);
    const puts = w.count('putManifest');
    const outcome = await w.approve('rc', { digest: w.a }, { version: '4.2.0' });
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['4.2.0-rc1'] });
    expect(outcome.reason).toMatch(/4\.2\.0-rc1 already named this digest in the registry/);
    expect(w.count('putManifest')).toBe(puts);
  });

  it(`refuses past ${MAX_NUMBER_PROBES} taken numbers, naming them, and allocates once the strays are gone`, async () => {
    const w = await world();
    w.hold('4.2.0', 1, MAX_NUMBER_PROBES);
    const refused = await w.approve('rc', { digest: w.a }, { version: '4.2.0' });
    expect(refused).toMatchObject({ outcome: 'rejected' });
    expect(refused.reason).toBe(
      `4.2.0-rc1 to 4.2.0-rc${MAX_NUMBER_PROBES} are all taken already by other digests in the registry or the ledger (promoter looks at ${MAX_NUMBER_PROBES} numbers past the last it allocated, 0); delete the stray tags from the registry, or promote under another version`,
    );
    expect((await w.promotions.listPromotionsOfDigest(w.repo, w.a)).map((p) => p.stage)).toEqual([
      'dev',
    ]);
    for (let n = 2; n <= MAX_NUMBER_PROBES; n++) w.registry.tags.delete(`${w.repo}:4.2.0-rc${n}`);
    const outcome = await w.approve('rc', { digest: w.a }, { version: '4.2.0' });
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['4.2.0-rc2'] });
  });

  it('skips a number the ledger gave another digest even when the registry lost that tag', async () => {
    const w = await world();
    const b = await w.build('bbbbbbb');
    await w.dev('bbbbbbb');
    await w.approve('rc', { digest: b }, { version: '4.2.0' }); // 4.2.0-rc1
    w.registry.tags.delete(`${w.repo}:4.2.0-rc1`);
    // The counter is behind the ledger's tags (a commit of the counter lost, the rows kept).
    const state = await w.promotions.getRepositoryState(w.repo);
    await w.promotions.commit(w.repo, {
      expectedEtag: state.etag,
      heads: state.heads,
      counters: [{ stage: 'rc', version: '4.2.0', n: 0 }],
      promotions: [],
    });
    const outcome = await w.approve('rc', { digest: w.a }, { version: '4.2.0' });
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['4.2.0-rc2'] });
    expect(outcome.reason).toContain(`4.2.0-rc1 (${b})`);
  });
});
