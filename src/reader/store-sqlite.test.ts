import { test } from 'node:test';
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OqsError } from './errors';
import { PAGE_SQL, PRUNE_BATCH, RecordDb } from './store-sqlite';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-sqlite-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('records.db runs in WAL with synchronous FULL: a statement is on disk when it returns', (t) => {
  const db = new RecordDb(join(tempDir(t), 'records.db'));
  t.after(() => db.close());
  expect(db.raw.prepare('PRAGMA journal_mode').get()).to.deep.include({ journal_mode: 'wal' });
  expect(db.raw.prepare('PRAGMA synchronous').get()).to.deep.include({ synchronous: 2 }); // 2 = FULL
});

test('the record id is a UNIQUE key of the table, so no second row can have it', (t) => {
  const db = new RecordDb(join(tempDir(t), 'records.db'));
  t.after(() => db.close());
  const insert = () => db.raw.prepare("INSERT INTO records (id, finished_at, json) VALUES ('EMU-0001:1', '2026-11-24T00:00:00.000Z', '{}')").run();
  insert();
  expect(insert).to.throw(/UNIQUE constraint failed: records.id/);
});

test('a database that is not one is refused with OQS_ERR_STORE_OPEN', (t) => {
  const dir = tempDir(t);
  expect(() => new RecordDb(join(dir, 'missing-dir', 'records.db')))
    .to.throw()
    .with.property('code', 'OQS_ERR_STORE_OPEN');
});

// node:sqlite is experimental on Node 22 and says so on stderr when loaded; the store drops that one
// warning (and no other). A fresh process, since the warning comes once per process.
const ROOT = resolve(__dirname, '../..');
const probe = `
  process.on('warning', (w) => console.log('WARNING ' + w.name + ': ' + w.message));
  const before = process.emitWarning;
  const { RecordDb } = require('./src/reader/store-sqlite');
  const db = new RecordDb(':memory:');
  db.close();
  console.log(process.emitWarning === before ? 'restored' : 'NOT restored');
  process.emitWarning('another experimental thing', 'ExperimentalWarning');
`;

test('loading the store prints no ExperimentalWarning for SQLite, and lets every other warning through', () => {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register', '-e', probe], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).to.not.match(/SQLite/);
  expect(out).to.match(/^restored$/m);
  expect(out).to.match(/WARNING ExperimentalWarning: another experimental thing/);
});

test('a transaction that fails leaves nothing of itself, and the next one runs; closing twice is harmless', (t) => {
  const db = new RecordDb(join(tempDir(t), 'records.db'));
  const rec = (n: number) => ({ id: `EMU-0001:${n}`, finishedAt: `2026-11-24T00:00:0${n}.000Z` }) as never;
  expect(() =>
    db.transaction(() => {
      db.saveRecord(rec(1));
      throw new Error('stopped halfway');
    }),
  ).to.throw('stopped halfway');
  expect(db.count()).to.equal(0);
  db.transaction(() => db.saveRecord(rec(2)));
  expect(db.getRecord('EMU-0001:2')).to.deep.equal(rec(2));
  db.close();
  db.close();
});

test('records.db carries its schema version; one written by a newer version is refused, not misread', (t) => {
  const path = join(tempDir(t), 'records.db');
  const db = new RecordDb(path);
  expect(db.raw.prepare('PRAGMA user_version').get()).to.deep.include({ user_version: 1 });
  db.raw.exec('PRAGMA user_version = 2');
  db.close();
  expect(() => new RecordDb(path))
    .to.throw(/written by a newer oqs-reader \(schema 2; this one reads 1\)/)
    .with.property('code', 'OQS_ERR_STORE_OPEN');
});

test('prune deletes more than one batch, all of it, and leaves the WAL empty afterwards', (t) => {
  const dir = tempDir(t);
  const db = new RecordDb(join(dir, 'records.db'));
  t.after(() => db.close());
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  const total = PRUNE_BATCH * 2 + 17;
  db.transaction(() => {
    for (let n = 0; n < total + 5; n++) db.saveRecord({ id: `EMU-0001:${n}`, finishedAt: at(n) } as never);
  });
  expect(db.prune(at(total))).to.deep.equal({ records: total, modeChanges: 0 });
  expect(db.count()).to.equal(5);
  expect(statSync(join(dir, 'records.db-wal')).size).to.equal(0);
});

test('every page query, oldest or newest first, seeks its time index with both bounds and sorts nothing', (t) => {
  const db = new RecordDb(join(tempDir(t), 'records.db'));
  t.after(() => db.close());
  for (const [name, sql] of Object.entries(PAGE_SQL)) {
    const plan = db.raw
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all('2026-11-24T00:00:00.000Z', 'EMU-0001:1', '2026-11-01T00:00:00.000Z', 51)
      .map((r) => String(r.detail));
    // One SEARCH on the index bounded on both sides (a cursor deep in years of history costs no scan), no temp B-tree for ORDER BY.
    expect(plan, name).to.have.length(1);
    expect(plan[0], name).to.match(/^SEARCH (records|mode_changes) USING INDEX (records|mode_changes)_by_time \(.*[<].*\)$/);
    expect(plan[0], name).to.match(/>.*</);
    if (name.startsWith('page')) expect(plan[0], name).to.match(/\(finished_at,id\)[<>]\(\?,\?\)/);
  }
});

test('a full disk is OQS_ERR_STORE_WRITE naming the file, not a bare SQLite error; the row is not there', (t) => {
  const path = join(tempDir(t), 'records.db');
  const db = new RecordDb(path);
  t.after(() => db.close());
  // SQLite's own limit on the file's size stands in for a full disk (SQLITE_FULL).
  const pages = Number(db.raw.prepare('PRAGMA page_count').get()!.page_count);
  db.raw.exec(`PRAGMA max_page_count = ${pages}`);
  const big = { id: 'EMU-0001:1', finishedAt: '2026-11-24T00:00:00.000Z', operator: 'x'.repeat(64 * 1024) } as never;
  let error: unknown;
  try {
    db.saveRecord(big);
  } catch (e) {
    error = e;
  }
  expect(OqsError.is(error, 'OQS_ERR_STORE_WRITE') && [error.fault, error.message]).to.deep.equal([
    'internal',
    `could not save to the record store ${path}: database or disk is full`,
  ]);
  expect(db.getRecord('EMU-0001:1')).to.equal(null);
  const change = { from: 'unattended', to: 'pinOnly', by: 'x'.repeat(64 * 1024), at: '2026-11-24T00:00:00.000Z' } as const;
  expect(() => db.addModeChange(change))
    .to.throw(OqsError)
    .with.property('code', 'OQS_ERR_STORE_WRITE');
});
