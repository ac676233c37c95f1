/**
 * The round trip of docs/traces.md "A recorded session as a scenario", on every golden trace:
 * `oqs-reader trace to-scenario` (the shipped CLI) writes a scenario; one cucumber run on the
 * emulator profile runs them all; each must pass, and `oqs-reader trace diff` of the golden trace
 * and the scenario's own recorded trace must say the same (timing aside: exit 0 or 3).
 *
 *   node --test -r ts-node/register scripts/trace-round-trip.ts     (npm test: step trace-round-trip)
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

test.before(() => {
  mkdirSync(join(dir, 'features'));
  const features: string[] = [];
  for (const name of names) {
    const file = join(dir, 'features', `${name}.feature`);
    const r = cli('to-scenario', goldenFile(name), '-o', file);
    assert.equal(r.status, 0, `trace to-scenario ${name}: ${r.stderr}`);
    features.push(file);
  }
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

for (const name of names) {
  test(`${name}: to-scenario, the emulator passes it, and trace diff says same`, () => {
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
    const diff = cli('diff', goldenFile(name), join(dir, 'traces', traces[0]!));
    assert.ok(diff.status === 0 || diff.status === 3, `trace diff (exit ${diff.status}):\n${diff.stdout}${diff.stderr}\n${scenario}`);
    assert.match(diff.stdout, /verdict: (same|differs in timing only) — 0 message\(s\) only in A, 0 only in B, 0 with different fields/);
  });
}
