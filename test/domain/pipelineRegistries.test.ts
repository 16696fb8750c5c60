import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { parsePipeline } from '../../src/domain/pipeline.js';

/** dev and rc in the build registry, release wherever `release` says. */
function pipelineWith(registries: unknown, release: Record<string, unknown>) {
  return {
    ...(registries === undefined ? {} : { registries }),
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        sameVersion: true,
        approval: { required: 1 },
        ...release,
      },
    ],
  };
}

function issuesOf(json: unknown): readonly { path: string; message: string }[] {
  try {
    parsePipeline(json);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the pipeline to be refused');
}

const PROD = 'prodacr.azurecr.io';

describe('a stage in another registry', () => {
  it('compiles its registry, its repository template and the declared sign-ins', () => {
    const pipeline = parsePipeline(
      pipelineWith(
        {
          [PROD]: { signIn: 'azure' },
          'localhost:5001': { signIn: 'anonymous' },
          'ghcr.io': {
            signIn: 'basic',
            usernameSetting: 'GHCR_USERNAME',
            passwordSetting: 'GHCR_TOKEN',
          },
        },
        { registry: PROD, repository: 'prod/{repository}' },
      ),
    );
    const release = pipeline.stage('release');
    expect(release?.registry).toBe(PROD);
    expect(release?.repository.render('team/myapp')).toBe('prod/team/myapp');
    expect(release?.repository.sourceOf('prod/team/myapp')).toBe('team/myapp');
    expect(release?.repository.sourceOf('other/myapp')).toBeUndefined();
    expect(pipeline.registries).toEqual([
      { loginServer: PROD, signIn: 'azure' },
      { loginServer: 'localhost:5001', signIn: 'anonymous' },
      {
        loginServer: 'ghcr.io',
        signIn: 'basic',
        usernameSetting: 'GHCR_USERNAME',
        passwordSetting: 'GHCR_TOKEN',
      },
    ]);
  });

  it('defaults to the build registry and the same repository name', () => {
    const pipeline = parsePipeline(pipelineWith(undefined, {}));
    const rc = pipeline.stage('rc');
    expect(rc?.registry).toBeUndefined();
    expect(rc?.repository.render('myapp')).toBe('myapp');
    expect(pipeline.registries).toEqual([]);
  });

  it('refuses a stage naming a registry that is not declared, naming the field', () => {
    expect(
      issuesOf(pipelineWith({ 'localhost:5001': { signIn: 'anonymous' } }, { registry: PROD })),
    ).toEqual([
      {
        path: 'stages[2].registry',
        message: expect.stringContaining(
          `registry ${PROD} is not declared in registries (declared: localhost:5001)`,
        ) as string,
      },
    ]);
  });

  it('refuses a declared registry without a way to sign in', () => {
    expect(issuesOf(pipelineWith({ [PROD]: {} }, { registry: PROD }))).toEqual([
      {
        path: `registries.${PROD}.signIn`,
        message: expect.stringContaining('say how promoter signs in') as string,
      },
    ]);
    expect(issuesOf(pipelineWith({ [PROD]: { signIn: 'password' } }, {}))[0]?.path).toBe(
      `registries.${PROD}.signIn`,
    );
  });

  it('refuses basic sign-in without the settings that hold the credentials', () => {
    expect(
      issuesOf(pipelineWith({ 'ghcr.io': { signIn: 'basic', usernameSetting: 'U' } }, {})),
    ).toEqual([
      {
        path: 'registries.ghcr.io.passwordSetting',
        message: expect.stringContaining('basic sign-in needs passwordSetting') as string,
      },
    ]);
    expect(
      issuesOf(pipelineWith({ [PROD]: { signIn: 'azure', passwordSetting: 'P' } }, {}))[0]?.path,
    ).toBe(`registries.${PROD}.passwordSetting`);
    expect(
      issuesOf(
        pipelineWith(
          { 'ghcr.io': { signIn: 'basic', usernameSetting: 'U', passwordSetting: '1-bad' } },
          {},
        ),
      )[0]?.path,
    ).toBe('registries.ghcr.io.passwordSetting');
  });

  it('refuses a login server with a scheme, a path or capitals', () => {
    for (const server of [
      'https://prodacr.azurecr.io',
      'prodacr.azurecr.io/team',
      'ProdACR.azurecr.io',
    ])
      expect(issuesOf(pipelineWith({ [server]: { signIn: 'azure' } }, {}))[0]?.path).toBe(
        `registries.${server}`,
      );
  });

  it.each([
    ['Prod/{repository}', 'renders an invalid repository name for build repository myapp'],
    ['prod//{repository}', 'renders an invalid repository name'],
    ['{repository}-', 'renders an invalid repository name'],
    ['prod/{repo}', 'unknown placeholder {repo}'],
    ['prod/myapp', 'needs {repository} exactly once'],
    ['{repository}/{repository}', 'needs {repository} exactly once'],
  ])('refuses the repository template %s, naming the field', (repository, message) => {
    expect(
      issuesOf(pipelineWith({ [PROD]: { signIn: 'azure' } }, { registry: PROD, repository })),
    ).toEqual([
      { path: 'stages[2].repository', message: expect.stringContaining(message) as string },
    ]);
  });

  const PROD_ID =
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';

  it('compiles an ACR declaration with its ARM resource id', () => {
    const pipeline = parsePipeline(
      pipelineWith({ [PROD]: { signIn: 'azure', resourceId: PROD_ID } }, { registry: PROD }),
    );
    expect(pipeline.registries).toEqual([
      { loginServer: PROD, signIn: 'azure', resourceId: PROD_ID },
    ]);
  });

  it.each([
    '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/prodacr',
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/prodacr',
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/prod-acr',
    'prodacr.azurecr.io',
  ])('refuses the resource id %s, naming the field', (resourceId) => {
    expect(
      issuesOf(pipelineWith({ [PROD]: { signIn: 'azure', resourceId } }, { registry: PROD })),
    ).toEqual([
      {
        path: `registries.${PROD}.resourceId`,
        message: expect.stringContaining('Microsoft.ContainerRegistry/registries/') as string,
      },
    ]);
  });

  it('refuses a resource id on a registry that does not sign in with azure', () => {
    expect(
      issuesOf(
        pipelineWith(
          { 'localhost:5001': { signIn: 'anonymous', resourceId: PROD_ID } },
          { registry: 'localhost:5001' },
        ),
      ),
    ).toEqual([
      {
        path: 'registries.localhost:5001.resourceId',
        message: expect.stringContaining('resourceId is for signIn azure') as string,
      },
    ]);
  });
});
