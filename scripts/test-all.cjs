#!/usr/bin/env node
'use strict';
// Everything `npm test` runs (scripts/test-all.sh calls this). Every step runs even after one fails;
// the exit code is non-zero if any failed; the last line is the totals over all runners.
//
// Steps run side by side, as many at once as OQS_TEST_JOBS (default: cores + 1, since most steps
// wait on pipes, ptys and child processes part of the time), each as soon as the steps it reads
// from have ended, the longest first. Each step's output goes to reports/logs/NAME.log; the console
// gets one line per step with its wall and CPU time, the end of a passing step's log and the whole
// log of a failing one. reports/timing.md keeps the split (docs/performance.md explains it).
// Coverage: steps marked `covered` run with NODE_V8_COVERAGE pointed at c8's temp directory
// (.c8rc.json), which is what `c8 CMD` does; the coverage step then reports and checks thresholds.
// Instrumented code runs 1.5 to 4 times slower (measured), so only the steps that reach code no other
// step does are covered: the unit tests, the in-process emulator profile, the pty profile (the
// emulator and the CLI in their own processes) and the serial self-test (certify, hardware target).
// The paced, product and browser runs execute the same code again and are not instrumented.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const reports = path.join(root, 'reports');
const logs = path.join(reports, 'logs');
const c8rc = JSON.parse(fs.readFileSync(path.join(root, '.c8rc.json'), 'utf8'));
const coverageDir = path.join(root, c8rc['temp-directory']);

const nodeTest = (name, file, ...args) => ['sh', 'scripts/lib/node-test.sh', name, file, ...args];
const check = (name, title, ...cmd) => nodeTest(name, 'scripts/lib/command-case.ts', title, '--', ...cmd);
const cucumber = (profile) => ['npx', '--no-install', 'cucumber-js', '-p', profile];
// New every run, as the kill test's own default; each run prints its seed to repeat it.
const KILL_SEED = Date.now() % 1_000_000;
const PROFILES = ['emulator', 'emulator-paced', 'pty', 'product', 'hardware', 'ser2net', 'ser2net-tcp', 'tap', 'listen'];

/**
 * name, title, cmd, after (steps whose output it reads), covered (counts towards coverage), junit
 * (what the tally counts), weight (expected seconds: the longest ready step starts first).
 */
const STEPS = [
  {
    name: 'build',
    title: 'build: dist/ (what ships; bin/oqs-reader.js runs it, so every test that spawns it tests this build)',
    cmd: check('build', 'npm run build', 'node', 'scripts/build.cjs'),
    junit: ['build'],
    weight: 1,
  },
  {
    name: 'typecheck',
    title: "typecheck: the server's TypeScript, then the page's JavaScript as browser code",
    cmd: check('typecheck', 'tsc --noEmit', 'sh', '-c', 'npx --no-install tsc --noEmit -p . && npx --no-install tsc -p tsconfig.browser.json'),
    junit: ['typecheck'],
    weight: 26,
  },
  {
    name: 'lint',
    title: 'lint: ESLint over the tree, the rooms included, no warnings (npm run lint; eslint.config.mjs)',
    cmd: check('lint', 'eslint --max-warnings 0', 'npm', 'run', '--silent', 'lint'),
    junit: ['lint'],
    weight: 9,
  },
  {
    name: 'format',
    title: 'format: prettier --check (npm run format:check; npm run format rewrites)',
    cmd: check('format', 'prettier --check', 'npm', 'run', '--silent', 'format:check'),
    junit: ['format'],
    weight: 9,
  },
  { name: 'unit', title: 'unit tests', cmd: ['sh', 'scripts/test-unit.sh', '--set', 'covered'], after: ['build'], covered: true, junit: ['unit'], weight: 50 },
  {
    name: 'unit-fuzz',
    title: 'unit tests: fuzz and memory (millions of inputs; not instrumented for coverage)',
    cmd: ['sh', 'scripts/test-unit.sh', '--set', 'fuzz'],
    after: ['build'],
    junit: ['unit-fuzz'],
    weight: 29,
  },
  {
    name: 'emulator',
    title: 'conformance suite: emulator (in-process, virtual clock)',
    cmd: cucumber('emulator'),
    covered: true,
    junit: ['cucumber-emulator'],
    weight: 13,
  },
  {
    name: 'emulator-paced',
    title: 'conformance suite: emulator behind 9600 baud, a 16 ms latency timer, 1-7 byte reads',
    cmd: cucumber('emulator-paced'),
    junit: ['cucumber-emulator-paced'],
    weight: 8,
  },
  {
    name: 'pty',
    title: 'conformance suite: pty (oqs-reader emulate in its own process, native serial binding)',
    cmd: cucumber('pty'),
    after: ['build'],
    covered: true,
    junit: ['cucumber-pty'],
    weight: 22,
  },
  {
    name: 'product',
    title: 'conformance suite: product (each scenario drives a real oqs-reader start over HTTP; readers on the pty emulator)',
    cmd: cucumber('product'),
    after: ['build'],
    junit: ['cucumber-product'],
    weight: 90,
  },
  {
    name: 'serial-selftest',
    title: 'hardware profile and certification against the pty emulator',
    cmd: nodeTest('serial-selftest', 'scripts/serial-selftest.ts'),
    after: ['build'],
    covered: true,
    junit: ['serial-selftest', 'cucumber-hardware'],
    weight: 33,
  },
  // The pty profile again with oqs-reader tap (docs/tap.md) between the controller and each reader.
  {
    name: 'tap',
    title: 'conformance suite: pty emulator through oqs-reader tap (its own process per reader; line faults injected by the taps)',
    cmd: cucumber('tap'),
    after: ['build'],
    junit: ['cucumber-tap'],
    weight: 30,
  },
  {
    name: 'listen',
    title: 'conformance suite: oqs-reader emulate --no-pty --listen rfc2217:// (the emulated readers as RFC 2217 serial servers)',
    cmd: cucumber('listen'),
    after: ['build'],
    junit: ['cucumber-listen'],
    weight: 16,
  },
  // The pty profile again behind Debian's ser2net, which the run starts (and installs when missing).
  {
    name: 'ser2net',
    title: 'conformance suite: pty emulator behind ser2net, the controller connecting by rfc2217:// (Telnet COM Port Control)',
    cmd: ['sh', '-c', 'sh scripts/ensure-debian.sh ser2net && exec "$@"', 'sh', ...cucumber('ser2net')],
    after: ['build'],
    junit: ['cucumber-ser2net'],
    weight: 37,
  },
  {
    name: 'ser2net-tcp',
    title: 'conformance suite: pty emulator behind ser2net, the controller connecting by tcp:// (raw bytes)',
    cmd: ['sh', '-c', 'sh scripts/ensure-debian.sh ser2net && exec "$@"', 'sh', ...cucumber('ser2net-tcp')],
    after: ['build'],
    junit: ['cucumber-ser2net-tcp'],
    weight: 26,
  },
  {
    name: 'net-interop',
    title: 'interop: pyserial (python3-serial) against emulate --listen rfc2217:// and tcp://, and through ser2net (Debian packages, installed when missing)',
    cmd: nodeTest('net-interop', 'scripts/net-interop.ts'),
    after: ['build'],
    junit: ['net-interop'],
    weight: 9,
  },
  // docs/lab.md on loopback: two ser2net "hosts", two cucumber --shard runs, one merged traceability.
  {
    name: 'lab',
    title: 'lab: two readers behind two ser2net, the suite in two shards at once, their reports merged',
    cmd: ['sh', '-c', 'sh scripts/ensure-debian.sh ser2net && exec "$@"', 'sh', ...nodeTest('lab', 'scripts/lab-shards.ts')],
    after: ['build', 'emulator'],
    junit: ['lab', 'cucumber-lab-1', 'cucumber-lab-2'],
    weight: 40,
  },
  {
    name: 'e2e',
    title: 'browser tests: the operation screen in headless Chromium',
    cmd: ['sh', 'scripts/test-e2e.sh'],
    after: ['build'],
    junit: ['e2e'],
    weight: 58,
  },
  // 200 kills as two independent runs of 100 (each its own emulator, controller, journal and seed,
  // every check on each): one controller can only be killed one after another, and 200 in a row
  // were the longest chain of the whole run (168 s of mostly waiting for restarts).
  {
    name: 'kill-test',
    title: 'durability: SIGKILL the controller 100 times during a stream of confirmations (1 of 2)',
    cmd: nodeTest('kill-test', 'scripts/kill-test.ts', '--kills', '100', '--seed', String(KILL_SEED)),
    after: ['build'],
    junit: ['kill-test'],
    weight: 85,
  },
  {
    name: 'kill-test-2',
    title: 'durability: SIGKILL the controller 100 times during a stream of confirmations (2 of 2)',
    cmd: nodeTest('kill-test-2', 'scripts/kill-test.ts', '--kills', '100', '--seed', String((KILL_SEED + 1) % 1_000_000)),
    after: ['build'],
    junit: ['kill-test-2'],
    weight: 85,
  },
  {
    name: 'trace-round-trip',
    title: 'traces: each golden trace and 6 hardware-profile sessions → trace to-scenario → passes on the emulator → trace diff says same (docs/traces.md)',
    cmd: nodeTest('trace-round-trip', 'scripts/trace-round-trip.ts'),
    after: ['build', 'serial-selftest'],
    junit: ['trace-round-trip'],
    weight: 8,
  },
  {
    name: 'mutants',
    title: 'mutants (each breaks one rule; the suite must then fail)',
    cmd: nodeTest('mutants', 'scripts/mutants.ts'),
    after: ['build'],
    junit: ['mutants'],
    weight: 20,
  },
  {
    name: 'protocol-rules',
    title: 'protocol rules: every numbered rule of docs/protocol.md has a conformance test (reports/protocol-rules.md)',
    cmd: check('protocol-rules', 'protocol rule matrix', 'node', 'scripts/protocol-rules.cjs', 'reports/protocol-rules.md'),
    junit: ['protocol-rules'],
    weight: 1,
  },
  {
    name: 'verdicts',
    title: 'same verdicts on every profile',
    cmd: nodeTest('verdicts', 'scripts/compare-verdicts.ts', ...PROFILES.map((p) => `reports/cucumber-${p}.json`)),
    after: ['emulator', 'emulator-paced', 'pty', 'product', 'serial-selftest', 'ser2net', 'ser2net-tcp', 'tap', 'listen'],
    junit: ['verdicts'],
    weight: 2,
  },
  {
    name: 'traceability',
    title: 'traceability: every requirement has a scenario (reports/traceability.md)',
    cmd: ['node', 'scripts/traceability.cjs', 'reports/cucumber-emulator.json', 'reports/traceability.md'],
    after: ['emulator'],
    weight: 1,
  },
  {
    name: 'protocol-coverage',
    title: 'protocol coverage of every profile',
    cmd: ['node', '-r', 'ts-node/register', 'scripts/protocol-coverage.ts', ...PROFILES],
    after: ['emulator', 'emulator-paced', 'pty', 'product', 'serial-selftest', 'ser2net', 'ser2net-tcp', 'tap', 'listen'],
    weight: 3,
  },
  {
    name: 'coverage',
    title: 'coverage report and thresholds (.c8rc.json)',
    cmd: check('coverage-check', 'c8 thresholds', 'sh', '-c', 'npx --no-install c8 report && npx --no-install c8 check-coverage'),
    after: ['unit', 'emulator', 'pty', 'serial-selftest'],
    junit: ['coverage-check'],
    weight: 10,
  },
];
// Reads everything the others wrote, so it comes last.
STEPS.push({
  name: 'privacy',
  title: 'privacy: no 個人番号, PIN or image bytes in anything the runs wrote',
  cmd: check('privacy', 'privacy scan of reports/ and state', 'node', '-r', 'ts-node/register', 'scripts/privacy-scan.ts', 'reports', '.oqs-reader'),
  after: STEPS.map((s) => s.name),
  junit: ['privacy'],
  weight: 3,
});

const seconds = (ms) => (ms / 1000).toFixed(1);

/** A step's own weight plus the longest chain of steps waiting for it: what to start first. */
function ranks(steps) {
  const memo = new Map();
  const rank = (s) => {
    if (!memo.has(s.name)) memo.set(s.name, s.weight + Math.max(0, ...steps.filter((d) => (d.after ?? []).includes(s.name)).map(rank)));
    return memo.get(s.name);
  };
  return new Map(steps.map((s) => [s.name, rank(s)]));
}

/** Runs one step; resolves with its outcome. CPU time is the shell's `times` for its whole tree. */
function run(step) {
  const log = path.join(logs, `${step.name}.log`);
  const times = path.join(logs, `${step.name}.times`);
  const out = fs.openSync(log, 'w');
  const env = { ...process.env };
  if (step.covered) env.NODE_V8_COVERAGE = coverageDir;
  else delete env.NODE_V8_COVERAGE;
  // `times` prints the shell's own and its waited-for descendants' user and system time.
  const script = '"$@"; rc=$?; times > "$OQS_TIMES_FILE"; exit $rc';
  const started = Date.now();
  const child = spawn('sh', ['-c', script, 'sh', ...step.cmd], { cwd: root, env: { ...env, OQS_TIMES_FILE: times }, stdio: ['ignore', out, out] });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      fs.closeSync(out);
      const wall = Date.now() - started;
      let cpu = NaN;
      try {
        const lines = fs.readFileSync(times, 'utf8').trim().split('\n');
        const t = (lines[1] ?? '').match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
        if (t) cpu = (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000;
        fs.rmSync(times, { force: true });
      } catch {
        // no times: the shell died; the step failed anyway
      }
      resolve({ step, ok: code === 0, code: code ?? signal, wall, cpu, log, startedAt: started });
    });
  });
}

function report(r) {
  const text = fs.readFileSync(r.log, 'utf8');
  const lines = text.trimEnd().split('\n');
  const head = `== ${r.step.name}: ${r.ok ? 'ok' : `FAILED (exit ${r.code})`} in ${seconds(r.wall)} s (CPU ${seconds(r.cpu)} s) — ${r.step.title}`;
  const shown = r.ok ? lines.slice(-6) : lines;
  process.stdout.write(`${head}\n${shown.map((l) => `   ${l}`).join('\n')}\n${r.ok ? '' : `== end of ${r.step.name} (log: ${path.relative(root, r.log)})\n`}`);
}

async function main() {
  const only = process.argv.slice(2);
  fs.mkdirSync(reports, { recursive: true });
  for (const f of fs.readdirSync(reports)) if (f !== 'README.md') fs.rmSync(path.join(reports, f), { recursive: true, force: true, maxRetries: 3 });
  fs.mkdirSync(logs, { recursive: true });
  const jobs = Number(process.env.OQS_TEST_JOBS) || os.availableParallelism() + 1;
  const steps = only.length ? STEPS.filter((s) => only.includes(s.name)) : STEPS;
  const known = new Set(steps.map((s) => s.name));
  const pending = new Map(steps.map((s) => [s.name, s]));
  const rank = ranks(steps);
  const done = new Map();
  const running = new Set();
  const started = Date.now();
  process.stdout.write(`test-all: ${steps.length} steps, up to ${jobs} at once; logs in reports/logs/\n`);
  await new Promise((resolve) => {
    const next = () => {
      const ready = [...pending.values()]
        .filter((s) => (s.after ?? []).every((a) => !known.has(a) || done.has(a)))
        .sort((a, b) => rank.get(b.name) - rank.get(a.name));
      while (running.size < jobs && ready.length) {
        const s = ready.shift();
        pending.delete(s.name);
        const p = run(s).then((r) => {
          running.delete(p);
          done.set(s.name, r);
          report(r);
          next();
        });
        running.add(p);
      }
      if (running.size === 0 && pending.size === 0) resolve();
    };
    next();
  });
  const wall = Date.now() - started;
  const results = steps.map((s) => done.get(s.name));
  const cpu = results.reduce((a, r) => a + (Number.isNaN(r.cpu) ? 0 : r.cpu), 0);
  const table = [
    '| step | result | started at s | wall s | CPU s |',
    '|---|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.step.name} | ${r.ok ? 'ok' : 'FAILED'} | ${seconds(r.startedAt - started)} | ${seconds(r.wall)} | ${seconds(r.cpu)} |`),
    `| **all** (${jobs} at once, ${os.availableParallelism()} cores) | | | **${seconds(wall)}** | **${seconds(cpu)}** |`,
  ];
  fs.writeFileSync(path.join(reports, 'timing.md'), `# npm test: time per step\n\n${table.join('\n')}\n`);
  process.stdout.write(`\n${table.join('\n')}\n\n`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) process.stdout.write(`test-all: FAILED: ${failed.map((r) => r.step.name).join(', ')}\n`);
  const junit = steps.flatMap((s) => (s.junit ?? []).map((j) => path.join('reports', `${j}.xml`)));
  const tally = await run({ name: 'tally', title: 'totals', cmd: ['node', 'scripts/tally.cjs', ...junit] });
  process.stdout.write(fs.readFileSync(tally.log, 'utf8'));
  return failed.length || !tally.ok ? 1 : 0;
}

main().then((code) => process.exit(code));
