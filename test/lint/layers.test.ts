import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rule (docs/architecture.md) as `npm run lint` applies it: the project's own
 * eslint.config.js (its `files` blocks and the rule) lints a few lines of code given as the
 * text of a file in the layer's folder (a real file, but for the file at the root of src/), so
 * nothing is written to disk.
 *
 * Only the layer rule runs, and the parser is told not to build the TypeScript program: the
 * rule reads import specifiers, not types, and with the program each text took a few hundred
 * milliseconds (about ten seconds for the first).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RULE = 'layers/imports-point-down';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    ruleFilter: ({ ruleId }) => ruleId === RULE,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  });
});

async function layerMessages(file: string, code: string): Promise<string[]> {
  const filePath = path.join(ROOT, file);
  const [result] = await eslint.lintText(code, { filePath });
  if (result === undefined) throw new Error(`eslint returned no result for ${file}`);
  expect(result.filePath).toBe(filePath);
  const fatal = result.messages.filter((m) => m.fatal === true);
  expect(fatal.map((m) => m.message)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

/** One layer problem, naming both layers (in `says`) and pointing to the architecture. */
async function expectOneLayerProblem(file: string, code: string, says: string): Promise<void> {
  const messages = await layerMessages(file, code);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain(says);
  expect(messages[0]).toContain('docs/architecture.md');
}

describe('an import that points up the layers fails lint', () => {
  it.each([
    {
      what: 'domain importing app',
      file: 'src/domain/build.ts',
      code: "import { stageBoard } from '../app/views/stageBoard.js';\nexport { stageBoard };\n",
      says: 'src/domain may not import src/app',
    },
    {
      what: 'domain re-exporting app',
      file: 'src/domain/build.ts',
      code: "export { stageBoard } from '../app/views/stageBoard.js';\n",
      says: 'src/domain may not import src/app',
    },
    {
      what: 'domain importing an SDK',
      file: 'src/domain/build.ts',
      code: "import { TableClient } from '@azure/data-tables';\nexport { TableClient };\n",
      says: "src/domain may not import '@azure/data-tables'",
    },
    {
      what: 'domain naming an app type through import()',
      file: 'src/domain/build.ts',
      code: "export type Board = import('../app/views/stageBoard.js').StageBoard;\n",
      says: 'src/domain may not import src/app',
    },
    {
      what: 'ports importing adapters',
      file: 'src/ports/registry.ts',
      code: "export type { AcrRegistryOptions } from '../adapters/acr/acrRegistry.js';\n",
      says: 'src/ports may not import src/adapters',
    },
    {
      what: 'app importing adapters',
      file: 'src/app/push/recordRegistryEvent.ts',
      code: "import { createTablesBuildLedger } from '../../adapters/tables/tablesBuildLedger.js';\nexport { createTablesBuildLedger };\n",
      says: 'src/app may not import src/adapters',
    },
    {
      what: 'app importing composition',
      file: 'src/app/views/stageBoard.ts',
      code: "import { createServices } from '../../composition/createServices.js';\nexport { createServices };\n",
      says: 'src/app may not import src/composition',
    },
    {
      what: 'functions importing adapters',
      file: 'src/functions/health.ts',
      code: "import { createTablesClient } from '../adapters/tables/tablesClient.js';\nexport { createTablesClient };\n",
      says: 'src/functions may not import src/adapters',
    },
    {
      what: 'functions importing adapters lazily',
      file: 'src/functions/health.ts',
      code: "export const load = () => import('../adapters/tables/tablesClient.js');\n",
      says: 'src/functions may not import src/adapters',
    },
    {
      what: 'functions (a subfolder) importing adapters',
      file: 'src/functions/board/boardTables.ts',
      code: "import { createTablesClient } from '../../adapters/tables/tablesClient.js';\nexport { createTablesClient };\n",
      says: 'src/functions may not import src/adapters',
    },
    {
      what: 'functions importing local',
      file: 'src/functions/functionTable.ts',
      code: "import { startLocalHost } from '../local/host.js';\nexport { startLocalHost };\n",
      says: 'src/functions may not import src/local',
    },
    {
      what: 'adapters importing app',
      file: 'src/adapters/tables/tablesBuildLedger.ts',
      code: "import { recordRegistryEvent } from '../../app/push/recordRegistryEvent.js';\nexport { recordRegistryEvent };\n",
      says: 'src/adapters may not import src/app',
    },
    {
      what: 'one adapter technology importing another',
      file: 'src/adapters/tables/tablesBuildLedger.ts',
      code: "import { createAcrRegistry } from '../acr/acrRegistry.js';\nexport { createAcrRegistry };\n",
      says: 'src/adapters/tables may not import src/adapters/acr',
    },
    {
      what: 'composition importing functions',
      file: 'src/composition/createServices.ts',
      code: "import { functionTable } from '../functions/functionTable.js';\nexport { functionTable };\n",
      says: 'src/composition may not import src/functions',
    },
    {
      what: 'local importing cli',
      file: 'src/local/host.ts',
      code: "import { runCli } from '../cli/runCli.js';\nexport { runCli };\n",
      says: 'src/local may not import src/cli',
    },
    {
      what: 'cli importing local',
      file: 'src/cli/cliSettings.ts',
      code: "import { localSettings } from '../local/services/localSettings.js';\nexport { localSettings };\n",
      says: 'src/cli may not import src/local',
    },
    {
      what: 'cli importing functions',
      file: 'src/cli/statusCommand.ts',
      code: "import { functionTable } from '../functions/functionTable.js';\nexport { functionTable };\n",
      says: 'src/cli may not import src/functions',
    },
    {
      what: 'src importing test',
      file: 'src/app/push/recordRegistryEvent.ts',
      code: "import { MemoryBuildLedger } from '../../../test/support/memoryBuildLedger.js';\nexport { MemoryBuildLedger };\n",
      says: 'src/app may not import test',
    },
    {
      what: 'src importing tools',
      file: 'src/cli/promoter.ts',
      code: "import { writeZip } from '../../tools/writeZip.js';\nexport { writeZip };\n",
      says: 'src/cli may not import tools',
    },
    {
      what: 'bench importing test',
      file: 'bench/stack.ts',
      code: "import { run } from '../test/support/images.js';\nexport { run };\n",
      says: 'bench may not import test',
    },
  ])('$what: "$says"', async ({ file, code, says }) => {
    await expectOneLayerProblem(file, code, says);
  });
});

describe('a file of src/ outside the layers fails lint', () => {
  it.each([
    {
      what: 'a file at the root of src/',
      file: 'src/helpers.ts',
      code: 'export const answer = 42;\n',
      says: 'src/helpers.ts is in no layer',
    },
    {
      what: 'an import of a src/ folder that is no layer',
      file: 'src/app/push/recordRegistryEvent.ts',
      code: "import { answer } from '../../shared/answer.js';\nexport { answer };\n",
      says: 'src/app may not import src/shared/answer.js: it is in no layer',
    },
  ])('$what', async ({ file, code, says }) => {
    await expectOneLayerProblem(file, code, says);
  });
});

describe('an import that points down the layers passes the layer rule', () => {
  it.each([
    {
      what: 'app importing domain and ports',
      file: 'src/app/push/recordRegistryEvent.ts',
      code: "import { parseImageReference } from '../../domain/imageReference.js';\nimport type { BuildLedger } from '../../ports/buildLedger.js';\nexport type { BuildLedger };\nexport { parseImageReference };\n",
    },
    {
      what: 'app importing another app feature',
      file: 'src/app/rollback/rollbackStage.ts',
      code: "import { settleOnce } from '../promotion/settleOnce.js';\nexport { settleOnce };\n",
    },
    {
      what: 'domain importing domain, zod, semver and node:crypto',
      file: 'src/domain/build.ts',
      code: "import { createHash } from 'node:crypto';\nimport semver from 'semver';\nimport { z } from 'zod';\nimport { parseBuildTag } from './buildTag.js';\nexport { createHash, semver, z, parseBuildTag };\n",
    },
    {
      what: 'functions importing app and composition',
      file: 'src/functions/board/boardTables.ts',
      code: "import { stageBoard } from '../../app/views/stageBoard.js';\nimport { createServices } from '../../composition/createServices.js';\nexport { stageBoard, createServices };\n",
    },
    {
      what: 'an adapter importing its own folder, the shared helpers and identity',
      file: 'src/adapters/acr/acrDoctorProbe.ts',
      code: "import { acrErrors } from './acrErrors.js';\nimport { asRestError } from '../sdkErrors.js';\nimport { tokenIdentity } from '../identity/identityPrincipal.js';\nexport { acrErrors, asRestError, tokenIdentity };\n",
    },
    {
      what: 'cli loading an adapter lazily',
      file: 'src/cli/serviceBusTransport.ts',
      code: "export const load = () => import('../adapters/servicebus/serviceBusBus.js');\n",
    },
    {
      what: 'local importing functions and composition',
      file: 'src/local/host.ts',
      code: "import { functionTable } from '../functions/functionTable.js';\nimport { createServices } from '../composition/createServices.js';\nexport { functionTable, createServices };\n",
    },
    {
      what: 'bench importing src and tools',
      file: 'bench/packageBench.ts',
      code: "import { startLocalHost } from '../src/local/host.js';\nimport { writeZip } from '../tools/writeZip.js';\nexport { startLocalHost, writeZip };\n",
    },
    {
      what: 'test importing any layer',
      file: 'test/support/stack.ts',
      code: "import { startLocalHost } from '../../src/local/host.js';\nexport { startLocalHost };\n",
    },
  ])('$what', async ({ file, code }) => {
    expect(await layerMessages(file, code)).toEqual([]);
  });
});
