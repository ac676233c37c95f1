import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// bin/oqs-reader.js runs the compiled product (dist/), says how to build when there is none, and
// in a git checkout warns when a source is newer than the build. Exercised on a copy of bin in a
// made-up package, so the repository's own dist/ is never touched.

function fakePackage(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'oqs-bin-test-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(__dirname, '..', 'bin', 'oqs-reader.js'), join(root, 'bin', 'oqs-reader.js'));
  for (const d of ['src', 'simulator', 'steps']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'src', 'cli.ts'), '');
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [join(root, 'bin', 'oqs-reader.js'), '--help'], { encoding: 'utf8' });

function build(root: string, at: Date): void {
  mkdirSync(join(root, 'dist', 'src'), { recursive: true });
  writeFileSync(join(root, 'dist', 'src', 'cli.js'), "process.stdout.write('compiled ' + process.argv.slice(2).join(' ') + '\\n');\n");
  writeFileSync(join(root, 'dist', '.tsbuildinfo'), '{}');
  utimesSync(join(root, 'dist', '.tsbuildinfo'), at, at);
}

test('without dist/ it stops with OQS_ERR_NOT_BUILT and says how to build', (t) => {
  const r = run(fakePackage(t));
  assert.equal(r.status, 3);
  assert.match(r.stderr, /OQS_ERR_NOT_BUILT/);
  assert.match(r.stderr, /npm run build/);
  assert.equal(r.stdout, '');
});

test('with dist/ it runs the compiled cli with the arguments it was given, silently when the build is current', (t) => {
  const root = fakePackage(t);
  mkdirSync(join(root, '.git'));
  utimesSync(join(root, 'src', 'cli.ts'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  build(root, new Date());
  const r = run(root);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'compiled --help\n');
  assert.equal(r.stderr, '');
});

test('in a git checkout a source newer than the build is named in a warning, and the build still runs', (t) => {
  const root = fakePackage(t);
  mkdirSync(join(root, '.git'));
  build(root, new Date(Date.now() - 60_000));
  const r = run(root);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'compiled --help\n');
  assert.match(r.stderr, /warning: src[\\/]cli\.ts is newer than the build in dist\/.*npm run build/);
});

test('outside a git checkout (an installed package) sources are not compared', (t) => {
  const root = fakePackage(t);
  build(root, new Date(Date.now() - 60_000));
  const r = run(root);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'compiled --help\n');
});
