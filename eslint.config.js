// @ts-check
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layer rule of docs/architecture.md: imports point down the layers, never up. Each
 * layer lists the layers it may import besides itself.
 */
const SRC_MAY_IMPORT = {
  'src/domain': [],
  'src/ports': ['src/domain'],
  'src/app': ['src/domain', 'src/ports'],
  'src/adapters': ['src/domain', 'src/ports'],
  'src/functions': ['src/app', 'src/composition', 'src/domain', 'src/ports'],
  'src/composition': ['src/app', 'src/adapters', 'src/domain', 'src/ports'],
  'src/local': [
    'src/functions',
    'src/composition',
    'src/app',
    'src/adapters',
    'src/domain',
    'src/ports',
  ],
  'src/cli': ['src/app', 'src/adapters', 'src/composition', 'src/domain', 'src/ports'],
};
const SRC_LAYERS = Object.keys(SRC_MAY_IMPORT);
/**
 * Every layer, with what it may import besides itself. `test/` is not listed: tests may import
 * any layer.
 * @type {Record<string, string[]>}
 */
const MAY_IMPORT = {
  ...SRC_MAY_IMPORT,
  // Build tools and benchmarks drive the product from outside; neither imports test code.
  tools: SRC_LAYERS,
  bench: [...SRC_LAYERS, 'tools'],
};

/**
 * The only packages domain, ports and app may use: they are pure (no I/O, no clock). An SDK
 * or `node:fs` there means I/O that belongs behind a port.
 */
const PURE_PACKAGES = ['zod', 'semver', 'node:crypto'];
const PURE_LAYERS = ['src/domain', 'src/ports', 'src/app'];

/**
 * Adapter folders shared by the other adapters. `identity/` turns an `@azure/identity`
 * credential into the principal it names; the ACR, Tables and Service Bus doctor probes all
 * report who they ran as, so they use it rather than each decoding tokens again. `oci/` speaks
 * the OCI distribution API (sign-in, referrers, the copier): the ACR adapter lists referrers
 * through it, as ACR's SDK has no referrers call.
 */
const SHARED_ADAPTER_TECHS = ['identity', 'oci'];

const ROOT = import.meta.dirname;
const SEE = 'See docs/architecture.md.';

/**
 * Where a file (absolute path) sits: its layer (`src/app`, `bench`… or undefined when it is in
 * none), for `src/adapters` its technology folder, and its path from the project root.
 * @param {string} file
 */
function placeOf(file) {
  const relative = path.relative(ROOT, file).split(path.sep).join('/');
  const [top, second, third] = relative.split('/');
  if (top === 'src') {
    const layer = `src/${second ?? ''}`;
    const inLayer = third !== undefined && layer in MAY_IMPORT;
    const tech = layer === 'src/adapters' && relative.split('/').length > 3 ? third : undefined;
    return { layer: inLayer ? layer : undefined, tech, relative, inSrc: true };
  }
  const layer = top === 'test' || top === 'bench' || top === 'tools' ? top : undefined;
  return { layer, tech: undefined, relative, inSrc: false };
}

/** The layers a layer may import, in words: "src" when that is all of src/. @param {string[]} layers */
function describe(layers) {
  if (layers.length === 0) return 'nothing outside itself';
  const all = SRC_LAYERS.every((layer) => layers.includes(layer));
  return (all ? ['src', ...layers.filter((l) => !SRC_LAYERS.includes(l))] : layers).join(', ');
}

/** @param {string} specifier @param {string[]} packages */
function isOneOf(specifier, packages) {
  return packages.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/**
 * Why `specifier`, imported from `file`, breaks the layer rule, or undefined when it does not.
 * @param {string} file @param {string} specifier
 */
function layerProblem(file, specifier) {
  const from = placeOf(file);
  if (from.layer === undefined || !(from.layer in MAY_IMPORT)) return undefined;
  const layer = from.layer;

  if (!specifier.startsWith('.') && !path.isAbsolute(specifier)) {
    if (PURE_LAYERS.includes(layer) && !isOneOf(specifier, PURE_PACKAGES))
      return `${layer} may not import '${specifier}': ${PURE_LAYERS.join(', ')} are pure and use no package but ${PURE_PACKAGES.join(', ')}. ${SEE}`;
    if (
      layer === 'src/functions' &&
      specifier.startsWith('@azure/') &&
      specifier !== '@azure/functions'
    )
      return `src/functions may not import '${specifier}': entry points reach Azure through adapters built by src/composition. ${SEE}`;
    return undefined;
  }

  const to = placeOf(path.resolve(path.dirname(file), specifier));
  if (to.inSrc && to.layer === undefined)
    return `${layer} may not import ${to.relative}: it is in no layer; put it in one of ${SRC_LAYERS.join(', ')}. ${SEE}`;
  // A project file outside the layers (package.json, …) or outside the project.
  if (to.layer === undefined) return undefined;
  if (to.layer === layer) {
    const otherTech =
      layer === 'src/adapters' &&
      to.tech !== undefined &&
      to.tech !== from.tech &&
      !SHARED_ADAPTER_TECHS.includes(to.tech);
    if (!otherTech) return undefined;
    return `src/adapters/${from.tech ?? '*.ts'} may not import src/adapters/${to.tech} ('${specifier}'): one adapter technology does not import another. ${SEE}`;
  }
  const allowed = MAY_IMPORT[layer] ?? [];
  if (allowed.includes(to.layer)) return undefined;
  return `${layer} may not import ${to.layer} ('${specifier}'): imports point down the layers, and ${layer} may import ${describe(allowed)}. ${SEE}`;
}

/**
 * A local rule rather than `no-restricted-imports`: a relative specifier means a different
 * folder at each depth (`../app/` from src/domain, `../../app/` from src/functions/board), so
 * the rule resolves it against the importing file and looks both ends up in MAY_IMPORT; and it
 * also sees `import()` (the CLI loads adapters lazily), which `no-restricted-imports` does not.
 * @type {import('eslint').Rule.RuleModule}
 */
const importsPointDown = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layers of docs/architecture.md' },
    schema: [],
  },
  create(context) {
    /** @param {import('estree').Node | null | undefined} source */
    function check(source) {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const message = layerProblem(context.filename, source.value);
      if (message !== undefined) context.report({ node: source, message });
    }
    const here = placeOf(context.filename);
    return {
      Program(node) {
        if (here.inSrc && here.layer === undefined)
          context.report({
            node,
            message: `${here.relative} is in no layer: put it in one of ${SRC_LAYERS.join(', ')}. ${SEE}`,
          });
      },
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      /** `typeof import('…')` and `import('…').Type` in type positions. @param {any} node */
      TSImportType: (node) => check(node.source ?? node.argument?.literal),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.promoter/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // Ports declare their operations as properties, not methods: TypeScript checks a method's
    // parameters both ways (bivariantly), so an adapter taking a narrower message than its
    // port (an approval where any promotion message may come) would compile. As properties,
    // every implementation is checked strictly.
    files: ['src/ports/**/*.ts'],
    rules: { '@typescript-eslint/method-signature-style': ['error', 'property'] },
  },
  {
    // The layer rule (docs/architecture.md). test/ is left out: tests may import any layer.
    files: ['src/**', 'bench/**', 'tools/**'],
    plugins: { layers: { rules: { 'imports-point-down': importsPointDown } } },
    rules: { 'layers/imports-point-down': 'error' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
