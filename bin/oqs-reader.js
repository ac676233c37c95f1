#!/usr/bin/env node
// The `oqs-reader` command runs the compiled product in dist/ (`npm run build`; `npm ci` builds it
// through the `prepare` script), never the TypeScript sources: what ships is what is tested.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'cli.js');

if (!fs.existsSync(entry)) {
  process.stderr.write(
    'oqs-reader: OQS_ERR_NOT_BUILT: the compiled product (dist/src/cli.js) is missing.\n' +
      `Build it first:  cd ${root} && npm run build   (npm ci does this too)\n`,
  );
  process.exit(3);
}

// In a git checkout, sources edited after the last build would not be what runs: say so. A warning,
// not a refusal or a build of our own: tests start this command many times at once, and a long
// run must not fail because someone saved a file meanwhile. (An installed package has no .git.)
if (fs.existsSync(path.join(root, '.git'))) {
  const built = statTime(path.join(root, 'dist', '.tsbuildinfo'));
  let newest = null;
  for (const top of ['src', 'simulator', 'steps']) {
    for (const f of fs.readdirSync(path.join(root, top), { recursive: true })) {
      const name = String(f);
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const file = path.join(root, top, name);
      const t = statTime(file);
      if (t > built && (!newest || t > newest.t)) newest = { file, t };
    }
  }
  if (newest) {
    process.stderr.write(
      `oqs-reader: warning: ${path.relative(root, newest.file)} is newer than the build in dist/; ` + `this runs the last build. Rebuild: npm run build\n`,
    );
  }
}

// Node 22.1+ keeps V8's compiled code between runs (in the OS temp dir): most of a start is
// compiling modules. Node 20 has no such cache; there the call is skipped.
require('node:module').enableCompileCache?.();
require(entry);

function statTime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
