/**
 * Module boundaries, checked by `npm run lint` (dependency-cruiser).
 *
 * Vocabulary:
 * - a MODULE is a folder src/<m>/ that holds a feature (auth, tenancy, devices, diagnostics,
 *   tickets, escalation, health).
 * - its PUBLIC SURFACE is exactly two files: src/<m>/index.ts (what other modules may use,
 *   re-exported) and src/<m>/<m>.module.ts (the Nest module, for `imports: [...]`). Everything
 *   else in src/<m>/ is private to it, repositories included: another module reads a module's
 *   tables through functions that index.ts re-exports from a repository file.
 * - SHARED KERNELS: src/common, src/config, src/database. Any module may import any file there;
 *   they import no module.
 * - the APP ROOT (src/app.*.ts, src/main.ts) wires everything and may import anything.
 * - the DIAGNOSIS ENGINE (src/diagnostics/engine) is pure TypeScript: it imports nothing outside
 *   itself (its *.spec.ts files may use @jest/globals and node: built-ins).
 *
 * Type-only imports count (tsPreCompilationDeps), so a boundary holds for types too.
 */
const MODULES =
  '(auth|tenancy|devices|diagnostics|tickets|escalation|health|reports|incidents|maintenance)';
const KERNELS = '(common|config|database)';
/**
 * Module cycle edges tolerated as warnings, the only exception to the rules. Delete a pair once its
 * cycle is broken. auth <-> tenancy: signup and login (auth) read and write users and tenants
 * through tenancy's repositories, and user management (tenancy) hashes passwords, issues tokens
 * and revokes sessions through auth; both go through the other's index.ts.
 */
const KNOWN_CYCLE_EDGES = [
  ['auth', 'tenancy'],
  ['tenancy', 'auth'],
];
const known = (m) =>
  KNOWN_CYCLE_EDGES.filter(([from]) => from === m).map(([, to]) => `^src/${to}$`);
const MODULES_WITH_KNOWN_CYCLES = [...new Set(KNOWN_CYCLE_EDGES.map(([from]) => from))];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'module-public-surface',
      comment:
        'A module imports another module only through its public surface: src/<m>/index.ts or ' +
        'src/<m>/<m>.module.ts. Re-export what you need from the other module’s index.ts.',
      severity: 'error',
      from: { path: `^src/${MODULES}/` },
      to: {
        path: `^src/${MODULES}/`,
        pathNot: ['^src/$1/', '^src/([^/]+)/(index|\\1\\.module)\\.ts$'],
      },
    },
    {
      name: 'kernel-imports-no-module',
      comment:
        'src/common, src/config and src/database are shared by every module, so they import no ' +
        'module (that is how cycles start). Move the thing into the kernel, or wire it at the app root.',
      severity: 'error',
      from: { path: `^src/${KERNELS}/` },
      to: { path: `^src/${MODULES}/` },
    },
    {
      name: 'nothing-imports-the-app-root',
      comment:
        'src/app.*.ts and src/main.ts assemble the app; nothing in src/<folder>/ imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/(app\\.[^/]+|main)\\.ts$' },
    },
    {
      name: 'engine-is-pure',
      comment:
        'The diagnosis engine (src/diagnostics/engine) imports nothing outside itself: no app ' +
        'code, no framework, no npm package, no Node built-in.',
      severity: 'error',
      from: { path: '^src/diagnostics/engine/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: '^src/diagnostics/engine/' },
    },
    {
      name: 'engine-specs-are-pure',
      comment: 'Engine tests may add @jest/globals and Node built-ins, nothing else from outside.',
      severity: 'error',
      from: { path: '^src/diagnostics/engine/.*\\.spec\\.ts$' },
      to: {
        pathNot: ['^src/diagnostics/engine/', '(^|/)node_modules/@jest/globals/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'no-module-cycles',
      comment:
        'No cycles between modules (folder level): if a needs b and b needs a, move the shared ' +
        'part down into a kernel, or invert one edge (events, registration at the app root).',
      severity: 'error',
      scope: 'folder',
      from: {
        path: `^src/${MODULES}$`,
        pathNot: MODULES_WITH_KNOWN_CYCLES.map((m) => `^src/${m}$`),
      },
      to: { circular: true, path: `^src/${MODULES}$` },
    },
    ...MODULES_WITH_KNOWN_CYCLES.flatMap((m) => [
      {
        name: 'no-module-cycles',
        comment: `No cycles between modules; ${m} has known cycle edges (KNOWN_CYCLE_EDGES).`,
        severity: 'error',
        scope: 'folder',
        from: { path: `^src/${m}$` },
        to: { circular: true, path: `^src/${MODULES}$`, pathNot: known(m) },
      },
      {
        name: 'no-module-cycles-known',
        comment: 'A module cycle that exists today (KNOWN_CYCLE_EDGES); break it, then delete it.',
        severity: 'warn',
        scope: 'folder',
        from: { path: `^src/${m}$` },
        to: { circular: true, path: known(m) },
      },
    ]),
    {
      name: 'no-file-cycles',
      comment: 'No import cycles between files (type-only imports included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
