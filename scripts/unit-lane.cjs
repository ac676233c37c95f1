'use strict';
// One lane of the unit tests (scripts/test-unit.cjs): every test file given on the command line is
// loaded into THIS process (ts-node's require hook, started with -r), so TypeScript and the modules
// under test are compiled once per lane instead of once per file. Tests then run one after another,
// as `node --test` runs the tests of one file. A file that throws while loading is a failing test
// of its own, never a silent gap.
const path = require('node:path');
const { test } = require('node:test');

for (const file of process.argv.slice(2)) {
  try {
    require(path.resolve(file));
  } catch (e) {
    test(`${file} loads`, () => {
      throw e;
    });
  }
}
