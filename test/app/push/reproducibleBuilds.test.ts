import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleRegistryEvents } from '../../../src/app/push/handleRegistryEvents.js';
import { resolveBuild } from '../../../src/app/promotion/resolveBuild.js';
import { createTablesBuildLedger } from '../../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesPromotionLedger } from '../../../src/adapters/tables/tablesPromotionLedger.js';
import { BUILD_LIST_LIMIT } from '../../../src/domain/build.js';
import type { RegistryEvent } from '../../../src/domain/registryEvents.js';
import { repositories } from '../../../src/functions/repositories.js';
import { freshTablesClient } from '../../contracts/freshTable.js';
import { invoke, memoryServices } from '../../support/handlers.js';

// Reproducible builds (ko, Jib, Bazel, Nix) push one digest for many commits. With every SHA
// and tag of a digest in its build row, the row passed a property's 32,768 characters after
// about 680 pushes and every later push of the digest failed. On Azurite, which enforces
// that limit: 2,000 pushes of one digest, each under its own build tag and 40-character SHA.

const REPO = 'team/repro';
const DIGEST = `sha256:${createHash('sha256').update('reproducible').digest('hex')}`;
const PUSHES = 2000;
/** The newest pushes go through the push use case as a registry event each. */
const THROUGH_PUSH_FLOW = 25;
const shaOf = (i: number) =>
  createHash('sha1')
    .update(`commit-${String(i)}`)
    .digest('hex');
const tagOf = (i: number) => `git-${shaOf(i)}`;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000);

const pushEvent = (i: number): RegistryEvent => ({
  kind: 'push',
  id: `repro-event-${String(i)}`,
  timestamp: at(i).toISOString(),
  registry: 'myacr.azurecr.io',
  repository: REPO,
  digest: DIGEST,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  tag: tagOf(i),
});

describe('one digest pushed under 2,000 build tags', () => {
  // 2,000 pushes one after the other, as a registry delivers them, then 2,000 look-ups: 170 s
  // measured on two busy cores (load 12), since Azurite scans the partition for each query.
  const timeout = 400_000;
  it(
    'records every push and stays findable by each SHA and each tag, its build view bounded',
    { timeout },
    async () => {
      const client = freshTablesClient('repro');
      const ledger = createTablesBuildLedger({ client });
      const promotions = createTablesPromotionLedger({ client: freshTablesClient('reprop') });
      const services = { ...memoryServices().services, ledger, promotions };
      const deps = { ...services, defaultRegistry: undefined };
      // Seeded through the ledger port, one push after the other (each its own event).
      for (let i = 0; i < PUSHES - THROUGH_PUSH_FLOW; i++) {
        const result = await ledger.recordBuild({
          eventId: `repro-event-${String(i)}`,
          repository: REPO,
          digest: DIGEST,
          gitSha: shaOf(i),
          tag: tagOf(i),
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          registry: 'myacr.azurecr.io',
          at: at(i),
        });
        expect(result.kind).toBe('recorded');
      }
      // The newest, as the webhook hands them on: the real push flow, one delivery each.
      for (let i = PUSHES - THROUGH_PUSH_FLOW; i < PUSHES; i++) {
        const [report] = await handleRegistryEvents([pushEvent(i)], deps);
        expect(report?.result).toMatchObject({ outcome: 'recorded', digest: DIGEST });
      }
      // A redelivery of the newest changes nothing.
      const [again] = await handleRegistryEvents([pushEvent(PUSHES - 1)], deps);
      expect(again?.result.outcome).toBe('duplicate');
      // What a user sees: the build view of a SHA, old or new, names the digest and says how many.
      const handler = repositories(() => Promise.resolve(services));
      const view = async (ref: string) =>
        invoke(handler, {
          method: 'GET',
          url: `http://localhost:7071/api/repositories/${REPO}/builds/${ref}`,
          params: { path: `${REPO}/builds/${ref}` },
        });
      for (const i of [0, 1, 700, 1500, PUSHES - 2, PUSHES - 1]) {
        const answer = await view(shaOf(i));
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({
          digest: DIGEST,
          gitSha: shaOf(0),
          gitShaCount: PUSHES,
          tag: tagOf(0),
          tagCount: PUSHES,
        });
        const body = answer.body as { gitShas: string[]; tags: string[] };
        expect(body.gitShas).toHaveLength(BUILD_LIST_LIMIT);
        expect(body.gitShas.at(-1)).toBe(shaOf(PUSHES - 1));
        expect(body.tags).toHaveLength(BUILD_LIST_LIMIT);
      }
      // A 7-character prefix of an old SHA names that one commit (no other of the 2,000 shares it).
      expect((await view(shaOf(3).slice(0, 7))).body).toMatchObject({ digest: DIGEST });
      // Every SHA finds the build; every tag is listed, and a tag (what an approval by tag names)
      // resolves to it.
      const state = await promotions.getRepositoryState(REPO);
      const all = Array.from({ length: PUSHES }, (_, i) => i);
      for (let from = 0; from < PUSHES; from += 50) {
        const found = await Promise.all(
          all.slice(from, from + 50).map((i) => ledger.findBuildsByGitSha(REPO, shaOf(i))),
        );
        for (const builds of found) expect(builds.map((b) => b.digest)).toEqual([DIGEST]);
      }
      for (const i of all.filter((n) => n % 100 === 7 || n >= PUSHES - 3))
        expect(await resolveBuild(REPO, { tag: tagOf(i) }, { ...deps, state })).toMatchObject({
          kind: 'found',
          build: { digest: DIGEST },
        });
      const tags = await ledger.listBuildTags(REPO);
      expect(new Set(tags.map((t) => t.tag))).toEqual(new Set(all.map(tagOf)));
      // The row stays small: its lists hold 20 entries however many pushes there were.
      const row = await client.getEntity(REPO.replaceAll('/', '~'), `build|${DIGEST}`);
      expect(String(row['tags']).length + String(row['gitShas']).length).toBeLessThan(2000);
    },
  );
});
