import { test } from 'node:test';
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';
import { FileStore, MemoryStore } from './store';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-store-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(id: string, overrides: Partial<ConfirmationRecord> = {}): ConfirmationRecord {
  return {
    id,
    outcome: 'confirmed',
    method: 'face',
    failReason: null,
    confirmationDate: '2026/11/24',
    operator: null,
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'EMU-0001' },
    cardId: '0123456789abcdef0123456789abcdef',
    consent: null,
    startedAt: '2026-11-24T00:30:00.000Z',
    finishedAt: '2026-11-24T00:30:02.000Z',
    ...overrides,
  };
}

function change(from: ModeName, to: ModeName, at: string): ModeChange {
  return { from, to, by: 'admin', at };
}

// ---- FileStore --------------------------------------------------------------------------------

test('FileStore: a fresh directory has no mode, records or mode changes', (t) => {
  const store = new FileStore(join(tempDir(t), 'nested', 'dir'));
  expect(store.loadMode()).to.equal(null);
  expect(store.loadRecords()).to.deep.equal([]);
  expect(store.loadModeChanges()).to.deep.equal([]);
});

test('FileStore: the mode survives a new FileStore on the same directory', (t) => {
  const dir = tempDir(t);
  new FileStore(dir).saveMode('visual', change('unattended', 'visual', '2026-11-24T00:30:00.000Z'));
  expect(new FileStore(dir).loadMode()).to.equal('visual');
  new FileStore(dir).saveMode('pinOnly', change('visual', 'pinOnly', '2026-11-24T00:31:00.000Z'));
  expect(new FileStore(dir).loadMode()).to.equal('pinOnly');
});

test('FileStore: records round-trip through a new FileStore', (t) => {
  const dir = tempDir(t);
  const a = record('EMU-0001:1');
  const b = record('EMU-0001:2', { outcome: 'failed', method: 'pin', failReason: 'pinLocked', cardId: null });
  const store = new FileStore(dir);
  store.saveRecord(a);
  store.saveRecord(b);
  expect(new FileStore(dir).loadRecords()).to.deep.equal([a, b]);
});

test('FileStore: a later save of the same id wins', (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  store.saveRecord(record('EMU-0001:1'));
  store.saveRecord(record('EMU-0001:2'));
  store.saveRecord(record('EMU-0001:1', { consent: 'all' }));
  const loaded = new FileStore(dir).loadRecords();
  expect(loaded.map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:2']);
  expect(loaded[0]!.consent).to.equal('all');
});

test('FileStore: a torn last line in records.ndjson is ignored; the records before it load', (t) => {
  const dir = tempDir(t);
  const a = record('EMU-0001:1');
  const b = record('EMU-0001:2');
  const store = new FileStore(dir);
  store.saveRecord(a);
  store.saveRecord(b);
  const whole = JSON.stringify(record('EMU-0001:3'));
  appendFileSync(join(dir, 'records.ndjson'), whole.slice(0, Math.floor(whole.length / 2)));
  expect(new FileStore(dir).loadRecords()).to.deep.equal([a, b]);
});

test('FileStore: mode changes are kept in order', (t) => {
  const dir = tempDir(t);
  const changes = [
    change('unattended', 'visual', '2026-11-24T00:30:00.000Z'),
    change('visual', 'unattended', '2026-11-24T00:31:00.000Z'),
    change('unattended', 'pinOnly', '2026-11-24T00:32:00.000Z'),
  ];
  const store = new FileStore(dir);
  for (const c of changes) store.saveMode(c.to, c);
  expect(new FileStore(dir).loadModeChanges()).to.deep.equal(changes);
  expect(new FileStore(dir).loadMode()).to.equal('pinOnly');
});

test('FileStore: no *.tmp file is left behind after saving the mode', (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  store.saveMode('visual', change('unattended', 'visual', '2026-11-24T00:30:00.000Z'));
  store.saveMode('unattended', change('visual', 'unattended', '2026-11-24T00:31:00.000Z'));
  store.saveRecord(record('EMU-0001:1'));
  const files = readdirSync(dir).sort();
  expect(files.filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  expect(files).to.deep.equal(['mode-changes.ndjson', 'mode.json', 'records.ndjson']);
  expect(JSON.parse(readFileSync(join(dir, 'mode.json'), 'utf8'))).to.deep.equal({ mode: 'unattended' });
});

test('FileStore: a mode.json naming no known mode loads as no mode', (t) => {
  const dir = tempDir(t);
  appendFileSync(join(dir, 'mode.json'), JSON.stringify({ mode: 'turbo' }));
  expect(new FileStore(dir).loadMode()).to.equal(null);
});

// ---- MemoryStore ------------------------------------------------------------------------------

test('MemoryStore: mode, records and changes round-trip; a later save of the same id wins', () => {
  const store = new MemoryStore();
  expect(store.loadMode()).to.equal(null);
  const c = change('unattended', 'visual', '2026-11-24T00:30:00.000Z');
  store.saveMode('visual', c);
  expect(store.loadMode()).to.equal('visual');
  expect(store.loadModeChanges()).to.deep.equal([c]);
  store.saveRecord(record('EMU-0001:1'));
  store.saveRecord(record('EMU-0001:1', { consent: 'individual' }));
  expect(store.loadRecords()).to.deep.equal([record('EMU-0001:1', { consent: 'individual' })]);
});

test('MemoryStore: a loaded record is a copy; mutating it does not change the store', () => {
  const store = new MemoryStore();
  store.saveRecord(record('EMU-0001:1'));
  const loaded = store.loadRecords()[0]!;
  loaded.consent = 'all';
  loaded.outcome = 'failed';
  expect(store.loadRecords()[0]).to.deep.equal(record('EMU-0001:1'));
});

test('MemoryStore: the saved record is a copy; mutating the original afterwards does not change the store', () => {
  const store = new MemoryStore();
  const original = record('EMU-0001:1');
  store.saveRecord(original);
  original.consent = 'all';
  expect(store.loadRecords()[0]!.consent).to.equal(null);
});

test('MemoryStore: the list of mode changes is a copy', () => {
  const store = new MemoryStore();
  store.saveMode('visual', change('unattended', 'visual', '2026-11-24T00:30:00.000Z'));
  store.loadModeChanges().push(change('visual', 'pinOnly', '2026-11-24T00:31:00.000Z'));
  expect(store.loadModeChanges()).to.have.length(1);
});

test('FileStore: a save after a torn last line starts on a new line, so neither record is lost', (t) => {
  const dir = tempDir(t);
  const first = new FileStore(dir);
  first.saveRecord(record('EMU-0001:1'));
  // A crash mid-append: a complete record whose newline never made it to disk.
  appendFileSync(join(dir, 'records.ndjson'), JSON.stringify(record('EMU-0001:2')));
  const next = new FileStore(dir);
  next.saveRecord(record('EMU-0001:3'));
  next.saveRecord(record('EMU-0001:4'));
  expect(new FileStore(dir).loadRecords().map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:2', 'EMU-0001:3', 'EMU-0001:4']);
});

test('MemoryStore: nested objects are copies too', () => {
  const store = new MemoryStore();
  store.saveRecord(record('EMU-0001:1'));
  store.loadRecords()[0]!.reader.serial = 'CHANGED';
  expect(store.loadRecords()[0]!.reader.serial).to.equal('EMU-0001');
});

test('FileStore: a temp file left by a crash before the rename is removed, the mode is the last one renamed', (t) => {
  const dir = tempDir(t);
  const s = new FileStore(dir);
  s.saveMode('visual', { from: 'unattended', to: 'visual', by: 'a', at: '2026-11-24T00:00:00.000Z' });
  appendFileSync(join(dir, 'mode.json.999.tmp'), '{"mode":"pinOnly"}\n');
  const again = new FileStore(dir);
  expect(again.loadMode()).to.equal('visual');
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
});
