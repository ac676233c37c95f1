import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { stepModules } from './certify-main';

// certify is shipped: compiled, it loads the compiled step definitions and no ts-node.

test('compiled, certify requires dist/steps/**/*.js and no module hook', () => {
  const root = packageRoot(__dirname);
  assert.deepEqual(stepModules(join(root, 'dist', 'src', 'certify', 'certify-main.js')), { requireModule: [], require: ['dist/steps/**/*.js'] });
});

test('from source (tests, ts-node), certify requires the step sources, and no second ts-node hook', () => {
  assert.deepEqual(stepModules(__filename.replace(/step-modules\.test\.ts$/, 'certify-main.ts')), { requireModule: [], require: ['steps/**/!(*.test).ts'] });
});

test('the package root is found from the sources and from one level deeper (dist/)', () => {
  const root = packageRoot(__dirname);
  assert.equal(packageRoot(join(root, 'dist', 'src', 'certify')), root);
  assert.equal(packageRoot(join(root, 'src', 'certify')), root);
});
