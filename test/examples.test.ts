import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../src/domain/pipeline.js';

const dir = path.join(import.meta.dirname, '..', 'examples');
const pipelines = readdirSync(dir).filter((f) => f.endsWith('.pipeline.json'));

describe('the example pipeline files', () => {
  it('exist', () => {
    expect(pipelines).toContain('strict.pipeline.json');
    expect(pipelines).toContain('two-registries.pipeline.json');
  });

  it.each(pipelines)('%s is a valid pipeline definition', (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    expect(() => parsePipeline(JSON.parse(text), file)).not.toThrow();
  });

  it('strict needs two approvals for release, one for rc, none for dev', () => {
    const text = readFileSync(path.join(dir, 'strict.pipeline.json'), 'utf8');
    const pipeline = parsePipeline(JSON.parse(text));
    expect(pipeline.stages.map((s) => [s.name, s.approval.required])).toEqual([
      ['dev', 0],
      ['rc', 1],
      ['release', 2],
    ]);
    expect(pipeline.stage('release')?.latest).toBe('release-latest');
    expect(pipeline.restoreOnDrift).toBe(true);
  });

  it('two-registries promotes release into the second local registry, dev and rc stay in the first', () => {
    const text = readFileSync(path.join(dir, 'two-registries.pipeline.json'), 'utf8');
    const pipeline = parsePipeline(JSON.parse(text));
    expect(pipeline.stages.map((s) => [s.name, s.registry])).toEqual([
      ['dev', undefined],
      ['rc', undefined],
      ['release', 'localhost:5001'],
    ]);
    expect(pipeline.stage('release')?.repository.render('myapp')).toBe('myapp');
    expect(pipeline.registries).toEqual([{ loginServer: 'localhost:5001', signIn: 'anonymous' }]);
  });
});
