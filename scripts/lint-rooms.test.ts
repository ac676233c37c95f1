import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

// The rooms (eslint.config.mjs, rooms/boundaries) broken on purpose: each case lints a small source
// as if it were a file of that room, with the project's own config, and names what it must say.

const ROOT = join(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** A source that loads `spec` and uses what it loaded. */
const uses = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

/** The rooms rule's messages for `code` linted as the file at `path` (repository-relative). */
async function rooms(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  assert.ok(result, `no lint result for ${path}`);
  assert.deepEqual(
    result.messages.filter((m) => m.fatal),
    [],
    `${path} did not parse`,
  );
  return result.messages.filter((m) => m.ruleId === 'rooms/boundaries').map((m) => m.message);
}

/** Each case: [file, source, a piece of the one message it must get (null: none)]. */
async function check(cases: Array<[string, string, string | null]>) {
  for (const [path, code, what] of cases) {
    const messages = await rooms(path, code);
    const where = `${path}: ${code.trim()} → ${JSON.stringify(messages)}`;
    if (what === null) assert.deepEqual(messages, [], where);
    else assert.ok(messages.length === 1 && messages[0]!.includes(what), where);
  }
}

test('src/protocol imports nothing of ours: node: and npm packages only', () =>
  check([
    ['src/protocol/probe.ts', uses('../reader/errors'), 'outside src/protocol'],
    ['src/protocol/probe.ts', uses('../util/prng'), "('../util/prng' is src/util/prng)"],
    ['src/protocol/probe.ts', uses('./crc16'), null],
    ['src/protocol/probe.ts', uses('node:buffer'), null],
    ['src/protocol/probe.ts', uses('typebox'), null],
  ]));

test('the protocol tests may use the shared utilities, nothing else of ours', () =>
  check([
    ['src/protocol/probe.test.ts', uses('../util/prng'), null],
    ['src/protocol/test-probe.ts', uses('../util/prng'), null],
    ['src/protocol/probe.test.ts', uses('../../simulator'), 'outside src/protocol'],
  ]));

test('simulator/ never imports the controller (src/reader, src/server), whatever the syntax', () =>
  check([
    ['simulator/probe.ts', uses('../src/reader/terminal'), 'simulator/ may not import src/reader/terminal'],
    ['simulator/control/probe.ts', "export { x } from '../../src/server/app';\n", 'src/server/app'],
    ['simulator/probe.ts', "export const x = require('../src/server/app');\n", 'src/server/app'],
    ['simulator/probe.ts', "export const x = () => import('../src/reader/link');\n", 'src/reader/link'],
    ['simulator/probe.ts', "import type { X } from '../src/reader/terminal';\nexport type Y = X;\n", 'src/reader/terminal'],
    ['simulator/probe.ts', "export type Y = typeof import('../src/server/app');\n", 'src/server/app'],
    ['simulator/probe.ts', uses('../src/protocol'), null],
    ['simulator/probe.ts', uses('../src/time/virtual-clock'), null],
  ]));

test("the emulated eligibility service may name the controller's port, as a type only", () => {
  const types = "import type { EligibilityService } from '../src/reader/eligibility';\nexport type S = EligibilityService;\n";
  return check([
    ['simulator/eligibility.ts', types, null],
    ['simulator/eligibility.ts', uses('../src/reader/eligibility'), 'src/reader/eligibility'],
    ['simulator/cards.ts', types, 'src/reader/eligibility'],
  ]);
});

test('src/reader never imports simulator/ or src/server, at any depth', () =>
  check([
    ['src/reader/probe.ts', uses('../../simulator'), "src/reader may not import simulator ('../../simulator')"],
    ['src/reader/probe.ts', uses('../server/app'), 'src/server/app'],
    ['src/reader/deeper/probe.ts', uses('../../server/app'), 'src/server/app'],
    ['src/reader/probe.ts', uses('../protocol'), null],
  ]));

test('src/server never imports simulator/: the assembly hands it the emulator', () =>
  check([
    ['src/server/routes/probe.ts', "export const x = () => import('../../../simulator/cards');\n", 'simulator/cards'],
    ['src/server/probe.ts', uses('../assembly'), 'src/assembly'],
  ]));

test('only the assembly wires the embedded emulator; the CLI only starts its own process', () =>
  check([
    ['src/assembly.ts', uses('../simulator'), null],
    ['src/main.ts', uses('../simulator/eligibility'), 'simulator/eligibility'],
    ['src/certify/probe.ts', uses('../../simulator'), 'simulator'],
    ['src/cli.ts', "export const x = () => require('../simulator/emulate-main') as typeof import('../simulator/emulate-main');\n", null],
    ['src/cli.ts', "export const x = () => require('../simulator/emulated-reader');\n", 'simulator/emulated-reader'],
  ]));

test('tests that drive both sides of the wire may cross; the shared utilities stay below every room', () =>
  check([
    ['src/reader/probe.test.ts', uses('../../simulator'), null],
    ['simulator/probe.test.ts', uses('../src/reader/reader-client'), null],
    ['src/server/test-probe.ts', uses('../assembly'), null],
    ['src/util/probe.ts', uses('../../simulator'), 'outside src/util'],
  ]));
