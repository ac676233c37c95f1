#!/usr/bin/env node
// `npm run build` (and `prepare`, which `npm ci` runs): compiles what ships (tsconfig.build.json:
// src, simulator, steps; no tests, no test helpers named test-*.ts) into dist/ with source maps. `tsc -b` compares timestamps with
// dist/.tsbuildinfo and skips the whole compile when nothing changed, so test scripts can build
// before every run. Then: copies the non-TypeScript files the code loads beside itself (the pty
// bridge), removes compiled files whose source is gone (tsc never deletes), so cucumber's step glob
// over dist/steps cannot load a deleted step file, and links dist/public to public/ (a junction on
// Windows, which needs no privilege), so the compiled server finds the screen two levels up from
// src/server/ as the source one does, always the current files. Exit code: tsc's (type errors fail
// the build, but the JavaScript is still written).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const SOURCES = ['src', 'simulator', 'steps'];
const ASSET = /\.py$/;

function build() {
  const started = new Date();
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    // A production install (`npm ci --omit=dev`) of a copy that was built already: nothing to do.
    if (fs.existsSync(path.join(dist, 'src', 'cli.js'))) {
      process.stdout.write('build: TypeScript is not installed (no devDependencies); dist/ is used as it is\n');
      return 0;
    }
    process.stderr.write('build: OQS_ERR_NOT_BUILT: TypeScript is not installed and there is no dist/; run npm ci with the devDependencies\n');
    return 1;
  }
  const r = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  // tsc -b calls the build current when dist/.tsbuildinfo is newer than every source. A source saved
  // while tsc ran may have been read before the save: date the build info to when tsc started, so
  // such a file counts as newer and the next build (and bin's staleness warning) sees it.
  const info = path.join(dist, '.tsbuildinfo');
  if (fs.existsSync(info)) fs.utimesSync(info, started, started);

  const walk = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))) : []);
  for (const top of SOURCES) {
    for (const file of walk(path.join(root, top))) {
      if (!ASSET.test(file)) continue;
      const target = path.join(dist, path.relative(root, file));
      const s = fs.statSync(file);
      const t = fs.statSync(target, { throwIfNoEntry: false });
      if (t && t.mtimeMs >= s.mtimeMs && t.size === s.size) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
    for (const out of walk(path.join(dist, top))) {
      const m = /^(.*)\.js(\.map)?$/.exec(out);
      const source = m ? m[1] + '.ts' : ASSET.test(out) ? out : null;
      const excluded = /^test-/.test(path.basename(out)); // test helpers: tsconfig.build.json leaves them out
      if (source && (excluded || !fs.existsSync(path.join(root, path.relative(dist, source))))) fs.rmSync(out, { force: true });
    }
  }
  const link = path.join(dist, 'public');
  if (!fs.existsSync(link)) {
    fs.rmSync(link, { force: true }); // a dangling link
    try {
      fs.symlinkSync(path.join('..', 'public'), link, 'junction'); // relative; Windows makes a junction absolute
    } catch {
      fs.cpSync(path.join(root, 'public'), link, { recursive: true });
    }
  }
  return r.status ?? 1;
}

// One build at a time (tests and people start builds side by side): a lock directory, atomic to make.
const lock = path.join(root, '.build.lock');
const deadline = Date.now() + 300_000;
for (;;) {
  try {
    fs.mkdirSync(lock);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const since = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - since > 600_000)
      fs.rmSync(lock, { recursive: true, force: true }); // left by a killed build
    else if (Date.now() > deadline) throw new Error(`another build holds ${lock}; remove it if no build is running`, { cause: e });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
let status;
try {
  status = build();
} finally {
  fs.rmSync(lock, { recursive: true, force: true });
}
process.exit(status);
