import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');

/**
 * The shipped product of `root`: its `npm run build` (scripts/build.cjs, a no-op when dist/ is
 * current; never under coverage, which would record the compiler), then bin/oqs-reader.js, which
 * runs dist/ — what a clinic runs. Returns the bin path; throws when the build wrote no dist/.
 */
export function shippedBuild(root: string = REPO): string {
  const env = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.cjs')], { cwd: root, env, encoding: 'utf8' });
  if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) throw new Error(`the build wrote no dist/src/cli.js:\n${r.stdout}${r.stderr}`);
  return join(root, 'bin', 'oqs-reader.js');
}
