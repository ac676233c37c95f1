import { test } from 'node:test';
import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';
import { FileStore, MemoryStore, type RecordPageQuery, type TerminalStore } from './store';
import { OqsError } from './errors';
import { syntheticRecord } from './test-records';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-store-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(id: string, overrides: Partial<ConfirmationRecord> = {}): ConfirmationRecord {
  const base = { id, cardId: '0123456789abcdef0123456789abcdef', consent: null, startedAt: '2026-11-24T00:30:00.000Z' };
  return syntheticRecord(0, '2026-11-24T00:30:02.000Z', { ...base, ...overrides });
}

function change(from: ModeName, to: ModeName, at: string): ModeChange {
  return { from, to, by: 'admin', at };
}

// ---- both stores: one contract -----------------------------------------------------------------

type Each = { after: (fn: () => void) => void };
const STORES: Array<[string, (t: Each) => TerminalStore]> = [
  ['MemoryStore', () => new MemoryStore()],
  [
    'FileStore',
    (t) => {
      const s = new FileStore(join(tempDir(t), 'state'));
      t.after(() => s.close());
      return s;
    },
  ],
];

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 0, minute)).toISOString();
const all = <T>(it: Iterable<T>) => [...it];

/** Every page of `q`, followed by its cursor to the end. */
function pages(store: TerminalStore, q: Omit<RecordPageQuery, 'cursor'>): string[][] {
  const out: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = store.recordsPage({ ...q, cursor });
    out.push(page.records.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  return out;
}

for (const [name, make] of STORES) {
  test(`${name}: a fresh store has no mode, records or mode changes`, (t) => {
    const store = make(t);
    expect(store.loadMode()).to.equal(null);
    expect(all(store.records())).to.deep.equal([]);
    expect(all(store.modeChanges())).to.deep.equal([]);
    expect(store.recordsPage({ limit: 10 })).to.deep.equal({ records: [], next: null });
    expect(store.getRecord('EMU-0001:1')).to.equal(null);
  });

  test(`${name}: a later save of the same id replaces the record (one record, not two)`, (t) => {
    const store = make(t);
    store.saveRecord(record('EMU-0001:1'));
    store.saveRecord(record('EMU-0001:2', { finishedAt: at(40) }));
    store.saveRecord(record('EMU-0001:1', { consent: 'all' }));
    expect(all(store.records()).map((r) => [r.id, r.consent])).to.deep.equal([
      ['EMU-0001:1', 'all'],
      ['EMU-0001:2', null],
    ]);
    expect(store.getRecord('EMU-0001:1')).to.deep.equal(record('EMU-0001:1', { consent: 'all' }));
  });

  test(`${name}: pages run oldest first (finishedAt, then id), each record on exactly one page; the range is [from, to)`, (t) => {
    const store = make(t);
    // Saved out of order; two share a finishedAt.
    for (const [id, m] of [
      ['B:1', 3],
      ['A:1', 1],
      ['C:1', 2],
      ['A:2', 2],
      ['D:1', 5],
      ['E:1', 4],
    ] as const)
      store.saveRecord(record(id, { finishedAt: at(m) }));
    expect(pages(store, { limit: 2 })).to.deep.equal([
      ['A:1', 'A:2'],
      ['C:1', 'B:1'],
      ['E:1', 'D:1'],
    ]);
    expect(pages(store, { limit: 10, from: at(2), to: at(4) })).to.deep.equal([['A:2', 'C:1', 'B:1']]);
    expect(all(store.records({ from: at(4) })).map((r) => r.id)).to.deep.equal(['E:1', 'D:1']);
  });

  test(`${name}: a cursor stays valid while records are added; none is skipped or repeated`, (t) => {
    const store = make(t);
    for (let m = 0; m < 6; m++) store.saveRecord(record(`EMU-0001:${m}`, { finishedAt: at(m) }));
    const first = store.recordsPage({ limit: 3 });
    store.saveRecord(record('EMU-0001:early', { finishedAt: at(1) })); // before the cursor: not on later pages
    store.saveRecord(record('EMU-0001:late', { finishedAt: at(9) }));
    const rest = store.recordsPage({ limit: 10, cursor: first.next });
    expect(first.records.map((r) => r.id)).to.deep.equal(['EMU-0001:0', 'EMU-0001:1', 'EMU-0001:2']);
    expect(rest.records.map((r) => r.id)).to.deep.equal(['EMU-0001:3', 'EMU-0001:4', 'EMU-0001:5', 'EMU-0001:late']);
    expect(rest.next).to.equal(null);
  });

  test(`${name}: a cursor it did not give out is refused with OQS_ERR_BAD_CURSOR`, (t) => {
    const store = make(t);
    for (const cursor of ['nonsense', Buffer.from('[1,2]').toString('base64url'), '']) {
      expect(() => store.recordsPage({ limit: 5, cursor }))
        .to.throw(OqsError)
        .with.property('code', 'OQS_ERR_BAD_CURSOR');
    }
    expect(() => store.modeChangesPage({ limit: 5, cursor: 'x' }))
      .to.throw(OqsError)
      .with.property('code', 'OQS_ERR_BAD_CURSOR');
  });

  test(`${name}: order=newest pages walk the oldest-first walk backwards, each record once, the range still [from, to)`, (t) => {
    const store = make(t);
    // Ties on finishedAt (ids break them), saved out of order, and a record on each end of the range.
    for (let n = 0; n < 23; n++) store.saveRecord(record(`EMU-0001:${String((n * 7) % 23).padStart(2, '0')}`, { finishedAt: at(n % 5) }));
    const oldest = pages(store, { limit: 23 })[0]!;
    for (const limit of [1, 4, 22, 23, 50]) expect(pages(store, { limit, order: 'newest' }).flat(), `limit ${limit}`).to.deep.equal([...oldest].reverse());
    expect(pages(store, { limit: 3, order: 'oldest' }).flat()).to.deep.equal(oldest);
    const ranged = pages(store, { limit: 3, from: at(1), to: at(3) }).flat();
    expect(ranged).to.have.length(10);
    expect(pages(store, { limit: 3, from: at(1), to: at(3), order: 'newest' }).flat()).to.deep.equal([...ranged].reverse());
    expect(pages(store, { limit: 2, from: at(4), order: 'newest' })[0]).to.deep.equal([...oldest].reverse().slice(0, 2));
  });

  test(`${name}: a newest-first walk goes on to the oldest while records are added; new ones wait for a fresh walk`, (t) => {
    const store = make(t);
    for (let m = 0; m < 6; m++) store.saveRecord(record(`EMU-0001:${m}`, { finishedAt: at(m) }));
    const first = store.recordsPage({ limit: 3, order: 'newest' });
    store.saveRecord(record('EMU-0001:late', { finishedAt: at(9) }));
    const rest = store.recordsPage({ limit: 10, order: 'newest', cursor: first.next });
    expect(first.records.map((r) => r.id)).to.deep.equal(['EMU-0001:5', 'EMU-0001:4', 'EMU-0001:3']);
    expect([rest.records.map((r) => r.id), rest.next]).to.deep.equal([['EMU-0001:2', 'EMU-0001:1', 'EMU-0001:0'], null]);
    expect(store.recordsPage({ limit: 1, order: 'newest' }).records[0]!.id).to.equal('EMU-0001:late');
  });

  test(`${name}: a cursor of the other order is refused with OQS_ERR_BAD_CURSOR, for records and mode changes`, (t) => {
    const store = make(t);
    for (let m = 0; m < 4; m++) store.saveRecord(record(`EMU-0001:${m}`, { finishedAt: at(m) }));
    for (let m = 0; m < 4; m++) store.saveMode('visual', change('unattended', 'visual', at(m)));
    const other = { oldest: 'newest', newest: 'oldest' } as const;
    for (const order of ['oldest', 'newest'] as const) {
      const r = store.recordsPage({ limit: 2, order }).next;
      const c = store.modeChangesPage({ limit: 2, order }).next;
      expect(store.recordsPage({ limit: 2, order, cursor: r }).records).to.have.length(2);
      expect(() => store.recordsPage({ limit: 2, order: other[order], cursor: r }), order)
        .to.throw(OqsError)
        .with.property('code', 'OQS_ERR_BAD_CURSOR');
      expect(() => store.modeChangesPage({ limit: 2, order: other[order], cursor: c }), order)
        .to.throw(OqsError)
        .with.property('code', 'OQS_ERR_BAD_CURSOR');
    }
    // A cursor given out before there was an order (no order in it) goes on oldest first, and only so.
    const legacy = Buffer.from(JSON.stringify([at(1), 'EMU-0001:1'])).toString('base64url');
    expect(store.recordsPage({ limit: 5, cursor: legacy }).records.map((r) => r.id)).to.deep.equal(['EMU-0001:2', 'EMU-0001:3']);
    expect(() => store.recordsPage({ limit: 5, order: 'newest', cursor: legacy }))
      .to.throw(OqsError)
      .with.property('code', 'OQS_ERR_BAD_CURSOR');
  });

  test(`${name}: records(range) streams more than one chunk, in order`, (t) => {
    const store = make(t);
    const ids: string[] = [];
    for (let n = 0; n < 1203; n++) {
      const id = `EMU-0001:${String(n).padStart(5, '0')}`;
      ids.push(id);
      store.saveRecord(record(id, { finishedAt: at(n % 7) }));
    }
    const want = [...ids].sort((a, b) => (Number(a.slice(-5)) % 7) - (Number(b.slice(-5)) % 7) || (a < b ? -1 : 1));
    expect(all(store.records()).map((r) => r.id)).to.deep.equal(want);
  });

  test(`${name}: mode changes keep their order (also within one instant) and page like records`, (t) => {
    const store = make(t);
    const changes = [
      change('unattended', 'visual', at(30)),
      change('visual', 'unattended', at(30)),
      change('unattended', 'visual', at(30)),
      change('visual', 'pinOnly', at(31)),
    ];
    for (const c of changes) store.saveMode(c.to, c);
    expect(store.loadMode()).to.equal('pinOnly');
    expect(all(store.modeChanges())).to.deep.equal(changes);
    const first = store.modeChangesPage({ limit: 3 });
    expect(first.changes).to.deep.equal(changes.slice(0, 3));
    expect(store.modeChangesPage({ limit: 3, cursor: first.next })).to.deep.equal({ changes: changes.slice(3), next: null });
    expect(all(store.modeChanges({ from: at(31) }))).to.deep.equal([changes[3]]);
    const newest = store.modeChangesPage({ limit: 3, order: 'newest' });
    expect(newest.changes).to.deep.equal([...changes].reverse().slice(0, 3));
    expect(store.modeChangesPage({ limit: 3, order: 'newest', cursor: newest.next })).to.deep.equal({ changes: changes.slice(0, 1), next: null });
  });

  test(`${name}: prune removes records and mode changes before the instant, and nothing after`, (t) => {
    const store = make(t);
    for (let m = 0; m < 5; m++) store.saveRecord(record(`EMU-0001:${m}`, { finishedAt: at(m) }));
    store.saveMode('visual', change('unattended', 'visual', at(1)));
    store.saveMode('unattended', change('visual', 'unattended', at(3)));
    expect(store.prune(at(3))).to.deep.equal({ records: 3, modeChanges: 1 });
    expect(all(store.records()).map((r) => r.id)).to.deep.equal(['EMU-0001:3', 'EMU-0001:4']);
    expect(all(store.modeChanges()).map((c) => c.at)).to.deep.equal([at(3)]);
    expect(store.getRecord('EMU-0001:0')).to.equal(null);
    expect(store.prune(at(3))).to.deep.equal({ records: 0, modeChanges: 0 });
    expect(store.loadMode()).to.equal('unattended');
  });

  test(`${name}: what it hands out is a copy; changing it changes nothing stored`, (t) => {
    const store = make(t);
    const original = record('EMU-0001:1');
    store.saveRecord(original);
    original.consent = 'all';
    store.getRecord('EMU-0001:1')!.reader.serial = 'CHANGED';
    all(store.records())[0]!.outcome = 'failed';
    store.recordsPage({ limit: 1 }).records[0]!.cardId = null;
    expect(store.getRecord('EMU-0001:1')).to.deep.equal(record('EMU-0001:1'));
    store.saveMode('visual', change('unattended', 'visual', at(1)));
    all(store.modeChanges())[0]!.by = 'someone';
    expect(all(store.modeChanges())[0]!.by).to.equal('admin');
  });
}

// ---- FileStore --------------------------------------------------------------------------------

test('FileStore: the mode, records and mode changes survive a new FileStore on the same directory', (t) => {
  const dir = tempDir(t);
  const first = new FileStore(dir);
  first.saveMode('visual', change('unattended', 'visual', '2026-11-24T00:30:00.000Z'));
  first.saveRecord(record('EMU-0001:1'));
  first.saveRecord(record('EMU-0001:2', { outcome: 'failed', method: 'pin', failReason: 'pinLocked', cardId: null }));
  first.close();
  const next = new FileStore(dir);
  t.after(() => next.close());
  expect(next.loadMode()).to.equal('visual');
  expect(all(next.records()).map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:2']);
  expect(all(next.modeChanges())).to.deep.equal([change('unattended', 'visual', '2026-11-24T00:30:00.000Z')]);
  // The id is the store's unique key: after a restart the same id replaces, never doubles.
  next.saveRecord(record('EMU-0001:1', { consent: 'individual' }));
  expect(all(next.records()).map((r) => [r.id, r.consent])).to.deep.equal([
    ['EMU-0001:1', 'individual'],
    ['EMU-0001:2', null],
  ]);
});

test('FileStore: the state directory holds mode.json and records.db (with its WAL), and no *.tmp after saving the mode', (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  t.after(() => store.close());
  store.saveMode('visual', change('unattended', 'visual', '2026-11-24T00:30:00.000Z'));
  store.saveMode('unattended', change('visual', 'unattended', '2026-11-24T00:31:00.000Z'));
  store.saveRecord(record('EMU-0001:1'));
  expect(readdirSync(dir).sort()).to.deep.equal(['mode.json', 'records.db', 'records.db-shm', 'records.db-wal']);
  expect(JSON.parse(readFileSync(join(dir, 'mode.json'), 'utf8'))).to.deep.equal({ mode: 'unattended' });
});

test('FileStore: a mode.json naming no known mode loads as no mode', (t) => {
  const dir = tempDir(t);
  appendFileSync(join(dir, 'mode.json'), JSON.stringify({ mode: 'turbo' }));
  const store = new FileStore(dir);
  t.after(() => store.close());
  expect(store.loadMode()).to.equal(null);
});

test('FileStore: a temp file left by a crash before the rename is removed, the mode is the last one renamed', (t) => {
  const dir = tempDir(t);
  const s = new FileStore(dir);
  s.saveMode('visual', { from: 'unattended', to: 'visual', by: 'a', at: '2026-11-24T00:00:00.000Z' });
  s.close();
  appendFileSync(join(dir, 'mode.json.999.tmp'), '{"mode":"pinOnly"}\n');
  const again = new FileStore(dir);
  t.after(() => again.close());
  expect(again.loadMode()).to.equal('visual');
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
});

test('FileStore: a mode whose mode.json cannot be written is OQS_ERR_STORE_WRITE, and its audit row is not kept either', (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir);
  t.after(() => store.close());
  store.saveMode('visual', change('unattended', 'visual', '2026-11-24T01:00:00.000Z'));
  // The temporary file's name taken by a directory: the write fails as a full or broken disk would.
  mkdirSync(join(dir, `mode.json.${process.pid}.tmp`));
  let error: unknown;
  try {
    store.saveMode('pinOnly', change('visual', 'pinOnly', '2026-11-24T02:00:00.000Z'));
  } catch (e) {
    error = e;
  }
  expect(OqsError.is(error, 'OQS_ERR_STORE_WRITE')).to.equal(true);
  expect(store.loadMode()).to.equal('visual');
  expect([...store.modeChanges()].map((c) => c.to)).to.deep.equal(['visual']);
});
