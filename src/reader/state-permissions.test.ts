import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountDirectory } from './accounts';
import { FileStore, syncDirectory } from './store';

// The state directory holds records of who was identified and the accounts' password hashes: only
// the terminal's own user may read it (0700, files 0600), however it was left by an earlier version
// or an administrator. On Windows modes mean nothing (ACLs decide), so nothing is changed there.

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-perm-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => '0' + m.toString(8);

const MODE_CHANGE = { from: 'unattended', to: 'visual', by: 'admin', at: '2026-11-24T00:30:00.000Z' } as const;
// The store keeps records as they are given; only the id matters here.
const RECORD = { id: 'EMU-0001:1', finishedAt: '2026-11-24T00:30:00.000Z' } as const;

test('a new state directory is 0700 and every file written in it 0600, whatever the umask', (t) => {
  const dir = join(tempDir(t), 'state');
  const old = process.umask(0o022);
  try {
    const store = new FileStore(dir);
    store.saveMode('visual', MODE_CHANGE);
    store.saveRecord(structuredClone(RECORD) as never);
    new AccountDirectory(join(dir, 'accounts.json')).add('admin', 'password-1', 'admin');
  } finally {
    process.umask(old);
  }
  assert.equal(octal(mode(dir)), '0700');
  for (const f of ['mode.json', 'records.db', 'records.db-wal', 'records.db-shm', 'accounts.json']) {
    assert.equal(octal(mode(join(dir, f))), '0600', f);
  }
});

test('a state directory left with looser modes is tightened at start: the directory and what is in it', (t) => {
  const dir = join(tempDir(t), 'state');
  mkdirSync(join(dir, 'archive'), { recursive: true });
  const files = ['records.db', 'mode.json', 'accounts.json', 'anything-else.txt'];
  for (const f of files) {
    writeFileSync(join(dir, f), f.endsWith('.json') ? '{"mode":"visual","accounts":[]}\n' : '');
    chmodSync(join(dir, f), 0o644);
  }
  chmodSync(join(dir, 'archive'), 0o755);
  chmodSync(dir, 0o755);
  new FileStore(dir).close();
  assert.equal(octal(mode(dir)), '0700');
  assert.equal(octal(mode(join(dir, 'archive'))), '0700');
  for (const f of files) assert.equal(octal(mode(join(dir, f))), '0600', f);
});

test('a shared directory (sticky bit, like /tmp) given as the state directory is not closed', (t) => {
  const dir = join(tempDir(t), 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  writeFileSync(join(dir, 'someone-elses.txt'), '');
  chmodSync(join(dir, 'someone-elses.txt'), 0o644);
  new FileStore(dir).saveRecord(structuredClone(RECORD) as never);
  assert.equal((statSync(dir).mode & 0o7777).toString(8), '1777');
  assert.equal(octal(mode(join(dir, 'someone-elses.txt'))), '0644');
  assert.equal(octal(mode(join(dir, 'records.db'))), '0600', 'what we write is still ours only');
});

test('an accounts file left readable by others is tightened when it is loaded', (t) => {
  const file = join(tempDir(t), 'accounts.json');
  writeFileSync(file, '{"accounts":[]}\n');
  chmodSync(file, 0o644);
  new AccountDirectory(file);
  assert.equal(octal(mode(file)), '0600');
});

test('on Windows no mode is changed (modes mean nothing there; the ACLs of the folder decide)', (t) => {
  const dir = join(tempDir(t), 'state');
  mkdirSync(dir);
  writeFileSync(join(dir, 'records.db'), '');
  writeFileSync(join(dir, 'accounts.json'), '{"accounts":[]}\n');
  chmodSync(join(dir, 'records.db'), 0o644);
  chmodSync(join(dir, 'accounts.json'), 0o644);
  chmodSync(dir, 0o755);
  new FileStore(dir, { platform: 'win32' });
  new AccountDirectory(join(dir, 'accounts.json'), { platform: 'win32' });
  assert.equal(octal(mode(dir)), '0755');
  assert.equal(octal(mode(join(dir, 'records.db'))), '0644');
  assert.equal(octal(mode(join(dir, 'accounts.json'))), '0644');
});

test('a directory is fsynced on POSIX and not on Windows, where a directory cannot be opened for it', (t) => {
  const dir = tempDir(t);
  assert.equal(syncDirectory(dir, 'linux'), true);
  assert.equal(syncDirectory(join(dir, 'missing'), 'win32'), false);
  assert.throws(() => syncDirectory(join(dir, 'missing'), 'linux'), /ENOENT/);
});

test('on Windows a FileStore still saves and loads (no directory fsync, no modes)', (t) => {
  const dir = join(tempDir(t), 'state');
  const store = new FileStore(dir, { platform: 'win32' });
  store.saveMode('visual', MODE_CHANGE);
  store.saveRecord(structuredClone(RECORD) as never);
  const again = new FileStore(dir, { platform: 'win32' });
  assert.equal(again.loadMode(), 'visual');
  assert.deepEqual(
    [...again.records()].map((r) => r.id),
    ['EMU-0001:1'],
  );
});
