// @ts-check
// Lint for the whole tree (`npm run lint`, a step of `npm test`, --max-warnings 0). Formatting is
// prettier's job (.prettierrc.json): no rule here is about layout.
//   - TypeScript: typescript-eslint's recommended set (not type-aware: see 'typescript' below).
//   - JavaScript (scripts/*.cjs, bin/, public/js/, cucumber.js): ESLint's recommended set.
//   - The rooms (README: Layout): `rooms/boundaries` below, tested by scripts/lint-rooms.test.ts.
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

// ---- the rooms ----------------------------------------------------------------------------------
// A rule of our own rather than no-restricted-imports: that rule matches the specifier's text, so
// '../server' would mean src/server from src/reader but nothing from src/reader/x/, and it sees no
// require() or import() (src/cli.ts loads the emulator's commands with require). This one resolves
// every relative specifier (import, export … from, import type, require, import(), typeof
// import(…)) to a path in the repository and checks it against the room's list.

/** A repository path (posix, no extension) for a relative specifier; null for packages and node:. */
function target(filename, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../') && spec !== '.' && spec !== '..') return null;
  const rel = relative(ROOT, resolve(dirname(filename), spec))
    .split(sep)
    .join('/');
  return rel.replace(/\.(ts|js|cjs|mjs|json)$/, '').replace(/\/index$/, '');
}

const within = (path, dir) => path === dir || path.startsWith(dir + '/');

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Each room imports only what its room may (README: Layout)' },
    schema: [
      {
        type: 'object',
        properties: {
          room: { type: 'string' },
          // Everything relative must stay inside these (src/protocol: nothing of ours).
          only: { type: 'array', items: { type: 'string' } },
          // These may not be imported (a folder or a file, no extension)…
          forbid: { type: 'array', items: { type: 'string' } },
          // …except these,
          except: { type: 'array', items: { type: 'string' } },
          // …except with `import type` (erased by tsc: no code of theirs is loaded).
          typeOnly: { type: 'array', items: { type: 'string' } },
        },
        required: ['room'],
        additionalProperties: false,
      },
    ],
    messages: {
      forbidden: "{{room}} may not import {{path}} ('{{spec}}'): see the rooms in README's Layout.",
      outside: "{{room}} imports nothing of ours outside {{only}} ('{{spec}}' is {{path}}).",
    },
  },
  create(context) {
    const { room, only, forbid = [], except = [], typeOnly = [] } = context.options[0];
    const check = (node, spec, isType) => {
      if (typeof spec !== 'string') return;
      const path = target(context.filename, spec);
      if (path === null) return;
      if (only && !only.some((d) => within(path, d))) {
        context.report({ node, messageId: 'outside', data: { room, only: only.join(', '), spec, path } });
      } else if (forbid.some((d) => within(path, d)) && !except.some((d) => within(path, d)) && !(isType && typeOnly.some((d) => within(path, d)))) {
        context.report({ node, messageId: 'forbidden', data: { room, spec, path } });
      }
    };
    const typeOnlyImport = (node) => node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value, false),
      CallExpression: (node) => {
        const [arg] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && arg?.type === 'Literal') check(arg, arg.value, false);
      },
      // `typeof import('…')`: a type, so it counts as `import type`.
      TSImportType: (node) => {
        const lit = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.source;
        if (lit?.type === 'Literal') check(lit, lit.value, true);
      },
      TSExternalModuleReference: (node) => node.expression.type === 'Literal' && check(node.expression, node.expression.value, false),
    };
  },
};

const rooms = { plugins: { rooms: { rules: { boundaries } } } };
const CONTROLLER = ['src/reader', 'src/server', 'src/assembly', 'src/main'];

// Which files are in which room. Later blocks win, so an exemption for tests comes after its room.
const roomRules = [
  {
    name: 'rooms/protocol',
    files: ['src/protocol/**'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/protocol', only: ['src/protocol'] }] },
  },
  {
    // The protocol's tests (and their helpers, test-*.ts) draw their random cases from the shared
    // seeded generator in src/util.
    name: 'rooms/protocol/tests',
    files: ['src/protocol/**/*.test.ts', 'src/protocol/**/test-*.ts'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/protocol (tests)', only: ['src/protocol', 'src/util'] }] },
  },
  {
    // Shared utilities (seeded prng, line splitting, spawn-and-wait): below every room.
    name: 'rooms/util',
    files: ['src/util/**'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/util', only: ['src/util'] }] },
  },
  {
    name: 'rooms/simulator',
    files: ['simulator/**'],
    rules: { 'rooms/boundaries': ['error', { room: 'simulator/', forbid: CONTROLLER }] },
  },
  {
    // The emulated オンライン資格確認 implements the controller's EligibilityService port: its
    // types only, so the emulator still loads no code of the controller.
    name: 'rooms/simulator/eligibility',
    files: ['simulator/eligibility.ts'],
    rules: { 'rooms/boundaries': ['error', { room: 'simulator/', forbid: CONTROLLER, typeOnly: ['src/reader/eligibility', 'src/reader/records'] }] },
  },
  {
    name: 'rooms/reader',
    files: ['src/reader/**'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/reader', forbid: ['simulator', 'src/server', 'src/assembly', 'src/main', 'src/cli'] }] },
  },
  {
    name: 'rooms/server',
    files: ['src/server/**'],
    // The assembly hands the server what it needs (the emulator's controls and schema included).
    rules: { 'rooms/boundaries': ['error', { room: 'src/server', forbid: ['simulator', 'src/assembly', 'src/main'] }] },
  },
  {
    // The rest of the product (cli, log, certify, trace, time): only the assembly wires the
    // embedded emulator.
    name: 'rooms/product',
    files: ['src/*.ts', 'src/certify/**', 'src/trace/**', 'src/time/**'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/ (outside the assembly)', forbid: ['simulator'] }] },
  },
  {
    // `oqs-reader trace to-scenario` writes scenarios for the emulator: it reads the emulator's card
    // profiles and face matcher (the scenarios' vocabulary), and wires nothing of the emulator.
    name: 'rooms/product/to-scenario',
    files: ['src/trace/to-scenario*.ts'],
    rules: { 'rooms/boundaries': ['error', { room: 'src/trace/to-scenario', forbid: ['simulator'], except: ['simulator/cards', 'simulator/face-matcher'] }] },
  },
  {
    // `oqs-reader tap` (docs/tap.md) is its own small program between two ports: the protocol, the
    // trace format, the emulator's fault rules, control channel and pty, nothing of the controller.
    name: 'rooms/tap',
    files: ['src/tap/**'],
    rules: {
      'rooms/boundaries': [
        'error',
        {
          room: 'src/tap',
          only: [
            'src/tap',
            'src/protocol',
            'src/trace/format',
            'src/time',
            'src/util',
            'src/cli-usage',
            'simulator/faults',
            'simulator/control',
            'simulator/pty',
          ],
        },
      ],
    },
  },
  {
    // Wires the embedded emulator into the controller: the one place that may.
    name: 'rooms/assembly',
    files: ['src/assembly.ts'],
    rules: { 'rooms/boundaries': 'off' },
  },
  {
    // `oqs-reader emulate` and `oqs-reader fault` run the emulator as its own process: the CLI
    // dispatches to them (require, on demand), it does not embed them.
    name: 'rooms/cli',
    files: ['src/cli.ts'],
    rules: {
      'rooms/boundaries': ['error', { room: 'src/cli.ts', forbid: ['simulator'], except: ['simulator/emulate-main', 'simulator/fault-main'] }],
    },
  },
  // Tests that cross a room on purpose, and their helpers (test-*.ts): the controller's link and
  // result-file tests drive the real ReaderClient/Terminal against the emulator (both sides of the
  // wire are the point), the emulator's pacing/replay tests likewise, the server's and the trace's
  // tests build the product as the assembly does (src/server/test-server.ts,
  // src/trace/test-recording.ts), and the start tests run the whole product.
  {
    name: 'rooms/tests',
    files: [
      'src/reader/**/*.test.ts',
      'src/reader/test-*.ts',
      'src/server/**/*.test.ts',
      'src/server/test-*.ts',
      'src/trace/**/*.test.ts',
      'src/trace/test-*.ts',
      'src/tap/**/*.test.ts',
      'src/*.test.ts',
      'simulator/**/*.test.ts',
    ],
    rules: { 'rooms/boundaries': 'off' },
  },
];

// A leading underscore marks a parameter or binding that is unused on purpose (an interface's
// argument, a rest sibling that drops a key).
const UNUSED = {
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

export default defineConfig([
  globalIgnores(['dist/', 'reports/', '.node/', '.oqs-reader/', 'coverage/', '**/*.tmp', '.build.lock/']),
  {
    name: 'all',
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },
  { name: 'javascript', files: ['**/*.{js,cjs,mjs}'], extends: [js.configs.recommended] },
  {
    name: 'javascript/node-commonjs',
    files: ['**/*.cjs', 'bin/**/*.js', 'cucumber.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  { name: 'javascript/node-esm', files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  { name: 'javascript/browser', files: ['public/js/**/*.js'], languageOptions: { sourceType: 'module', globals: globals.browser } },
  {
    // Not type-aware: typescript-eslint's type-checked set costs ~38 s of CPU here (the type
    // program, whichever rules run; tsc in the typecheck step already builds it once) against
    // ~11 s for the whole lint without types, inside a 150 s `npm test`.
    name: 'typescript',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
  },
  {
    name: 'house',
    files: ['**/*.{ts,js,cjs,mjs}'],
    rules: {
      'no-unused-vars': ['error', UNUSED],
      // The full-width space (U+3000) between a Japanese family and given name is the text, not a
      // typo: skipped in templates as it is by default in strings.
      'no-irregular-whitespace': ['error', { skipTemplates: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A `let` read by a closure made before its one assignment (a stop handler, a test's after
      // hook) must stay a let: as a const, the closure would meet the temporal dead zone.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // DEVELOPERS.md: never the deprecated `cucumber` package.
      'no-restricted-imports': ['error', { paths: [{ name: 'cucumber', message: 'Deprecated: use @cucumber/cucumber.' }] }],
    },
  },
  {
    name: 'typescript/house',
    files: ['**/*.ts'],
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', UNUSED],
      // `import type` is how tsc, the rooms rule and scripts/dependencies.test.ts tell a type from
      // code that is loaded.
      // `require(x) as typeof import(x)` is how a module is loaded on demand (below).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // Loading on demand: under module node20 an import() stays a real ESM import, so the CLI's
    // subcommands and fastify's validator compiler are required when first needed (src/cli.ts);
    // the decoder benchmark requires the decoder it is told to measure.
    name: 'typescript/require-on-demand',
    files: ['src/cli.ts', 'src/server/lazy-compilers.ts', 'bench/decoder.ts', 'bench/scale-worker.ts', 'scripts/steps-doc.test.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // chai's property assertions (`.to.be.empty`, `.to.exist`) are expressions by design.
    name: 'tests',
    files: ['**/*.test.ts', 'steps/**/*.ts', 'test/**/*.ts', 'src/**/test-*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // Tests match printed output: aligned columns space for space, and terminal colours (ESC).
    name: 'tests/printed-output',
    files: ['**/*.test.ts'],
    rules: { 'no-regex-spaces': 'off', 'no-control-regex': 'off' },
  },
  {
    // page.evaluate() callbacks run in the browser, and tsconfig.json has no DOM types.
    name: 'tests/browser',
    files: ['test/e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // What ships writes through its streams and the log (src/log.ts keeps private data out).
    name: 'shipped',
    files: ['src/**/*.ts', 'simulator/**/*.ts', 'steps/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  rooms,
  ...roomRules,
]);
