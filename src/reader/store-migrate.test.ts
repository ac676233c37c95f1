import { test } from 'node:test';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfirmationRecord, ModeChange } from './records';
import { FileStore } from './store';
import { readLines } from './store-migrate';

// An earlier version kept records.ndjson and mode-changes.ndjson; the first start of this one imports
// them into records.db, exactly once however often the import is cut short (issue 15, item 5).

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-migrate-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(n: number, consent: ConfirmationRecord['consent'] = null): ConfirmationRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return {
    id: `EMU-0001:${n}`,
    outcome: n % 5 ? 'confirmed' : 'failed',
    method: 'pin',
    failReason: n % 5 ? null : 'pinLocked',
    confirmationDate: '2026/01/01',
    operator: null,
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'EMU-0001' },
    cardId: null,
    consent,
    startedAt: at,
    finishedAt: at,
  };
}

const change = (n: number): ModeChange => ({
  from: n % 2 ? 'visual' : 'unattended',
  to: n % 2 ? 'unattended' : 'visual',
  by: 'admin',
  at: new Date(Date.UTC(2026, 0, 1) + Math.floor(n / 3) * 1000).toISOString(), // three to an instant
});

/** A state directory as the journal version left it: `n` records (every 7th updated later with consent), `c` mode changes, a torn last line. */
function legacyDir(dir: string, n: number, c: number): void {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    lines.push(JSON.stringify(record(i)));
    if (i % 7 === 0) lines.push(JSON.stringify(record(i - 3, 'all')));
  }
  writeFileSync(join(dir, 'records.ndjson'), lines.join('\n') + '\n' + JSON.stringify(record(n + 1)).slice(0, 40));
  writeFileSync(join(dir, 'mode-changes.ndjson'), Array.from({ length: c }, (_, i) => JSON.stringify(change(i)) + '\n').join(''));
  writeFileSync(join(dir, 'mode.json'), '{"mode":"visual"}\n');
}

/** What the journal version would have loaded: the last line per id wins, the torn one is skipped. */
function expected(n: number): ConfirmationRecord[] {
  return Array.from({ length: n }, (_, k) => record(k + 1, (k + 4) % 7 === 0 && k + 4 <= n ? 'all' : null));
}

function exactlyOnce(store: FileStore, n: number, c: number): void {
  const records = [...store.records()];
  expect(records.length).to.equal(n);
  expect(new Set(records.map((r) => r.id)).size).to.equal(n);
  expect(records).to.deep.equal(expected(n));
  expect([...store.modeChanges()]).to.deep.equal(Array.from({ length: c }, (_, i) => change(i)));
}

test('the first start imports records.ndjson and mode-changes.ndjson, then renames them *.imported; the next start imports nothing', (t) => {
  const dir = join(tempDir(t), 'state');
  legacyDir(dir, 40, 5);
  const first = new FileStore(dir, { import: { batch: 7 } });
  expect(first.imported).to.deep.equal({ records: 40 + 5, modeChanges: 5 }); // lines taken: 5 were consent updates
  exactlyOnce(first, 40, 5);
  expect(first.loadMode()).to.equal('visual');
  first.close();
  expect(
    readdirSync(dir)
      .filter((f) => f.includes('ndjson'))
      .sort(),
  ).to.deep.equal(['mode-changes.ndjson.imported', 'records.ndjson.imported']);
  const next = new FileStore(dir);
  t.after(() => next.close());
  expect(next.imported).to.equal(null);
  exactlyOnce(next, 40, 5);
});

test('an import cut short mid-batch leaves what was committed; the next start finishes it, every record and change exactly once', (t) => {
  const dir = join(tempDir(t), 'state');
  legacyDir(dir, 200, 30);
  for (const [file, line] of [
    ['mode-changes.ndjson', 17],
    ['records.ndjson', 101],
  ] as const) {
    const crash = (path: string, n: number) => {
      if (path.endsWith(file) && n === line) throw new Error('power cut (test)');
    };
    expect(() => new FileStore(dir, { import: { batch: 10, onLine: crash } })).to.throw('power cut (test)');
    expect(existsSync(join(dir, file))).to.equal(true, `${file} is not renamed before its import is complete`);
  }
  const store = new FileStore(dir, { import: { batch: 10 } });
  t.after(() => store.close());
  exactlyOnce(store, 200, 30);
});

test('a crash after the import but before the rename imports the same journal again without doubling anything', (t) => {
  const dir = join(tempDir(t), 'state');
  legacyDir(dir, 30, 6);
  new FileStore(dir).close();
  // As if the renames had not happened: the journals are back under their old names.
  for (const f of ['records.ndjson', 'mode-changes.ndjson']) renameSync(join(dir, `${f}.imported`), join(dir, f));
  // A name taken by an earlier import is never overwritten.
  writeFileSync(join(dir, 'records.ndjson.imported'), 'an earlier import\n');
  const again = new FileStore(dir);
  t.after(() => again.close());
  exactlyOnce(again, 30, 6);
  expect(
    readdirSync(dir)
      .filter((f) => f.includes('ndjson'))
      .sort(),
  ).to.deep.equal(['mode-changes.ndjson.imported', 'records.ndjson.imported', 'records.ndjson.imported-2']);
});

test('lines are read in chunks: a line across a chunk boundary, a blank line and no final newline', (t) => {
  const file = join(tempDir(t), 'x.ndjson');
  const long = 'x'.repeat((1 << 20) - 3);
  writeFileSync(file, `a\n\n${long}\nbé\nlast`);
  expect([...readLines(file)].map(([l, n]) => [l.length > 10 ? `long ${l.length}` : l, n])).to.deep.equal([
    ['a', 1],
    [`long ${long.length}`, 3],
    ['bé', 4],
    ['last', 5],
  ]);
});

// The import in its own process, killed with SIGKILL while a transaction is open (it waits there
// for us): no timing involved, the kill lands exactly mid-batch.
const ROOT = resolve(__dirname, '../..');
const child = (dir: string) => `
  const { readSync } = require('node:fs');
  const { FileStore } = require('./src/reader/store');
  new FileStore(${JSON.stringify(dir)}, { import: { batch: 50, onLine: (path, n) => {
    if (path.endsWith('records.ndjson') && n === 125) { process.stdout.write('MID-BATCH\\n'); readSync(0, Buffer.alloc(1)); }
  } } });
  process.stdout.write('DONE\\n');
`;

test('SIGKILL in the middle of an import batch, then a start: every record exactly once', async (t) => {
  const dir = join(tempDir(t), 'state');
  legacyDir(dir, 300, 12);
  const proc = spawn(process.execPath, ['-r', 'ts-node/register', '-e', child(dir)], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((done) =>
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('MID-BATCH')) done();
    }),
  );
  const exited = new Promise((r) => proc.on('exit', (_code, signal) => r(signal)));
  proc.kill('SIGKILL');
  expect(await exited).to.equal('SIGKILL');
  expect(out).to.not.include('DONE');
  const store = new FileStore(dir);
  t.after(() => store.close());
  // The mode changes were imported (and their file renamed) before the kill; the records run again.
  expect(store.imported).to.deep.equal({ records: 300 + 42, modeChanges: 0 });
  exactlyOnce(store, 300, 12);
});
