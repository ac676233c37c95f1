#!/usr/bin/env node
// `npm run build` (and `prepare`, which `npm ci` runs): compiles what ships (tsconfig.build.json:
// src, simulator, steps; no tests) into dist/ with source maps. `tsc -b` compares timestamps with
// dist/.tsbuildinfo and skips the whole compile when nothing changed, so test scripts can build
// before every run. Then: copies the non-TypeScript files the code loads beside itself (the pty
// bridge), and removes compiled files whose source is gone (tsc never deletes), so cucumber's
// step glob over dist/steps cannot load a deleted step file. Exit code: tsc's (type errors fail
// the build, but the JavaScript is still written). dist/public is a link to public/ (a junction on
// Windows, which needs no privilege): the compiled server finds the screen where the source one does
// (two levels up from src/server/), and always the current files.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const SOURCES = ['src', 'simulator', 'steps'];
const ASSET = /\.py$/;

const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const r = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.error) throw r.error;

const walk = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))) : []);
for (const top of SOURCES) {
  for (const file of walk(path.join(root, top))) {
    if (!ASSET.test(file)) continue;
    const target = path.join(dist, path.relative(root, file));
    const s = fs.statSync(file);
    const t = fs.existsSync(target) ? fs.statSync(target) : null;
    if (t && t.mtimeMs >= s.mtimeMs && t.size === s.size) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
  for (const out of walk(path.join(dist, top))) {
    const m = /^(.*)\.js(\.map)?$/.exec(out);
    const source = m ? m[1] + '.ts' : ASSET.test(out) ? out : null;
    if (source && !fs.existsSync(path.join(root, path.relative(dist, source)))) fs.rmSync(out, { force: true });
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
process.exit(r.status ?? 1);
