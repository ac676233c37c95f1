import { test } from 'node:test';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyManifest, writeManifest } from './manifest';

function bundle(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'traces'));
  writeFileSync(join(dir, 'report.html'), '<html>ok</html>');
  writeFileSync(join(dir, 'traces', 'a.ndjson'), '{"trace":1}\n');
  writeManifest(dir);
  return dir;
}

test('an untouched bundle verifies', (t) => {
  const r = verifyManifest(bundle(t));
  expect(r).to.deep.equal({ ok: true, checked: 2, problems: [] });
});

test('one changed byte in any file fails verification and names the file', (t) => {
  const dir = bundle(t);
  const p = join(dir, 'traces', 'a.ndjson');
  const buf = readFileSync(p);
  buf[3] = buf[3]! ^ 0x01;
  writeFileSync(p, buf);
  const r = verifyManifest(dir);
  expect(r.ok).to.equal(false);
  expect(r.problems).to.have.length(1);
  expect(r.problems[0]).to.match(/^traces\/a\.ndjson: changed/);
});

test('a removed or an added file fails verification', (t) => {
  const dir = bundle(t);
  rmSync(join(dir, 'report.html'));
  writeFileSync(join(dir, 'extra.txt'), 'x');
  const r = verifyManifest(dir);
  expect(r.ok).to.equal(false);
  expect(r.problems).to.include('report.html: missing');
  expect(r.problems).to.include('extra.txt: not in the manifest');
});

test('a missing or foreign manifest fails verification', (t) => {
  const dir = bundle(t);
  writeFileSync(join(dir, 'manifest.json'), '{"manifest":2}');
  expect(verifyManifest(dir).ok).to.equal(false);
  rmSync(join(dir, 'manifest.json'));
  expect(verifyManifest(dir).ok).to.equal(false);
});
