/**
 * The round trip of docs/traces.md "A recorded session as a scenario", on every golden trace:
 * `oqs-reader trace to-scenario` (the shipped CLI) writes a scenario; one cucumber run on the
 * emulator profile runs them all; each must pass, and `oqs-reader trace diff` of the golden trace
 * and the scenario's own recorded trace must say the same (timing aside: exit 0 or 3). The same for
 * a few sessions recorded on the hardware profile (npm test's serial self-test runs it against the
 * pty emulator through real ttys): a spread of its traces whose scenario reproduces everything.
 *
 *   node --test -r ts-node/register scripts/trace-round-trip.ts     (npm test: step trace-round-trip)
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import assert from 'node:assert/strict';
import { goldenFile, goldenNames } from './golden';
import { REPO } from './lib/shipped';

const BIN = join(REPO, 'bin', 'oqs-reader.js');
const CUCUMBER = join(REPO, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');

interface CucumberFeature {
  uri: string;
  elements: Array<{ name: string; steps: Array<{ keyword: string; name?: string; result: { status: string; error_message?: string } }> }>;
}

const dir = mkdtempSync(join(tmpdir(), 'oqs-round-trip-'));
const names = goldenNames();
const env: NodeJS.ProcessEnv = { ...process.env, OQS_ROUND_TRIP_DIR: dir };
delete env.NODE_V8_COVERAGE;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'trace', ...args], { cwd: REPO, env, encoding: 'utf8' });

let ran: { status: number | null; output: string } | null = null;
let report: CucumberFeature[] = [];

/** Where the hardware profile's per-scenario traces are (scripts/test-all.cjs: after serial-selftest). */
const HARDWARE_TRACES = process.env.OQS_HARDWARE_TRACES ?? join(REPO, 'reports', 'traces', 'hardware');
const HARDWARE_SESSIONS = 6;
mkdirSync(join(dir, 'features'));

/** Recorded session → scenario file in the run's folder; the CLI's stderr says what it could not reproduce. */
function toScenario(name: string, source: string): { file: string; status: number | null; complete: boolean; stderr: string } {
  const file = join(dir, 'features', `${name}.feature`);
  const r = cli('to-scenario', source, '-o', file);
  const complete = r.status === 0 && !/再現していない/.test(existsSync(file) ? readFileSync(file, 'utf8') : '');
  return { file, status: r.status, complete, stderr: r.stderr };
}

/** A spread of the hardware sessions (every k-th, sorted) whose scenario reproduces all of it. */
const hardware: Array<{ name: string; source: string }> = [];
if (existsSync(HARDWARE_TRACES)) {
  const all = readdirSync(HARDWARE_TRACES)
    .filter((f) => f.endsWith('.ndjson'))
    .sort();
  const step = Math.max(1, Math.floor(all.length / (HARDWARE_SESSIONS * 2)));
  for (let i = 0; i < all.length && hardware.length < HARDWARE_SESSIONS; i += step) {
    const name = `hardware-${hardware.length + 1}`;
    const source = join(HARDWARE_TRACES, all[i]!);
    if (toScenario(name, source).complete) hardware.push({ name, source });
    else rmSync(join(dir, 'features', `${name}.feature`), { force: true });
  }
}
const sources = [...names.map((name) => ({ name, source: goldenFile(name) })), ...hardware];

test.before(() => {
  const features: string[] = [];
  for (const name of names) {
    const r = toScenario(name, goldenFile(name));
    assert.equal(r.status, 0, `trace to-scenario ${name}: ${r.stderr}`);
    features.push(r.file);
  }
  for (const h of hardware) features.push(join(dir, 'features', `${h.name}.feature`));
  // All generated features in one cucumber run (a feature named on the command line runs alone).
  const config = relative(REPO, join(REPO, 'scripts', 'trace-round-trip.cucumber.cjs'));
  const r = spawnSync(process.execPath, [CUCUMBER, '--config', config, ...features], { cwd: REPO, env, encoding: 'utf8' });
  ran = { status: r.status, output: `${r.stdout}${r.stderr}` };
  try {
    report = JSON.parse(readFileSync(join(dir, 'cucumber.json'), 'utf8')) as CucumberFeature[];
  } catch {
    report = [];
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('there are golden traces to go round', () => {
  assert.ok(names.length >= 3, `golden traces: ${names.join(', ')}`);
});

test(`there are ${HARDWARE_SESSIONS} hardware-profile sessions to go round (${HARDWARE_TRACES})`, () => {
  assert.equal(hardware.length, HARDWARE_SESSIONS, `sessions: ${hardware.map((h) => h.source).join(', ')}`);
});

for (const { name, source } of sources) {
  const from = source.startsWith(HARDWARE_TRACES) ? ` (${source.slice(HARDWARE_TRACES.length + 1, -'.ndjson'.length)})` : '';
  test(`${name}${from}: to-scenario, the emulator passes it, and trace diff says same`, () => {
    const feature = report.find((f) => f.uri.endsWith(`${name}.feature`));
    assert.ok(feature, `no result for ${name}.feature; cucumber said:\n${ran?.output}`);
    const failed = feature.elements.flatMap((s) => s.steps).filter((s) => s.result.status !== 'passed');
    const scenario = readFileSync(join(dir, 'features', `${name}.feature`), 'utf8');
    assert.deepEqual(
      failed.map((s) => `${s.keyword}${s.name ?? ''}: ${s.result.status} ${s.result.error_message ?? ''}`),
      [],
      `the generated scenario failed on the emulator:\n${scenario}`,
    );
    const traces = readdirSync(join(dir, 'traces')).filter((f) => f.startsWith(`${name}--`));
    assert.equal(traces.length, 1, `one recorded trace for ${name}: ${traces.join(', ')}`);
    const diff = cli('diff', source, join(dir, 'traces', traces[0]!));
    assert.ok(diff.status === 0 || diff.status === 3, `trace diff (exit ${diff.status}):\n${diff.stdout}${diff.stderr}\n${scenario}`);
    assert.match(diff.stdout, /verdict: (same|differs in timing only) — 0 message\(s\) only in A, 0 only in B, 0 with different fields/);
  });
}
