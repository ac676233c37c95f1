/**
 * The command line's conventions (issue 14), from the outside: each test spawns the compiled
 * `bin/oqs-reader.js` as a user's shell would (test-unit.sh builds dist/ first). Waits are for a
 * line the process prints, with a deadline as a safety net only.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchedProcess } from './util/child-lines';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oqs-reader.js');
const TRACE = join(ROOT, 'features', 'golden', 'visual-check.ndjson');
const DEADLINE_MS = 30_000;
// What Node's colour decision reads (tty getColorDepth): CI=true alone turns colours off on a TTY.
const COLOUR_ENV = ['FORCE_COLOR', 'NO_COLOR', 'NODE_DISABLE_COLORS', 'TERM', 'CI', 'TMUX', 'COLORTERM'];

/** The environment without any colour setting, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env };
  for (const k of COLOUR_ENV) delete e[k];
  return { ...e, ...extra };
}

function run(args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: DEADLINE_MS, env: env(), cwd: ROOT, ...opts });
  // bin's note that a source is newer than dist/ (someone is editing) is not the command's output.
  const stderr = String(r.stderr)
    .split('\n')
    .filter((l) => !/^oqs-reader: warning: .* is newer than the build/.test(l))
    .join('\n');
  return { status: r.status, signal: r.signal, stdout: String(r.stdout), stderr };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--version prints the package version and exits 0', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = run(['--version']);
  expect(r).to.include({ status: 0, stdout: `${version}\n`, stderr: '' });
});

test('a usage error exits 2 with the message and the command usage on stderr, nothing on stdout', () => {
  const cases: Array<[string[], RegExp, string]> = [
    [['--bogus'], /^oqs-reader: Unknown option '--bogus'/, 'usage:\n  oqs-reader --version'],
    [['start', '--bogus'], /^oqs-reader: Unknown option '--bogus'/, 'options for start:'],
    [['start', '--port'], /^oqs-reader: Option '--port <value>' argument missing/, 'options for start:'],
    [['bogus'], /^oqs-reader: unknown command "bogus"/, 'options for start:'],
    [['start', '--result-dir', 'r', '--result-charset', 'latin1'], /^oqs-reader: --result-charset must be utf8 or sjis, got latin1/, 'options for start:'],
    [['start', '--result-dir', 'r', '--eligibility', 'real'], /^oqs-reader: --eligibility must be emulated or none, got real/, 'options for start:'],
    [
      ['start', '--result-dir', 'r', '--result-reader-failures', 'all'],
      /^oqs-reader: --result-reader-failures must be none or error-file/,
      'options for start:',
    ],
    [['start', '--eligibility', 'emulated'], /^oqs-reader: --eligibility needs --result-dir DIR/, 'options for start:'],
    [['start', '--result-charset', 'sjis'], /^oqs-reader: --result-charset needs --result-dir DIR/, 'options for start:'],
    [['trace'], /^oqs-reader trace: a trace FILE is required/, 'usage: oqs-reader trace FILE'],
    [['trace', '--bogus', TRACE], /^oqs-reader trace: Unknown option '--bogus'/, 'usage: oqs-reader trace FILE'],
    [['certify'], /^oqs-reader certify: --port and --declaration are required/, 'oqs-reader certify --verify DIR'],
    [['certify', '--bogus'], /^oqs-reader certify: Unknown option '--bogus'/, 'oqs-reader certify --verify DIR'],
    [['certify', 'extra'], /^oqs-reader certify: Unexpected argument 'extra'/, 'oqs-reader certify --verify DIR'],
    [['fault'], /^oqs-reader fault: --control ADDR is required/, 'oqs-reader fault --control ADDR'],
    [['fault', '--bogus'], /^oqs-reader fault: Unknown option '--bogus'/, 'oqs-reader fault --control ADDR'],
    [
      ['fault', '--control', 'unix:/nonexistent', 'dropFrame', 'extra'],
      /^oqs-reader fault: give exactly one FAULT; unexpected "extra"/,
      'oqs-reader fault --control ADDR',
    ],
    [['emulate', '--bogus'], /^oqs-reader emulate: Unknown option '--bogus'/, 'usage: oqs-reader emulate'],
  ];
  for (const [args, message, usage] of cases) {
    const r = run(args);
    const what = `oqs-reader ${args.join(' ')}: ${JSON.stringify(r)}`;
    expect(r.status, what).to.equal(2);
    expect(r.stdout, what).to.equal('');
    expect(r.stderr, what).to.match(message).and.include(usage);
  }
});

test('start refuses words it does not take instead of ignoring them', (t) => {
  const dir = tempDir(t);
  // Were the words ignored, this would start a server (on a free port) and run until the deadline.
  const r = run(['start', 'foo', 'bar', '--port', '0', '--no-reader', '--state-dir', dir]);
  expect(r.status, r.stderr).to.equal(2);
  expect(r.stdout).to.equal('');
  expect(r.stderr).to.match(/^oqs-reader: start takes options only; unexpected "foo" "bar"/);
});

test('--help loads nothing of the product (no fastify, no controller): it prints at once', (t) => {
  const dir = tempDir(t);
  const probe = join(dir, 'loaded.cjs');
  const list = join(dir, 'loaded.json');
  writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
  for (const args of [['--help'], ['start', '--help'], ['--version']]) {
    const r = spawnSync(process.execPath, ['--require', probe, BIN, ...args], { encoding: 'utf8', timeout: DEADLINE_MS, cwd: ROOT });
    expect(r.status, String(r.stderr)).to.equal(0);
    const loaded = (JSON.parse(readFileSync(list, 'utf8')) as string[]).map((f) => f.replace(/\\/g, '/'));
    expect(
      loaded.filter((f) => /\/node_modules\/|\/dist\/src\/(main|assembly|server\/)/.test(f)),
      args.join(' '),
    ).to.deep.equal([]);
  }
});

// Node < 22.13: util.styleText does not check the stream, so a pipe would be coloured. Such Node is
// not supported (package.json engines; scripts/with-node.cjs runs the tests on 22 or 24).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const styleTextChecksStream = major > 22 || (major === 22 && minor >= 13);

test(
  'trace colours only a terminal, and honours NO_COLOR, TERM=dumb and FORCE_COLOR',
  { skip: styleTextChecksStream ? false : 'needs Node >= 22.13 (unsupported Node, see the comment above)' },
  () => {
    const ESC = '\x1b[';
    // The pty: python3's pty.spawn gives the command a terminal and copies what it writes to us.
    const onTty = (extra: Record<string, string>, ...flags: string[]) =>
      spawnSync('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, BIN, 'trace', ...flags, TRACE], {
        encoding: 'utf8',
        timeout: DEADLINE_MS,
        cwd: ROOT,
        env: env({ TERM: 'xterm-256color', ...extra }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const piped = run(['trace', TRACE]);
    expect(piped.status).to.equal(0);
    expect(piped.stdout).to.include('H→R').and.not.include(ESC);
    expect(run(['trace', TRACE], { env: env({ FORCE_COLOR: '1' }) }).stdout).to.include(ESC);
    const tty = onTty({});
    expect(tty.status, tty.stderr).to.equal(0);
    expect(tty.stdout).to.include('H→R').and.include(ESC);
    expect(onTty({ TERM: 'dumb' }).stdout)
      .to.include('H→R')
      .and.not.include(ESC);
    expect(onTty({ NO_COLOR: '1' }).stdout)
      .to.include('H→R')
      .and.not.include(ESC);
    expect(onTty({ FORCE_COLOR: '0' }).stdout)
      .to.include('H→R')
      .and.not.include(ESC);
    expect(onTty({}, '--no-color').stdout).to.include('H→R').and.not.include(ESC);
  },
);

test('SIGHUP stops start and emulate cleanly (exit 0), as SIGTERM does', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string[], RegExp]> = [
    [['start', '--port', '0', '--no-reader', '--state-dir', join(dir, 'state')], /^oqs-reader listening on /],
    [['emulate', '--readers', '1', '--link-dir', join(dir, 'links'), '--control', `unix:${join(dir, 'c.sock')}`], /^OQS-EMULATOR-READY /],
  ];
  for (const [args, ready] of cases) {
    const p = WatchedProcess.node([BIN, ...args], { cwd: ROOT, env: env() });
    t.after(() => void p.kill('SIGKILL'));
    await p.line(ready, DEADLINE_MS);
    expect(await p.kill('SIGHUP'), `${args[0]}: ${p.tail.join('\n')}`).to.deep.equal({ code: 0, signal: null });
  }
});
