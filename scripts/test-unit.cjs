#!/usr/bin/env node
'use strict';
// The unit tests (*.test.ts beside the code) in a few long-lived processes ("lanes") instead of one
// process per file: each process pays once for TypeScript and the modules it loads (≈2 CPU-s under
// ts-node), which was half the unit tests' CPU time. Files are dealt to lanes by size, largest first.
// Every lane writes JUnit (reports/unit-N.xml), merged into reports/unit.xml for the tally; the exit
// code is non-zero if any lane failed. OQS_UNIT_LANES sets the lane count (default: 2, or 1 on a
// one-core machine). An empty file list is an error, never a silent pass.
//
// Fuzz and memory tests (*.fuzz.test.ts, *.memory.test.ts: millions of inputs through code the other
// tests cover already) get a lane of their own without coverage instrumentation, which made them
// three to four times slower (measured). `--set covered` or `--set fuzz` runs one kind only (npm
// test runs them as two steps, reports/unit.xml and reports/unit-fuzz.xml); the default runs both.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const reports = path.join(root, 'reports');

const FUZZ = /\.(fuzz|memory)\.test\.ts$/;

function testFiles() {
  const out = [];
  for (const top of ['src', 'simulator', 'scripts', 'steps']) {
    for (const f of fs.readdirSync(path.join(root, top), { recursive: true })) {
      const rel = path.join(top, String(f));
      if (rel.endsWith('.test.ts') && !rel.includes('node_modules')) out.push(rel);
    }
  }
  return out.sort();
}

/** Largest first onto the lightest lane: a rough balance without knowing last run's times. */
function deal(files, lanes) {
  const load = Array.from({ length: lanes }, () => ({ size: 0, files: [] }));
  const sized = files.map((f) => ({ f, size: fs.statSync(path.join(root, f)).size })).sort((a, b) => b.size - a.size || a.f.localeCompare(b.f));
  for (const { f, size } of sized) {
    const lane = load.reduce((a, b) => (b.size < a.size ? b : a));
    lane.size += size;
    lane.files.push(f);
  }
  return load.map((l) => l.files.sort()).filter((l) => l.length > 0);
}

function runLane(n, files, covered) {
  const xml = path.join(reports, `unit-lane-${n}.xml`);
  const env = { ...process.env };
  if (!covered) delete env.NODE_V8_COVERAGE;
  const args = [
    '-r',
    'ts-node/register',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=junit',
    `--test-reporter-destination=${xml}`,
    path.join(__dirname, 'unit-lane.cjs'),
    ...files,
  ];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (s) => {
      const lines = (rest + s).split('\n');
      rest = lines.pop();
      for (const line of lines) out.write(`[unit ${n}] ${line}\n`);
    });
    stream.on('end', () => rest && out.write(`[unit ${n}] ${rest}\n`));
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ n, xml, ok: code === 0, code, signal })));
}

/** One JUnit file from the lanes' files: the <testsuites> bodies side by side. */
function merge(results, target) {
  const bodies = results.map(({ n, xml, ok, code, signal }) => {
    const text = fs.existsSync(xml) ? fs.readFileSync(xml, 'utf8') : '';
    const m = /<testsuites[^>]*>([\s\S]*)<\/testsuites>/.exec(text);
    if (m) return m[1];
    // A lane that died before its reporter wrote: one failure, so the tally cannot miss it.
    return ok
      ? ''
      : `<testsuite name="unit lane ${n}" tests="1" failures="1"><testcase name="unit lane ${n} ran to the end"><failure message="exit ${code ?? signal}"/></testcase></testsuite>`;
  });
  fs.writeFileSync(target, `<?xml version="1.0" encoding="utf-8"?>\n<testsuites>${bodies.join('')}</testsuites>\n`);
  for (const { xml } of results) fs.rmSync(xml, { force: true });
}

async function main() {
  const set = process.argv.includes('--set') ? process.argv[process.argv.indexOf('--set') + 1] : 'all';
  if (!['all', 'covered', 'fuzz'].includes(set)) {
    process.stderr.write(`test-unit: --set must be all, covered or fuzz; got ${set}\n`);
    return 2;
  }
  const all = testFiles();
  const files = all.filter((f) => set === 'all' || (set === 'fuzz') === FUZZ.test(f));
  if (files.length === 0) {
    process.stderr.write(`test-unit: no unit test files found (set ${set})\n`);
    return 1;
  }
  fs.mkdirSync(reports, { recursive: true });
  const lanes = Number(process.env.OQS_UNIT_LANES) || Math.min(2, os.availableParallelism());
  const covered = files.filter((f) => !FUZZ.test(f));
  const fuzz = files.filter((f) => FUZZ.test(f));
  const plan = [...deal(covered, lanes).map((f) => ({ files: f, covered: true })), ...(fuzz.length ? [{ files: fuzz, covered: false }] : [])];
  const started = Date.now();
  const results = await Promise.all(plan.map((p, i) => runLane(i + 1, p.files, p.covered)));
  merge(results, path.join(reports, set === 'fuzz' ? 'unit-fuzz.xml' : 'unit.xml'));
  const bad = results.filter((r) => !r.ok);
  for (const r of bad) process.stderr.write(`test-unit: lane ${r.n} failed (exit ${r.code ?? r.signal})\n`);
  process.stdout.write(
    `test-unit: ${files.length} files (${fuzz.length} fuzz and memory, uncovered) in ${results.length} lanes, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return bad.length ? 1 : 0;
}

main().then((code) => process.exit(code));
