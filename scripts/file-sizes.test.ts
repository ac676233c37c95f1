// Files stay small enough to read in one sitting (DEVELOPERS.md, issue 11): no source file over
// 400 lines, tests and the browser's code included.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..');
const ROOMS = ['src', 'simulator', 'steps', 'scripts', 'bench', 'public', 'test', 'bin'];
const SOURCE = /\.(ts|js|cjs|mjs)$/;
const MAX_LINES = 400;

test(`no source file is over ${MAX_LINES} lines`, () => {
  const long: string[] = [];
  for (const room of ROOMS) {
    for (const f of readdirSync(join(ROOT, room), { recursive: true }).map(String)) {
      if (!SOURCE.test(f) || f.includes('node_modules')) continue;
      const lines = readFileSync(join(ROOT, room, f), 'utf8').split('\n').length - 1;
      if (lines > MAX_LINES) long.push(`${room}/${f}: ${lines} lines`);
    }
  }
  assert.deepEqual(long, [], 'split these along their seams');
});
