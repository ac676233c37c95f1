/**
 * The kill test (issue 5, Durability; docs/durability.md): the controller is killed with SIGKILL
 * at random points while patients confirm their identity at an emulated reader, and restarted,
 * again and again, on a store that already holds a large history (issue 15; --history, default
 * 100,000 records). At the end every confirmation the reader saw ACKed must be in the store
 * exactly once, records.db must be whole, nothing may be recorded that the reader never sent, the
 * history must be as it was, and the mode set once through the API must have survived every restart.
 *
 *   node -r ts-node/register scripts/kill-test.ts [--kills 200] [--seed S] [--max-delay-ms 300]
 *                                                [--history 100000] [--history-days D] [--root DIR] [--keep]
 *
 * What runs: the product of --root (default: this repo) as it ships, `npm run build` then
 * bin/oqs-reader.js (dist/); `oqs-reader emulate` with one reader on a pty and a control
 * channel; the controller (`oqs-reader start`) as its own child process on that pty. The seed
 * fixes the patients (profiles, wrong PINs, consent; scripts/kill-patients.ts) and every kill delay;
 * the interleaving with real time does not repeat exactly. The checks are scripts/kill-checks.ts.
 *
 * A node:test file: one test case per check, so node's reporters report it (scripts/test-all.sh:
 * spec on the console, junit in reports/kill-test.xml). Exit code 0 when every check passed, 1
 * otherwise (2: bad usage).
 */
import { prng } from '../src/util/prng';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseArgs } from 'node:util';
import { EmulatorControlClient } from '../simulator/control/client';
import type { ConfirmationRecord } from '../src/reader/records';
import { FileStore } from '../src/reader/store';
import { WatchedProcess } from '../src/util/child-lines';
import { check, checkMode, checkRecords, type Check } from './kill-checks';
import { DEFAULT_RETENTION_DAYS, retentionCutoff } from '../src/reader/retention';
import { checkHistory, HISTORY_SERIAL, seedHistory } from './kill-history';
import { reportChecks } from './lib/checks';
import { REPO, shippedBuild } from './lib/shipped';
import { allOutcomes, patients, type PatientStats } from './kill-patients';

// ---- the run ------------------------------------------------------------------------------------

interface Options {
  kills: number;
  seed: number;
  maxDelayMs: number;
  /** Records in the store before the first start. */
  history: number;
  /** Days the history spans (default: at most 1,500, inside the retention); longer: the first start prunes the part past it. */
  historyDays?: number;
  root: string;
  keep: boolean;
  mode: 'pinOnly';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`kill-test: ${line}\n`);

/** The whole run; its checks (an aborted run is one failed check, 'the kill test ran to the end'). */
async function run(opts: Options): Promise<Check[]> {
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'oqs-kill-'));
  const linkDir = join(tmp, 'link');
  const stateDir = join(tmp, 'state');
  const rand = prng(opts.seed);
  const patientRand = prng(opts.seed ^ 0x5eed);
  const checks: Check[] = [];
  let emulator: WatchedProcess | null = null;
  let controller: WatchedProcess | null = null;
  let control: EmulatorControlClient | null = null;
  let failed = true;
  say(`seed ${opts.seed}, ${opts.kills} kills, delays 0–${opts.maxDelayMs} ms; sources ${opts.root}; temp ${tmp}`);
  try {
    const tc = Date.now();
    const cli = shippedBuild(opts.root);
    say(`built in ${((Date.now() - tc) / 1000).toFixed(1)} s`);
    const th = Date.now();
    const historyEnd = Date.now();
    seedHistory(stateDir, opts.history, historyEnd, opts.historyDays);
    // The first start's retention run deletes what is older than this (none unless --history-days is long).
    const cutoff = retentionCutoff(Date.now(), DEFAULT_RETENTION_DAYS);
    say(`store seeded with ${opts.history} history records in ${((Date.now() - th) / 1000).toFixed(1)} s`);

    emulator = WatchedProcess.node([cli, 'emulate', '--readers', '1', '--link-dir', linkDir, '--control', `unix:${join(linkDir, 'c.sock')}`]);
    const ready = await emulator.line(/^OQS-EMULATOR-READY (.*)$/, 20_000, 'the emulator did not start');
    const info = JSON.parse(ready[1]!) as { readers: string[]; control: string };
    const port = info.readers[0]!;
    control = await EmulatorControlClient.connect(info.control, { timeoutMs: 20_000 });
    const ctl = control;

    const adminPassword = `kill-test-admin-${opts.seed}`;
    const env = { ...process.env, OQS_ADMIN_PASSWORD: adminPassword, OQS_STAFF_PASSWORD: `kill-test-staff-${opts.seed}`, LOG_LEVEL: 'error' };
    const startController = () => WatchedProcess.node([cli, 'start', '--reader-port', port, '--state-dir', stateDir, '--port', '0'], { env });
    const LISTENING = /listening on (http:\/\/[^\s/]+)/;
    const selfExits: string[] = [];
    let starts = 0;
    const up = async (c: WatchedProcess): Promise<string | null> => {
      const m = await c.waitFor(LISTENING, 15_000);
      if (!m) {
        const e = c.exit ? `exited by itself (${c.exit.code ?? c.exit.signal})` : 'not listening after 15 s';
        selfExits.push(`start ${starts}: ${e}: ${c.tail.slice(-3).join(' | ')}`);
        await c.kill('SIGKILL');
        return null;
      }
      return m[1]!;
    };

    // First start: set the mode once, through the API, as an administrator would.
    let url: string | null = null;
    for (let i = 0; i < 3 && !url; i++) {
      starts++;
      controller = startController();
      url = await up(controller);
    }
    if (!url || !controller) throw new Error(`the controller did not start: ${selfExits.join('; ')}`);
    const res = await fetch(`${url}/api/mode`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` },
      body: JSON.stringify({ mode: opts.mode }),
    });
    if (res.status !== 200) throw new Error(`PUT /api/mode answered ${res.status}: ${await res.text()}`);
    say(`mode set to ${opts.mode} through the API; streaming patients and killing`);

    const stats: PatientStats = { transactions: 0, confirmedSeen: 0, stimulusErrors: 0, drift: 0, errorCodes: new Map() };
    const stop = { now: false };
    const stream = patients(ctl, patientRand, stop, stats);
    let streamError: Error | null = null;
    stream.catch((e: Error) => {
      streamError = e;
      stop.now = true;
    });

    let kills = 0;
    let killsInStartup = 0;
    let lastReport = Date.now();
    while (kills < opts.kills && !streamError) {
      if (!controller || controller.exit) {
        starts++;
        controller = startController();
      }
      const c: WatchedProcess = controller;
      if (rand() < 0.25) {
        // Anywhere in start-up: module loading, port open, hello, the reader's replay, getStatus, setMode.
        await sleep(Math.floor(rand() * 700));
        if (!c.exit) {
          const listening = c.lines.some((l) => LISTENING.test(l));
          await c.kill('SIGKILL');
          kills++;
          if (!listening) killsInStartup++;
        }
      } else {
        const delay = Math.floor(rand() * (opts.maxDelayMs + 1));
        if (!(await up(c))) continue;
        await sleep(delay);
        await c.kill('SIGKILL');
        kills++;
      }
      if (c.exit && c.exit.signal !== 'SIGKILL') selfExits.push(`start ${starts}: exited by itself (${c.exit.code}): ${c.tail.slice(-3).join(' | ')}`);
      if (emulator.exit) throw new Error(`the emulator died: ${emulator.tail.join('\n')}`);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        say(`${kills} kills, ${stats.transactions} patients, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }

    // The end: the controller runs again, the patients stop, the link settles.
    starts++;
    controller = startController();
    url = await up(controller);
    stop.now = true;
    await stream.catch(() => undefined);
    if (streamError) throw streamError;
    const settleStart = Date.now();
    let outcomes = await allOutcomes(ctl);
    let restartedToSettle = false;
    while (outcomes.pending > 0 && Date.now() - settleStart < 40_000) {
      // The reader backs off up to 4 s between tries and, after 8, waits for a hello: one clean
      // restart (not a kill) makes it send everything again.
      if (!restartedToSettle && Date.now() - settleStart > 15_000) {
        restartedToSettle = true;
        await controller.kill('SIGTERM');
        starts++;
        controller = startController();
        url = await up(controller);
      }
      await sleep(250);
      outcomes = await allOutcomes(ctl);
    }
    const settledIn = (Date.now() - settleStart) / 1000;
    const finalStatus = await ctl.call('status', { reader: 0 });
    // Stop the controller cleanly before reading its files, so nothing is written while we read.
    await controller.kill('SIGTERM');

    const store = new FileStore(stateDir);
    // One pass over the store: the reader's records kept, the history checked as it streams by.
    const records: ConfirmationRecord[] = [];
    const history = checkHistory(
      (function* () {
        for (const r of store.records()) {
          if (r.reader.serial === HISTORY_SERIAL) yield r;
          else records.push(r);
        }
      })(),
      opts.history,
      historyEnd,
      opts.historyDays,
      cutoff,
    );
    const integrity = store.integrityProblems();
    const modePath = join(stateDir, 'mode.json');
    const sent = outcomes.sent;
    const confirmations = sent.filter((s) => s.event === 'identityConfirmed');
    const ackedConfirmations = confirmations.filter((s) => s.acked);
    const givenUp = sent.filter((s) => !s.acked && !s.held);

    checks.push(
      check(
        `the controller was killed at least ${opts.kills} times`,
        kills >= opts.kills ? [] : [`only ${kills} kills`],
        `${kills} SIGKILLs (${killsInStartup} before it was listening), ${starts} starts`,
      ),
      check('the controller came back after every kill (never failed to start or exited by itself)', selfExits, `${starts} starts, ${selfExits.length} failed`),
      check(
        'the link settled: every outcome the reader still held was ACKed',
        outcomes.pending > 0 ? [`${outcomes.pending} outcome events still unACKed and held by the reader after ${settledIn.toFixed(1)} s`] : [],
        `settled in ${settledIn.toFixed(1)} s${restartedToSettle ? ' (after one clean restart)' : ''}; ${givenUp.length} let go by the reader without an ACK (checked below)`,
      ),
      ...checkRecords({ serial: outcomes.serial, sent, records, integrity }),
      history,
      ...checkMode({
        expected: opts.mode,
        files: readdirSync(stateDir),
        modeJson: existsSync(modePath) ? readFileSync(modePath, 'utf8') : null,
        loaded: store.loadMode(),
        driftSeen: stats.drift,
        finalReaderMode: finalStatus.mode,
      }),
    );

    const seconds = (Date.now() - t0) / 1000;
    store.close();
    say('---- summary');
    say(`kills: ${kills} (SIGKILL; ${killsInStartup} during start-up), controller starts: ${starts}`);
    say(
      `patients: ${stats.transactions}; confirmations streamed (identityConfirmed the reader sent): ${confirmations.length}; failed outcomes: ${sent.length - confirmations.length}`,
    );
    say(
      `ACKed confirmations checked: ${ackedConfirmations.length}; ACKed failures checked: ${sent.filter((s) => s.event === 'identityFailed' && s.acked).length}; let go without an ACK: ${givenUp.length}`,
    );
    say(
      `records found: ${records.length} (${records.filter((r) => r.outcome === 'confirmed').length} confirmed, ${records.filter((r) => r.consent).length} with consent), beside ${history.detail}; records.db integrity: ${integrity.length ? integrity.join('; ') : 'ok'}`,
    );
    say(`stimuli refused: ${stats.stimulusErrors}${stats.errorCodes.size ? ` (${[...stats.errorCodes].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
    say(`elapsed: ${seconds.toFixed(1)} s (${(kills / seconds).toFixed(2)} kills/s)`);
    for (const c of checks) {
      say(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} — ${c.detail}`);
      for (const p of c.problems.slice(0, 10)) say(`       ${p}`);
      if (c.total > 10) say(`       … ${c.total - 10} more`);
    }
    failed = checks.some((c) => !c.ok);
    say(`${failed ? 'FAILED' : 'passed'}: ${checks.filter((c) => c.ok).length}/${checks.length} checks`);
    return checks;
  } catch (e) {
    const err = e as Error;
    say(`error: ${err.stack ?? err.message}`);
    if (controller) say(`controller output (tail):\n${controller.tail.join('\n')}`);
    checks.push(check('the kill test ran to the end', [err.message], 'aborted'));
    return checks;
  } finally {
    await controller?.kill('SIGKILL');
    if (control) {
      await control.call('shutdown', {}).catch(() => undefined);
      await control.close().catch(() => undefined);
    }
    if (emulator) {
      const gone = await Promise.race([emulator.exited.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) await emulator.kill('SIGKILL');
    }
    if (opts.keep || failed) say(`kept ${tmp} (state in ${stateDir})`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

function parseOptions(argv: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kills: { type: 'string', default: '200' },
        seed: { type: 'string' },
        'max-delay-ms': { type: 'string', default: '300' },
        history: { type: 'string', default: '100000' },
        'history-days': { type: 'string' },
        root: { type: 'string', default: REPO },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return (e as Error).message;
  }
  if (values.help) return '';
  const kills = Number(values.kills);
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  const maxDelayMs = Number(values['max-delay-ms']);
  if (!Number.isInteger(kills) || kills < 1) return `--kills must be a positive integer, got ${values.kills}`;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return `--seed must be an integer 0..4294967295, got ${values.seed}`;
  if (!Number.isInteger(maxDelayMs) || maxDelayMs < 0) return `--max-delay-ms must be an integer >= 0, got ${values['max-delay-ms']}`;
  const history = Number(values.history);
  if (!Number.isInteger(history) || history < 0) return `--history must be an integer >= 0, got ${values.history}`;
  const historyDays = values['history-days'] === undefined ? undefined : Number(values['history-days']);
  if (historyDays !== undefined && (!Number.isInteger(historyDays) || historyDays < 1))
    return `--history-days must be a positive integer, got ${values['history-days']}`;
  return { kills, seed, maxDelayMs, history, historyDays, root: resolve(values.root!), keep: values.keep!, mode: 'pinOnly' };
}

if (require.main === module) {
  const opts = parseOptions(process.argv.slice(2));
  if (typeof opts === 'string') {
    if (opts) process.stderr.write(`kill-test: ${opts}\n`);
    process.stderr.write(
      'usage: node -r ts-node/register scripts/kill-test.ts [--kills N] [--seed S] [--max-delay-ms MS] [--history N] [--history-days D] [--root DIR] [--keep]\n',
    );
    process.exit(opts ? 2 : 0);
  }
  test(`kill test: ${opts.kills} SIGKILLs of the controller during a stream of confirmations, on a store of ${opts.history} records (seed ${opts.seed})`, async (t) => {
    await reportChecks(t, await run(opts));
  });
}
