import { describe, expect, it } from 'vitest';
import { registrySignIns } from '../../src/composition/registrySignIns.js';
import { ValidationError } from '../../src/domain/errors.js';
import { parsePipeline } from '../../src/domain/pipeline.js';

const pipeline = parsePipeline({
  registries: {
    'prodacr.azurecr.io': { signIn: 'azure' },
    'localhost:5001': { signIn: 'anonymous' },
    'harbor.example.com': {
      signIn: 'basic',
      usernameSetting: 'HARBOR_USERNAME',
      passwordSetting: 'HARBOR_PASSWORD',
    },
  },
  stages: [{ name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } }],
});

function refusal(env: Record<string, string>): ValidationError {
  try {
    registrySignIns(pipeline, env);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('registrySignIns', () => {
  it('reads basic credentials from the settings the pipeline names', () => {
    const signIns = registrySignIns(pipeline, {
      HARBOR_USERNAME: 'robot$promoter',
      HARBOR_PASSWORD: 's3cret-value',
    });
    expect(Object.fromEntries(signIns)).toEqual({
      'prodacr.azurecr.io': { kind: 'azure' },
      'localhost:5001': { kind: 'anonymous' },
      'harbor.example.com': {
        kind: 'basic',
        username: 'robot$promoter',
        password: 's3cret-value',
      },
    });
  });

  it('refuses a missing setting, naming it and the pipeline field that names it', () => {
    const error = refusal({ HARBOR_USERNAME: 'robot' });
    expect(error.issues).toEqual([
      {
        path: 'HARBOR_PASSWORD',
        message: expect.stringContaining(
          "the pipeline's registries.harbor.example.com.passwordSetting names it",
        ) as string,
      },
    ]);
  });

  it('refuses an unresolved Key Vault reference without showing it', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/harbor)';
    const error = refusal({ HARBOR_USERNAME: 'robot', HARBOR_PASSWORD: reference });
    expect(error.issues.map((i) => i.path)).toEqual(['HARBOR_PASSWORD']);
    expect(error.message).toContain('unresolved Key Vault reference');
    expect(error.message).not.toContain('kv.vault.azure.net');
  });

  it('never shows a password in a message', () => {
    const error = refusal({ HARBOR_PASSWORD: 'do-not-show-me' });
    expect(error.issues.map((i) => i.path)).toEqual(['HARBOR_USERNAME']);
    expect(error.message).not.toContain('do-not-show-me');
  });
});
