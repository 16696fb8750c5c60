import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { approvalMessageJsonSchema } from '../src/domain/approvalMessage.js';
import { checkMessageJsonSchema } from '../src/domain/checkMessage.js';
import { promotionMessageJsonSchema } from '../src/domain/promotionMessage.js';
import { pipelineJsonSchema } from '../src/domain/pipelineSchema.js';

/**
 * `npm run schema`: writes the JSON Schemas generated from the domain's zod schemas under
 * `schemas/`, so that editors can check `promoter.pipeline.json` and a test can tell when the
 * committed copy is stale.
 */

/** Where the pipeline definition's schema is published, relative to the project root. */
export const PIPELINE_SCHEMA_PATH = 'schemas/pipeline.schema.json';

/** The schema's identifier: stable, so that documents and tools can refer to it. */
export const PIPELINE_SCHEMA_ID = 'urn:promoter:schemas:pipeline';

/**
 * The project root: this file is `tools/writeSchemas.ts`, one level below the root, whatever
 * the working directory.
 */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the approval message's schema is published, relative to the project root. */
export const APPROVAL_SCHEMA_PATH = 'schemas/approval-message.schema.json';

/** A generated schema with its `$id`, title and description put first. */
function document(
  generated: unknown,
  head: { $id: string; title: string; description: string },
): Record<string, unknown> {
  if (typeof generated !== 'object' || generated === null)
    throw new Error(`the schema for ${head.$id} is not an object`);
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, ...head, ...rest };
}

/** The pipeline definition's JSON Schema document, with its `$id`, title and description. */
export function pipelineSchemaDocument(): Record<string, unknown> {
  return document(pipelineJsonSchema(), {
    $id: PIPELINE_SCHEMA_ID,
    title: 'promoter pipeline definition',
    description:
      'promoter.pipeline.json: how builds are recognised (buildTag) and the stages a digest is promoted through, with each stage’s tag and approval policy.',
  });
}

/** The approval message's JSON Schema document (the `promotions` queue's contract). */
export function approvalSchemaDocument(): Record<string, unknown> {
  return document(approvalMessageJsonSchema(), {
    $id: 'urn:promoter:schemas:approval-message',
    title: 'promoter approval message',
    description:
      'A message on the promotions queue (session id = repository, message id = id): an approval or rejection of one build for one stage.',
  });
}

/** The check message's JSON Schema document: a pipeline job's result of one check on a build. */
export function checkSchemaDocument(): Record<string, unknown> {
  return document(checkMessageJsonSchema(), {
    $id: 'urn:promoter:schemas:check-message',
    title: 'promoter check message',
    description:
      'A check result on the promotions queue (session id = repository, message id = id): how a named check (a scan, end-to-end tests) ended on one build. The latest result of each check on a digest counts.',
  });
}

/** Every message type on the `promotions` queue: approval, rollback, unpin, check. */
export function promotionMessageSchemaDocument(): Record<string, unknown> {
  return document(promotionMessageJsonSchema(), {
    $id: 'urn:promoter:schemas:promotion-message',
    title: 'promoter promotions-queue message',
    description:
      'Any message on the promotions queue (session id = repository, message id = id), told apart by type: approval (approve or reject one build for one stage), rollback (move a stage’s floating tags back to an earlier promotion and pin it), unpin (release a pinned stage), check (a check’s result on one build).',
  });
}

/** Each schema file's path (relative to the project root) and its exact text, as committed. */
export async function schemaFiles(): Promise<{ path: string; text: string }[]> {
  const documents: [string, Record<string, unknown>][] = [
    [PIPELINE_SCHEMA_PATH, pipelineSchemaDocument()],
    [APPROVAL_SCHEMA_PATH, approvalSchemaDocument()],
    ['schemas/promotion-message.schema.json', promotionMessageSchemaDocument()],
    ['schemas/check-message.schema.json', checkSchemaDocument()],
  ];
  return Promise.all(
    documents.map(async ([path, doc]) => {
      // Formatted as Prettier formats the rest of the repository, so `npm run lint` stays clean.
      const options = (await resolveConfig(join(projectRoot, path))) ?? {};
      return {
        path,
        text: await format(JSON.stringify(doc, null, 2), { ...options, parser: 'json' }),
      };
    }),
  );
}

/** Writes every schema file under `root`, returning the absolute paths written. */
export async function writeSchemas(root: string = projectRoot): Promise<string[]> {
  const written: string[] = [];
  for (const file of await schemaFiles()) {
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.text, 'utf8');
    written.push(target);
  }
  return written;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  for (const path of await writeSchemas()) console.log(`wrote ${path}`);
}
