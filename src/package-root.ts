import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory of oqs-reader's package.json: the nearest one above `from`. Code runs both from
 * its sources (src/x/y.ts, under ts-node in the tests) and compiled (dist/src/x/y.js, what ships),
 * one level deeper, so a fixed number of `..` would be wrong in one of the two.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
