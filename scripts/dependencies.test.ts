import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

// What ships (src, simulator, steps: the code of start, emulate, fault, trace and certify) may load
// only runtime `dependencies`, and those are exactly what it loads: test and build tools
// (typescript, ts-node, chai, @types, …) are devDependencies, so `npm ci --omit=dev` on a built
// copy runs every shipped command.

const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Test code: *.test.ts, and the helpers tests share, named test-*.ts (not built into dist/, tsconfig.build.json). */
export const isTestFile = (f: string): boolean => /(^|[\\/])test-[^\\/]*\.ts$|\.test\.ts$/.test(f);

/** Packages the shipped code loads at run time (type-only imports are erased by tsc and do not count). */
function runtimeImports(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const top of ['src', 'simulator', 'steps']) {
    for (const f of readdirSync(join(ROOT, top), { recursive: true }).map(String)) {
      if (!f.endsWith('.ts') || isTestFile(f)) continue;
      const text = readFileSync(join(ROOT, top, f), 'utf8');
      const specs = [
        ...[...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!),
        ...[...text.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/\b(?:require|import)\('([^']+)'\)/g)].map((m) => m[1]!),
      ];
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        found.set(name, [...(found.get(name) ?? []), `${top}/${f}`]);
      }
    }
  }
  return found;
}

test('everything the shipped code loads is a runtime dependency', () => {
  const missing = [...runtimeImports()].filter(([name]) => !(name in pkg.dependencies)).map(([name, files]) => `${name} (${files.join(', ')})`);
  assert.deepEqual(missing, [], 'move these to dependencies, or load them only from tests');
});

test('every runtime dependency is loaded by the shipped code', () => {
  const used = runtimeImports();
  assert.deepEqual(
    Object.keys(pkg.dependencies).filter((d) => !used.has(d)),
    [],
    'unused at run time: make them devDependencies',
  );
});

test('the build and test tools are devDependencies', () => {
  for (const d of ['typescript', 'ts-node', 'chai', '@types/node', '@types/chai', 'c8']) {
    assert.ok(!(d in pkg.dependencies), `${d} is a runtime dependency`);
  }
});
