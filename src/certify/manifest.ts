import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * manifest.json of a certification bundle: the SHA-256 of every other file in it, so anyone can
 * check that nothing was changed, added or removed after the run.
 */
export const MANIFEST = 'manifest.json';
/** Written after the manifest (it signs it), so not listed in it: signature.ts. */
const NOT_LISTED = new Set([MANIFEST, 'manifest.sig.json']);

export interface Manifest {
  manifest: 1;
  algorithm: 'sha256';
  files: Record<string, string>;
}

function walk(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, root));
    else out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export function writeManifest(dir: string): Manifest {
  const files: Record<string, string> = {};
  for (const f of walk(dir)) if (!NOT_LISTED.has(f)) files[f] = sha256(join(dir, f));
  const m: Manifest = { manifest: 1, algorithm: 'sha256', files };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
  return m;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problems: string[];
}

export function verifyManifest(dir: string): VerifyResult {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    return { ok: false, checked: 0, problems: [`${MANIFEST}: cannot read (${(e as Error).message})`] };
  }
  if (m.manifest !== 1 || m.algorithm !== 'sha256' || typeof m.files !== 'object') {
    return { ok: false, checked: 0, problems: [`${MANIFEST}: not a version-1 sha256 manifest`] };
  }
  const problems: string[] = [];
  const present = new Set(walk(dir).filter((f) => !NOT_LISTED.has(f)));
  let checked = 0;
  for (const [file, want] of Object.entries(m.files)) {
    if (!present.has(file)) {
      problems.push(`${file}: missing`);
      continue;
    }
    present.delete(file);
    checked++;
    const got = sha256(join(dir, file));
    if (got !== want) problems.push(`${file}: changed (sha256 ${got.slice(0, 16)}… ≠ ${want.slice(0, 16)}…)`);
  }
  for (const extra of present) problems.push(`${extra}: not in the manifest`);
  return { ok: problems.length === 0, checked, problems };
}
