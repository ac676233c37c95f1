/**
 * Soak (issue 15 item 6): one controller, as the product assembles it (src/assembly.ts), runs
 * 1,000,000 face confirmations from its in-process emulated reader on the virtual clock (no real
 * time: 2,000 a day, then the clock jumps to the next morning, so 500 days pass and the day's
 * records, today's list and the retention job (30 days) turn over as in a clinic), with the log on
 * (src/log.ts, lines thrown away) and,
 * through the fastify app (inject), logins that are kept, logins whose session is abandoned,
 * failed logins under ever new unknown names, wrong passwords for a real account, and reads of
 * today's records. Memory (heapUsed + external after two forced GCs) is sampled after each tenth
 * of the run: it must stay flat, the last decile within 10 % of the second (the first holds the
 * warm-up: JIT, pools, the first day's pages).
 *
 *   node --expose-gc -r ts-node/register bench/soak.ts [CONFIRMATIONS] [--dir DIR] [--store memory]
 *
 * Default: 1,000,000 confirmations, the product's durable store in a fresh directory under /dev/shm
 * where there is one (tmpfs: fsync costs nothing there, so the run measures memory, not the disk),
 * else under the temp directory. `--store memory` uses MemoryStore, which keeps every record in
 * memory by design (tests only): its growth shows what the durable store must not do.
 * Writes reports/bench/soak.json; exits 1 when memory did not stay flat.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, embeddedReaders } from '../src/assembly';
import { createLogger, logTerminalEvents } from '../src/log';
import { AccountDirectory } from '../src/reader/accounts';
import { FileStore, MemoryStore, type TerminalStore } from '../src/reader/store';
import { DAY_MS, jstMidnight, RetentionJob } from '../src/reader/retention';
import { VirtualClock } from '../src/time/virtual-clock';
import { figure, machine, round, writeResult, type BenchResult } from './lib/report';
import { facePatients } from './lib/patients';
import { nowMs } from './lib/stats';

const gc = (globalThis as { gc?: () => void }).gc;

/** Per this many confirmations: one round of API traffic (scrypt makes a login cost ~40 ms of CPU). */
const API_EVERY = 1000;
/** Confirmations in one day at the reader (a busy one: 300 is typical); then the clock jumps to the next morning. */
const PER_DAY = 2000;
/** The retention the soak runs with: the store keeps a month, so prune runs every day too. */
const RETENTION_DAYS = 30;
const FLAT = 1.1;

interface Sample {
  confirmations: number;
  heapMB: number;
  rssMB: number;
  wallS: number;
  virtualDays: number;
}

function memory(): { heapMB: number; rssMB: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heapMB: round((m.heapUsed + m.external) / 2 ** 20, 1), rssMB: round(m.rss / 2 ** 20, 1) };
}

function args() {
  const a = process.argv.slice(2);
  const opt = (name: string) => {
    const i = a.indexOf(name);
    return i >= 0 ? a.splice(i, 2)[1] : undefined;
  };
  const storeKind = opt('--store') ?? 'durable';
  const given = opt('--dir');
  const dir = given ?? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'oqs-soak-'));
  return { total: Number(a[0] ?? 1_000_000), storeKind, dir, made: given === undefined };
}

export async function soak(total: number, store: TerminalStore, storeLabel: string): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 0));
  const accounts = new AccountDirectory();
  accounts.add('kanri', 'kanri-password-1', 'admin');
  accounts.add('uketsuke', 'uketsuke-password-1', 'general');
  const embedded = embeddedReaders(clock, 1);
  const reader = embedded.readers[0]!;
  const logger = createLogger({ level: 'info', destination: { write: () => undefined } });
  let stopLog = () => {};
  const a = assemble({
    clock,
    store,
    readers: embedded.ports,
    observe: (t) => (stopLog = logTerminalEvents(t, logger)),
    // No heartbeat: each night is skipped in one jump of the virtual clock, which would otherwise
    // run a getStatus round trip every 5 s of it (17,280 a night); the rest is as the product has it.
    link: { heartbeatMs: 0 },
    api: { accounts, publicDir: false, emulator: embedded.controls, setupToken: null },
  });
  await clock.resolve(a.firstAttempts);
  const app = a.app!;
  let pruned = 0;
  const retention = new RetentionJob({ store, clock, days: RETENTION_DAYS, onRun: (r) => (pruned += r.records) });
  retention.start();
  let confirmed = 0;
  a.terminal.on('event', (e: { type: string; record?: { consent: unknown } }) => {
    if (e.type === 'record' && e.record?.consent === null) confirmed++;
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, o: { body?: unknown; cookie?: string; csrf?: string } = {}) =>
    app.inject({
      method,
      url,
      headers: {
        ...(o.body ? { 'content-type': 'application/json' } : {}),
        ...(o.cookie ? { cookie: o.cookie } : {}),
        ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}),
      },
      payload: o.body ? JSON.stringify(o.body) : undefined,
    });
  const statuses: Record<string, number> = {};
  const count = (what: string, status: number) => (statuses[`${what} ${status}`] = (statuses[`${what} ${status}`] ?? 0) + 1);
  let round_ = 0;
  const apiRound = async () => {
    round_++;
    const ok = await inject('POST', '/api/session', { body: { account: 'uketsuke', password: 'uketsuke-password-1' } });
    count('login', ok.statusCode);
    const cookie = ok.headers['set-cookie'] ? String(ok.headers['set-cookie']).split(';')[0] : undefined;
    const csrf = (ok.json() as { csrfToken?: string }).csrfToken;
    count('today', (await inject('GET', '/api/records?day=today', { cookie })).statusCode);
    // Every other session is logged out; the rest are abandoned (a closed browser) and must expire.
    if (round_ % 2 === 0) count('logout', (await inject('DELETE', '/api/session', { cookie, csrf })).statusCode);
    count('unknown name', (await inject('POST', '/api/session', { body: { account: `ghost-${round_}`, password: 'not-the-password' } })).statusCode);
    count('wrong password', (await inject('POST', '/api/session', { body: { account: 'kanri', password: 'not-the-password' } })).statusCode);
  };

  const samples: Sample[] = [];
  const decile = Math.max(API_EVERY, Math.round(total / 10 / API_EVERY) * API_EVERY);
  const t0 = clock.now();
  for (let done = 0; done < total;) {
    const n = Math.min(API_EVERY, total - done);
    await clock.resolve(facePatients(reader, n), Number.MAX_SAFE_INTEGER);
    await clock.runUntilIdle();
    await apiRound();
    done += n;
    if (done % PER_DAY === 0) {
      // Closing time: on to 09:00 JST the next day (the retention job runs just after midnight).
      const next = jstMidnight(clock.now()) + DAY_MS + 9 * 3600_000;
      await clock.advance(next - clock.now());
    }
    if (done % decile === 0 || done === total) {
      const m = memory();
      samples.push({ confirmations: done, ...m, wallS: round((nowMs() - started) / 1000, 1), virtualDays: round((clock.now() - t0) / 86_400_000, 1) });
      process.stderr.write(`${done} confirmations: ${m.heapMB} MB heap+external, ${m.rssMB} MB rss, ${samples.at(-1)!.wallS} s\n`);
    }
  }
  retention.stop();
  await a.close();
  stopLog();
  store.close();

  const second = samples[1] ?? samples[0]!;
  const last = samples.at(-1)!;
  const m = machine();
  return {
    bench: 'soak',
    title: `Soak: ${total.toLocaleString('en')} confirmations through one controller`,
    method: `assemble() with the ${storeLabel}, one in-process emulated reader on a VirtualClock (${PER_DAY} confirmations a day, then the next morning), the log and a ${RETENTION_DAYS}-day retention job on; per ${API_EVERY} face confirmations one round through the fastify app (inject): a login (every other one logged out, the rest abandoned), GET /api/records?day=today, a failed login under a new unknown name, a wrong password for a real account. heapUsed + external after two forced GCs at each tenth.`,
    machine: m,
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures: [
      figure({
        id: 'soak.flat',
        label: 'memory at the end ÷ memory after the second tenth',
        value: round(last.heapMB / second.heapMB, 3),
        unit: '×',
        baseline: { label: `after ${second.confirmations.toLocaleString('en')} confirmations`, value: second.heapMB, unit: 'MB' },
        target: { op: '<=', value: FLAT, text: `≤ ${FLAT}× (within 10 %)` },
        detail: { lastMB: last.heapMB, confirmed, statuses },
      }),
    ],
    notes: [
      `${confirmed} confirmations recorded over ${last.virtualDays} days of virtual time (${PER_DAY} a day); the retention job (${RETENTION_DAYS} days) deleted ${pruned} of them; API answers ${JSON.stringify(statuses)}.`,
    ],
    data: { samples },
  };
}

if (require.main === module) {
  if (!gc) {
    console.error('run with node --expose-gc');
    process.exit(2);
  }
  const { total, storeKind, dir, made } = args();
  const store = storeKind === 'memory' ? new MemoryStore() : new FileStore(dir);
  soak(total, store, storeKind === 'memory' ? 'MemoryStore (every record in memory)' : `durable store in ${dir}`)
    .then((r) => {
      console.log(writeResult(r));
      for (const s of (r.data as { samples: Sample[] }).samples) console.log(`${s.confirmations}\t${s.heapMB} MB\t${s.rssMB} MB rss\t${s.wallS} s`);
      for (const n of r.notes) console.log(n);
      const f = r.figures[0]!;
      console.log(`${f.label}: ${f.value}× — ${f.met ? 'flat' : 'NOT FLAT'}`);
      process.exitCode = f.met ? 0 : 1;
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => made && rmSync(dir, { recursive: true, force: true }));
}
