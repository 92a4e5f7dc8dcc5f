/**
 * seedaudit's layering, enforced by dependency-cruiser (run by `npm test` and `npm run lint:deps`).
 *
 * src/ is one folder per pipeline stage plus a thin composition layer:
 *
 *   model  <-  graph  <-  acquire
 *     ^         ^  ^
 *     |         |  +---- facts  <-  classify
 *     |         +------- gate
 *     +----------------- report
 *   inspect: model, graph, acquire
 *   composition (src/commands/, cli.ts, scan.ts, io.ts, version.ts, errors.ts): anything in src
 *
 * src/errors.ts (the error classes), src/files.ts (safe opening of user-named files), src/io.ts and
 * src/version.ts are the shared files every stage may import: they must stay leaves (rule
 * `errors-is-a-leaf`), so allowing them everywhere cannot smuggle in another dependency.
 *
 * Each stage rule is written as an allow-list ("anything in src/ except ..."), so a new file or folder
 * is covered the day it appears. Paths are relative to the directory depcruise runs in (the repo root).
 * Type-only imports count (tsPreCompilationDeps: true): a type is a dependency on a layer too.
 */

/** Files every stage may import besides its own folder and the stages listed for it. */
const SHARED = '^src/(?:errors|files|io|version)[.]ts$';

/**
 * @param {string} name       rule name
 * @param {string} stage      the stage folder under src/
 * @param {string[]} allowed  other stage folders it may import
 * @param {string} comment    why
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
const stage = (name, stage, allowed, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^src/${stage}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/(?:${[stage, ...allowed].join('|')})/`, SHARED],
  },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---- layering ------------------------------------------------------------------------------
    stage(
      'model-imports-nothing',
      'model',
      [],
      'src/model/ holds the domain types (graph model, report types, facts) that every stage imports. ' +
        'If it imported a stage, every stage would transitively depend on that stage and the layering ' +
        'would collapse into a cycle. Only node builtins, its own folder and src/errors.ts.',
    ),
    stage(
      'graph-only-model',
      'graph',
      ['model'],
      'src/graph/ is the normalised graph readers (Nix JSON, hashes, store paths): pure data handling on ' +
        'the model. It must not know how the graph was acquired, classified, gated or reported.',
    ),
    stage(
      'acquire-only-graph-model',
      'acquire',
      ['graph', 'model'],
      'src/acquire/ gets the graph (running nix, reading .drv/ATerm, JSON files) and hands it over as ' +
        'the model via the graph readers. What happens to the graph afterwards is not its business.',
    ),
    stage(
      'facts-only-model-graph',
      'facts',
      ['model', 'graph'],
      'src/facts/ derives per-input facts from the graph. Facts are inputs to classification, so they ' +
        'must not depend on classify (that would make the verdict an input to its own facts), nor on ' +
        'inspect, gate, report or the commands.',
    ),
    stage(
      'classify-only-model-graph-facts',
      'classify',
      ['model', 'graph', 'facts'],
      'src/classify/ is a pure function of facts x rules. Importing inspect or acquire would give it ' +
        'I/O; importing gate or report would let policy or presentation leak into verdicts; importing ' +
        'commands would invert the composition.',
    ),
    stage(
      'inspect-only-model-graph-acquire',
      'inspect',
      ['model', 'graph', 'acquire'],
      'src/inspect/ reads bytes (ELF, archives) and emits facts; it never rewrites verdicts, so it must ' +
        'not import classify, gate or report. acquire is allowed only for nix\'s runtime closure query.',
    ),
    stage(
      'gate-only-model-graph',
      'gate',
      ['model', 'graph'],
      'src/gate/ (allowlist, baseline, pass/fail) decides on already-classified results. It must not ' +
        'inspect bytes, render reports or reach into the commands: the gate verdict has to be the same ' +
        'whatever output format was asked for.',
    ),
    stage(
      'report-only-model',
      'report',
      ['model'],
      'src/report/ is read-only renderers, one file per format, over the report model. A renderer that ' +
        'imported classify, inspect, gate or acquire could recompute or alter a verdict while printing ' +
        'it; reports must show exactly what the pipeline decided.',
    ),
    {
      name: 'no-stage-to-composition',
      severity: 'error',
      comment:
        'src/commands/, src/cli.ts and src/scan.ts compose the stages. A stage (any folder under src/ other ' +
        'than commands/) importing them inverts the dependency direction and creates cycles through the CLI.',
      from: { path: '^src/[^/]+/', pathNot: '^src/commands/' },
      to: { path: ['^src/commands/', '^src/cli[.]ts$', '^src/scan[.]ts$'] },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      comment:
        'Every layer, model included, may import src/errors.ts. That is only safe while errors.ts itself ' +
        'imports nothing from src/; otherwise the model would transitively depend on whatever it imports.',
      from: { path: SHARED },
      to: { path: '^src/', pathNot: SHARED },
    },

    // ---- hygiene ---------------------------------------------------------------------------------
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Circular dependencies make initialisation order fragile under ESM (TDZ errors on import) and mean ' +
        'two modules can no longer be understood or tested separately. Break the cycle with a type in ' +
        'src/model/ or by moving the shared code down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment:
        'A module in src/ that nothing imports and that imports nothing is dead code (or was forgotten ' +
        'when wiring up a command). Delete it or use it. Type declaration files (.d.ts) are exempt.',
      from: { orphan: true, path: '^src/', pathNot: ['[.]d[.]ts$'] },
      to: {},
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment:
        'src/ ships (dist/ is the published package) and is installed without devDependencies. Anything ' +
        'src/ imports from npm must be in "dependencies", or the installed CLI crashes (or typechecks ' +
        'against a package its users do not have).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], pathNot: ['node_modules/@types/'] },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        'src/ imports an npm package that is not declared in package.json at all (it only resolves because ' +
        'something else pulled it into node_modules). Declare it in "dependencies".',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import that cannot be resolved to a file is a typo, a missing package or a file moved without ' +
        'updating its importers; tsc catches most but not dynamic import() of a string.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment:
        'Shipped code must not depend on test/ (fixtures, helpers): test/ is not published, so the import ' +
        'would break the installed CLI.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // Never descend into npm packages: we only judge our own code, and knowing a package's name and
    // dependency type (from package.json) is enough for the npm rules.
    doNotFollow: { path: ['node_modules'] },
    // Only ESM is used (the package is "type": "module").
    moduleSystems: ['es6', 'cjs'],
    // Count `import type` too: layering is about what a stage knows, not only what it runs.
    tsPreCompilationDeps: true,
    // Resolve with the project's compiler options (NodeNext). dependency-cruiser maps the `.js`
    // specifiers NodeNext requires back to the `.ts` sources, as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    // Only do the analysis the rules above need (faster).
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
