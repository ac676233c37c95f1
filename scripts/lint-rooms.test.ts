import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

// The rooms (eslint.config.mjs, rooms/boundaries) broken on purpose: each case lints a small source
// as if it were a file of that room, with the project's own config, and names what it must say.

const ROOT = join(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** The rooms rule's messages for `code` linted as the file at `path` (repository-relative). */
async function rooms(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  assert.ok(result, `no lint result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${path} did not parse`);
  return result.messages.filter((m) => m.ruleId === 'rooms/boundaries').map((m) => m.message);
}

const refused = async (path: string, code: string, what: string) => {
  const messages = await rooms(path, code);
  assert.equal(messages.length, 1, `${path}: ${code.trim()} → ${JSON.stringify(messages)}`);
  assert.match(messages[0]!, new RegExp(what.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
};
const allowed = async (path: string, code: string) => assert.deepEqual(await rooms(path, code), [], `${path}: ${code.trim()}`);

test('src/protocol imports nothing of ours: node: and npm packages only', async () => {
  await refused('src/protocol/probe.ts', "import { ERRORS } from '../reader/errors';\nexport const e = ERRORS;\n", 'outside src/protocol');
  await refused('src/protocol/probe.ts', "import { prng } from '../util/prng';\nexport const p = prng;\n", 'src/util/prng');
  await allowed(
    'src/protocol/probe.ts',
    "import { crc16 } from './crc16';\nimport { Buffer } from 'node:buffer';\nimport { Type } from 'typebox';\nexport const x = [crc16, Buffer, Type];\n",
  );
});

test('the protocol tests may use the shared utilities, nothing else of ours', async () => {
  await allowed('src/protocol/probe.test.ts', "import { prng } from '../util/prng';\nexport const p = prng;\n");
  await refused('src/protocol/probe.test.ts', "import { EmulatedReader } from '../../simulator';\nexport const r = EmulatedReader;\n", 'outside src/protocol');
});

test('simulator/ never imports the controller (src/reader, src/server), whatever the syntax', async () => {
  await refused('simulator/probe.ts', "import { Terminal } from '../src/reader/terminal';\nexport const t = Terminal;\n", 'simulator/ may not import src/reader/terminal');
  await refused('simulator/control/probe.ts', "export { buildApp } from '../../src/server/app';\n", 'src/server/app');
  await refused('simulator/probe.ts', "export const app = require('../src/server/app');\n", 'src/server/app');
  await refused('simulator/probe.ts', "export const load = () => import('../src/reader/link');\n", 'src/reader/link');
  await refused('simulator/probe.ts', "import type { Terminal } from '../src/reader/terminal';\nexport type T = Terminal;\n", 'src/reader/terminal');
  await allowed('simulator/probe.ts', "import { encodeFrame } from '../src/protocol';\nimport { VirtualClock } from '../src/time/virtual-clock';\nexport const x = [encodeFrame, VirtualClock];\n");
});

test("the emulated eligibility service may name the controller's port, as a type only", async () => {
  const types = "import type { EligibilityService } from '../src/reader/eligibility';\nexport type S = EligibilityService;\n";
  await allowed('simulator/eligibility.ts', types);
  await refused('simulator/eligibility.ts', "import { UnavailableEligibility } from '../src/reader/eligibility';\nexport const u = UnavailableEligibility;\n", 'src/reader/eligibility');
  await refused('simulator/cards.ts', types, 'src/reader/eligibility');
});

test('src/reader never imports simulator/ or src/server, at any depth', async () => {
  await refused('src/reader/probe.ts', "import { EmulatedReader } from '../../simulator';\nexport const r = EmulatedReader;\n", "src/reader may not import simulator ('../../simulator')");
  await refused('src/reader/probe.ts', "import { buildApp } from '../server/app';\nexport const a = buildApp;\n", 'src/server/app');
  await refused('src/reader/deeper/probe.ts', "import { buildApp } from '../../server/app';\nexport const a = buildApp;\n", 'src/server/app');
  await allowed('src/reader/probe.ts', "import { encodeFrame } from '../protocol';\nexport const e = encodeFrame;\n");
});

test('src/server never imports simulator/: the assembly hands it the emulator', async () => {
  await refused('src/server/routes/probe.ts', "export const cards = () => import('../../../simulator/cards');\n", 'simulator/cards');
  await refused('src/server/probe.ts', "import { embeddedReaders } from '../assembly';\nexport const e = embeddedReaders;\n", 'src/assembly');
});

test('only the assembly wires the embedded emulator; the CLI only starts its own process', async () => {
  const emulator = "import { EmulatedReader } from '../simulator';\nexport const r = EmulatedReader;\n";
  await allowed('src/assembly.ts', emulator);
  await refused('src/main.ts', emulator, 'simulator');
  await refused('src/certify/probe.ts', "import { EmulatedReader } from '../../simulator';\nexport const r = EmulatedReader;\n", 'simulator');
  await allowed('src/cli.ts', "export const run = () => require('../simulator/emulate-main') as typeof import('../simulator/emulate-main');\n");
  await refused('src/cli.ts', "export const r = () => require('../simulator/emulated-reader');\n", 'simulator/emulated-reader');
});

test('tests that drive both sides of the wire may cross (the rest of the rule still holds there)', async () => {
  await allowed('src/reader/probe.test.ts', "import { EmulatedReader } from '../../simulator';\nexport const r = EmulatedReader;\n");
  await allowed('simulator/probe.test.ts', "import { ReaderClient } from '../src/reader/reader-client';\nexport const c = ReaderClient;\n");
  await refused('src/util/probe.ts', "import { EmulatedReader } from '../../simulator';\nexport const r = EmulatedReader;\n", 'outside src/util');
});
