import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../src/domain/pipeline.js';

/** The seed pipeline with fields of stage `index` replaced. */
function withStage(index: number, fields: Record<string, unknown>): unknown {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages[index] = { ...json.stages[index], ...fields };
  return json;
}

function refusal(json: unknown): string {
  try {
    parsePipeline(json);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('stage gates in the pipeline file', () => {
  it('compiles checks, soak, evidence and override', () => {
    const pipeline = parsePipeline(
      withStage(2, {
        checks: ['trivy', 'e2e'],
        soak: '24h',
        evidence: ['signature', 'application/vnd.in-toto+json'],
        override: { groups: ['release-managers'] },
      }),
    );
    const gates = pipeline.stage('release')?.gates;
    expect(gates?.checks).toEqual(['trivy', 'e2e']);
    expect(gates?.soak).toEqual({ ms: 86_400_000, label: '24 hours' });
    expect(gates?.evidence.map((e) => e.name)).toEqual([
      'signature',
      'application/vnd.in-toto+json',
    ]);
    expect(gates?.evidence[0]?.artifactTypes).toContain(
      'application/vnd.dev.cosign.artifact.sig.v1+json',
    );
    expect(gates?.evidence[1]?.artifactTypes).toEqual(['application/vnd.in-toto+json']);
    expect(gates?.overrideGroups).toEqual(['release-managers']);
  });

  it('has no gates when none are written', () => {
    expect(parsePipeline(DEFAULT_PIPELINE_JSON).stage('rc')?.gates).toEqual({
      checks: [],
      soak: undefined,
      evidence: [],
      overrideGroups: [],
    });
  });

  it.each([
    [{ checks: ['Trivy!'] }, 'stages[2].checks[0]: a check name is'],
    [{ checks: ['trivy', 'trivy'] }, 'stages[2].checks[1]: check "trivy" is listed twice'],
    [{ checks: 'trivy' }, 'stages[2].checks'],
    [{ soak: '1 day' }, 'stages[2].soak: a duration is'],
    [{ evidence: ['signed'] }, 'stages[2].evidence[0]: evidence is signature or sbom'],
    [{ evidence: ['sbom', 'sbom'] }, 'stages[2].evidence[1]: evidence "sbom" is listed twice'],
    [{ override: { groups: [] } }, 'stages[2].override.groups: name at least one group'],
    [{ override: { group: ['x'] } }, 'stages[2].override: unknown field "group"'],
  ])('refuses %j naming the field', (fields, message) => {
    expect(refusal(withStage(2, fields))).toContain(message);
  });

  it('refuses a soak on the first stage, which has no from', () => {
    expect(refusal(withStage(0, { soak: '1h' }))).toContain(
      'stages[0].soak: the first stage has no from stage to soak in',
    );
  });
});
