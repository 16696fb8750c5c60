import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APPROVAL_SCHEMA_PATH,
  PIPELINE_SCHEMA_ID,
  PIPELINE_SCHEMA_PATH,
  projectRoot,
  schemaFiles,
} from '../tools/writeSchemas.js';
import {
  DEFAULT_PIPELINE_JSON,
  defaultPipeline,
  parsePipeline,
  type Pipeline,
} from '../src/domain/pipeline.js';
import { pipelineSchema } from '../src/domain/pipelineSchema.js';

const PIPELINE_FILE = 'promoter.pipeline.json';

function read(path: string): string {
  return readFileSync(join(projectRoot, path), 'utf8');
}

/** Every behaviour a pipeline has, as plain data. */
function behaviour(pipeline: Pipeline) {
  return {
    buildTag: pipeline.buildTag.source,
    stages: pipeline.stages.map((s) => ({
      name: s.name,
      tag: s.tag.source,
      placeholders: [...s.tag.placeholders].sort(),
      immutable: s.immutable,
      from: s.from,
      sameVersion: s.sameVersion,
      approval: s.approval,
    })),
  };
}

/** Paths of the schema's properties that have no description, e.g. `stages[].approval`. */
function undescribed(schema: unknown, path = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as { properties?: Record<string, unknown>; items?: unknown };
  const missing: string[] = [];
  for (const [name, property] of Object.entries(node.properties ?? {})) {
    const at = path ? `${path}.${name}` : name;
    if (typeof (property as { description?: unknown }).description !== 'string') missing.push(at);
    missing.push(...undescribed(property, at));
  }
  if (node.items !== undefined) missing.push(...undescribed(node.items, `${path}[]`));
  return missing;
}

describe('the published JSON Schemas', () => {
  it('is what the zod schema generates now', async () => {
    const files = await schemaFiles();
    expect(files.map((f) => f.path)).toEqual([
      PIPELINE_SCHEMA_PATH,
      APPROVAL_SCHEMA_PATH,
      'schemas/promotion-message.schema.json',
      'schemas/check-message.schema.json',
    ]);
    for (const file of files) {
      expect(
        existsSync(join(projectRoot, file.path)) ? read(file.path) : '(missing)',
        `${file.path} is stale: run npm run schema and commit the result`,
      ).toBe(file.text);
    }
  });

  it('has a stable $id and a title, for editors and tools', () => {
    const schema = JSON.parse(read(PIPELINE_SCHEMA_PATH)) as Record<string, unknown>;
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: PIPELINE_SCHEMA_ID,
      title: 'promoter pipeline definition',
    });
  });

  it('describes every field', () => {
    expect(undescribed(JSON.parse(read(PIPELINE_SCHEMA_PATH)))).toEqual([]);
  });
});

describe('promoter.pipeline.json', () => {
  const json = JSON.parse(read(PIPELINE_FILE)) as Record<string, unknown>;

  it('points editors at the committed schema', () => {
    expect(json.$schema).toBe('./schemas/pipeline.schema.json');
    expect(existsSync(join(projectRoot, dirname(PIPELINE_FILE), String(json.$schema)))).toBe(true);
  });

  it('spells out the default pipeline with every field', () => {
    const { $schema, ...definition } = json;
    expect($schema).toBeDefined();
    expect(definition).toEqual(pipelineSchema.parse(DEFAULT_PIPELINE_JSON));
  });

  it('parses to the same behaviour as the default pipeline', () => {
    const pipeline = parsePipeline(json, PIPELINE_FILE);
    expect(behaviour(pipeline)).toEqual(behaviour(defaultPipeline()));
    expect(pipeline.stages.map((s) => [s.name, s.tag.source, s.approval.required])).toEqual([
      ['dev', 'dev-latest', 0],
      ['rc', '{version}-rc{n}', 1],
      ['release', '{version}', 1],
    ]);
    for (const tag of ['dev-latest', '1.2.3-rc1', '1.2.3', 'git-a1b2c3d'])
      expect(pipeline.stageOfTag(tag)?.name).toBe(defaultPipeline().stageOfTag(tag)?.name);
  });
});
