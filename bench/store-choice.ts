/**
 * Which store for a controller that runs for years (issue 15; docs/durability.md has the figures):
 * the SQLite store (node:sqlite, src/reader/store-sqlite.ts) against a partitioned journal (one NDJSON
 * file per Japanese day, plus an id index hashed into 256 bucket files), measured side by side at
 * each history size: a durable insert (fsynced before it returns), start-up (open and load today's
 * records, in a fresh process), the memory that adds, a page of 50 from a random instant, and the
 * duplicate check (a lookup by id of an old record, and of one that is not there). For SQLite also a
 * page of 50 newest first (order=newest) back from a random instant, as a deep cursor would ask.
 *
 *   node -r ts-node/register bench/store-choice.ts [--sizes 0,100000,1000000] [--kinds sqlite,journal] [--json FILE]
 *
 * The journal here is a prototype made to be measured, not shipped: the simplest form that keeps
 * start-up and the duplicate check independent of history.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  existsSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyRecord } from '../scripts/kill-history';
import type { ConfirmationRecord } from '../src/reader/records';
import { FileStore } from '../src/reader/store';
import { jstDayStart } from '../src/reader/terminal-records';

const DAY_MS = 24 * 3600_000;
const END = Date.UTC(2026, 11, 2, 3, 0);

// ---- the partitioned journal (prototype) --------------------------------------------------------

const dayOf = (iso: string) => jstDayStart(Date.parse(iso)).slice(0, 10);
const bucketOf = (id: string) => createHash('sha1').update(id).digest('hex').slice(0, 2);

function appendDurable(path: string, text: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

class DayJournal {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'days'), { recursive: true });
    mkdirSync(join(dir, 'index'), { recursive: true });
  }
  /** Two appends, two fsyncs: the day's file, then the id's bucket. */
  save(r: ConfirmationRecord): void {
    appendDurable(join(this.dir, 'days', `${dayOf(r.finishedAt)}.ndjson`), JSON.stringify(r) + '\n');
    appendDurable(join(this.dir, 'index', `${bucketOf(r.id)}.tsv`), `${r.id}\t${dayOf(r.finishedAt)}\n`);
  }
  /** Bulk (unsynced) for the fixture. */
  bulk(records: Iterable<ConfirmationRecord>): void {
    const days = new Map<string, string[]>();
    const buckets = new Map<string, string[]>();
    const flush = () => {
      for (const [d, lines] of days) appendFileSync(join(this.dir, 'days', `${d}.ndjson`), lines.join(''));
      for (const [b, lines] of buckets) appendFileSync(join(this.dir, 'index', `${b}.tsv`), lines.join(''));
      days.clear();
      buckets.clear();
    };
    let n = 0;
    for (const r of records) {
      const d = dayOf(r.finishedAt);
      if (!days.has(d)) days.set(d, []);
      days.get(d)!.push(JSON.stringify(r) + '\n');
      const b = bucketOf(r.id);
      if (!buckets.has(b)) buckets.set(b, []);
      buckets.get(b)!.push(`${r.id}\t${d}\n`);
      if (++n % 20000 === 0) flush();
    }
    flush();
  }
  today(nowMs: number): ConfirmationRecord[] {
    return parseLines<ConfirmationRecord>(join(this.dir, 'days', `${jstDayStart(nowMs).slice(0, 10)}.ndjson`));
  }
  get(id: string): ConfirmationRecord | null {
    const path = join(this.dir, 'index', `${bucketOf(id)}.tsv`);
    if (!existsSync(path)) return null;
    const line = readFileSync(path, 'utf8')
      .split('\n')
      .findLast((l) => l.startsWith(id + '\t'));
    if (!line) return null;
    return parseLines<ConfirmationRecord>(join(this.dir, 'days', `${line.split('\t')[1]}.ndjson`)).findLast((r) => r.id === id) ?? null;
  }
  /** A page of `limit` from `from`: day files in order, each parsed, sorted, the last line per id winning. */
  page(from: string, limit: number): ConfirmationRecord[] {
    const out: ConfirmationRecord[] = [];
    const days = readdirSync(join(this.dir, 'days')).sort();
    for (const f of days) {
      if (f.slice(0, 10) < dayOf(from)) continue;
      const byId = new Map<string, ConfirmationRecord>();
      for (const r of parseLines<ConfirmationRecord>(join(this.dir, 'days', f))) byId.set(r.id, r);
      const rows = [...byId.values()]
        .filter((r) => r.finishedAt >= from)
        .sort((a, b) => (a.finishedAt === b.finishedAt ? (a.id < b.id ? -1 : 1) : a.finishedAt < b.finishedAt ? -1 : 1));
      out.push(...rows.slice(0, limit - out.length));
      if (out.length >= limit) break;
    }
    return out;
  }
}

// ---- measuring ----------------------------------------------------------------------------------

type Kind = 'sqlite' | 'journal';

function open(kind: Kind, dir: string) {
  if (kind === 'sqlite') {
    const s = new FileStore(dir);
    return {
      save: (r: ConfirmationRecord) => s.saveRecord(r),
      bulk: (rs: Iterable<ConfirmationRecord>) => void s.saveRecords(rs),
      today: (now: number) => [...s.records({ from: jstDayStart(now) })],
      get: (id: string) => s.getRecord(id),
      page: (from: string, limit: number) => s.recordsPage({ from, limit }).records,
      pageNewest: (to: string, limit: number) => s.recordsPage({ to, limit, order: 'newest' }).records,
      close: () => s.close(),
    };
  }
  const j = new DayJournal(dir);
  return {
    save: (r: ConfirmationRecord) => j.save(r),
    bulk: (rs: Iterable<ConfirmationRecord>) => j.bulk(rs),
    today: (n: number) => j.today(n),
    get: (id: string) => j.get(id),
    page: (f: string, l: number) => j.page(f, l),
    pageNewest: undefined,
    close: () => undefined,
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function timed(n: number, fn: (i: number) => void): { p50: number; p99: number } {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    xs.push(performance.now() - t);
  }
  return { p50: pct(xs, 50), p99: pct(xs, 99) };
}

/** In a fresh process: open the store and load today's records; how long, and how much resident memory that added. */
function childStartup(kind: Kind, dir: string): void {
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  const s = open(kind, dir);
  const today = s.today(END);
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, rssMb: (process.memoryUsage().rss - rss0) / 2 ** 20, today: today.length }) + '\n');
  s.close();
}

function measure(kind: Kind, size: number) {
  const dir = mkdtempSync(join(tmpdir(), `oqs-store-choice-${kind}-`));
  try {
    const s = open(kind, join(dir, 'state'));
    const t0 = performance.now();
    s.bulk(
      (function* () {
        for (let n = 0; n < size; n++) yield historyRecord(n, size, END);
      })(),
    );
    const fillS = (performance.now() - t0) / 1000;
    const insert = timed(300, (i) => s.save({ ...historyRecord(0, 1, END + i * 1000), id: `NEW-0001:${i}` }));
    const old = (i: number) => `HIST-0001:${1 + ((i * 7919) % Math.max(size, 1))}`;
    const lookup = timed(300, (i) => s.get(size ? old(i) : `NEW-0001:${i}`));
    const missing = timed(300, (i) => s.get(`NONE-0001:${i}`));
    const span = Math.max(1, Math.ceil(size / 300)) * DAY_MS;
    const instant = (i: number) => new Date(END - ((i * 104729) % span)).toISOString();
    // 1000 samples, so the p99 is not just the slowest of a few (it was 100 before order=newest came to compare).
    const page = timed(1000, (i) => s.page(instant(i), 50));
    const pageNewest = s.pageNewest && timed(1000, (i) => s.pageNewest!(instant(i), 50));
    s.close();
    const runs = [0, 1, 2].map(
      () =>
        JSON.parse(
          execFileSync(process.execPath, ['-r', 'ts-node/register', __filename, '--child', kind, join(dir, 'state')], {
            encoding: 'utf8',
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
          }),
        ) as { ms: number; rssMb: number; today: number },
    );
    const startup = runs.sort((a, b) => a.ms - b.ms)[1]!;
    return { kind, size, fillS, insert, lookup, missing, page, pageNewest, startupMs: startup.ms, startupRssMb: startup.rssMb, today: startup.today };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '0,100000,1000000' },
      kinds: { type: 'string', default: 'sqlite,journal' },
      json: { type: 'string' },
      child: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.child) {
    childStartup(values.child as Kind, process.argv.at(-1)!);
  } else {
    const rows = [];
    console.log(
      '| store | records | fill | durable insert p50 / p99 | start-up (open + today) | memory added | page of 50 p50 / p99 | lookup by id p50 / p99 | missing id p50 / p99 | newest-first page of 50 p50 / p99 |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const size of values.sizes!.split(',').map(Number))
      for (const kind of values.kinds!.split(',') as Kind[]) {
        const r = measure(kind, size);
        rows.push(r);
        console.log(
          `| ${kind} | ${size} | ${r.fillS.toFixed(1)} s | ${f(r.insert.p50)} / ${f(r.insert.p99)} ms | ${f(r.startupMs)} ms (${r.today} today) | ${r.startupRssMb.toFixed(1)} MB | ${f(r.page.p50)} / ${f(r.page.p99)} ms | ${f(r.lookup.p50)} / ${f(r.lookup.p99)} ms | ${f(r.missing.p50)} / ${f(r.missing.p99)} ms | ${r.pageNewest ? `${f(r.pageNewest.p50)} / ${f(r.pageNewest.p99)} ms` : '—'} |`,
        );
      }
    if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
  }
}
