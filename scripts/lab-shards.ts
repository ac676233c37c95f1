/**
 * docs/lab.md on one machine: two lab "hosts" (an `oqs-reader emulate` with one reader on a pty
 * each), each behind its own ser2net (RFC 2217, loopback), and the suite split in two with
 * cucumber's own `--shard`, one shard per host, both at once. Their reports merge into one
 * traceability result (scripts/traceability.cjs). One node:test case per check
 * (scripts/test-all.cjs step `lab`; reads reports/cucumber-emulator.json for the whole scenario list).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readResults } from '../src/certify/results';
import { WatchedProcess } from '../src/util/child-lines';
import { startSer2net, type Ser2net } from '../steps/support/ser2net';
import { reportChecks, type CheckResult } from './lib/checks';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'oqs-reader.js');
const cucumber = path.join(root, 'node_modules', '.bin', 'cucumber-js');
const SHARDS = 2;

/** Runs a command to its end; its output goes to this process's (the step's log). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(null));
  });
}

const key = (r: { file: string; line: number }) => `${r.file}:${r.line}`;

async function lab(): Promise<CheckResult[]> {
  const cases: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail = '', problems?: string[]) => {
    cases.push({ name, ok, detail, ...(problems ? { problems } : {}) });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oqs-lab-'));
  const hosts: WatchedProcess[] = [];
  const relays: Ser2net[] = [];
  try {
    const shards = [];
    for (let i = 1; i <= SHARDS; i++) {
      const home = path.join(dir, `host-${i}`);
      fs.mkdirSync(home);
      const control = `unix:${path.join(home, 'control.sock')}`;
      const emu = WatchedProcess.node([bin, 'emulate', '--readers', '1', '--link-dir', home, '--control', control], { stdio: ['ignore', 'pipe', 'inherit'] });
      hosts.push(emu);
      const ready = JSON.parse((await emu.line(/^OQS-EMULATOR-READY (.*)$/, 30_000, `host ${i}'s emulator ready`))[1]!) as { readers: string[] };
      const relay = await startSer2net([{ device: ready.readers[0]!, accepter: 'rfc2217' }]);
      relays.push(relay);
      const answers = path.join(home, 'answers.json');
      fs.writeFileSync(answers, JSON.stringify({ answers: { '*': 'PASS' }, robot: { emulatorControl: control } }));
      shards.push({ i, url: relay.urls[0]!, answers });
    }
    check(
      'two lab hosts, each an emulated reader behind its own ser2net on loopback',
      shards.every((s) => s.url.startsWith('rfc2217://127.0.0.1:')),
      shards.map((s) => s.url).join(', '),
    );

    const codes = await Promise.all(
      shards.map((s) =>
        run(cucumber, ['-p', 'lab', '--shard', `${s.i}/${SHARDS}`], {
          ...process.env,
          READER_PORT: s.url,
          OQS_SHARD: String(s.i),
          OQS_ANSWERS: s.answers,
          OQS_DECLARATION: path.join(root, 'declarations', 'emulator-one-reader.json'),
        }),
      ),
    );
    check(
      `${SHARDS} shards (cucumber --shard i/${SHARDS}) pass at once, each through its own ser2net`,
      codes.every((c) => c === 0),
      `exits ${codes.join(', ')}`,
    );

    const reports = shards.map((s) => path.join(root, 'reports', `cucumber-lab-${s.i}.json`));
    const merged = await run(
      process.execPath,
      [path.join(root, 'scripts', 'traceability.cjs'), ...reports, path.join(root, 'reports', 'lab-traceability.md')],
      process.env,
    );
    check('the shards merge into one traceability result (reports/lab-traceability.md)', merged === 0, `exit ${merged}`);

    const ran = reports.flatMap((r) => readResults(r));
    const all = readResults(path.join(root, 'reports', 'cucumber-emulator.json'));
    const ranKeys = new Set(ran.map(key));
    const missing = all.filter((r) => !ranKeys.has(key(r))).map(key);
    check(
      'together the shards ran every scenario of the suite exactly once',
      missing.length === 0 && ran.length === all.length && ranKeys.size === ran.length,
      `${ran.length} run in shards (${reports.map((r) => readResults(r).length).join(' + ')}), ${all.length} in the suite`,
      missing.length ? [`not run: ${missing.join(', ')}`] : undefined,
    );
    const failed = ran.filter((r) => r.verdict === 'FAIL' || r.verdict === 'NOT RUN').map((r) => `${key(r)} ${r.verdict}`);
    check(
      'no scenario failed; what one reader cannot show is N/A with its reason',
      failed.length === 0,
      `${ran.filter((r) => r.verdict === 'PASS').length} PASS, ${ran.filter((r) => r.verdict === 'N/A').length} N/A`,
      failed,
    );
  } catch (e) {
    check('the lab ran', false, (e as Error).message);
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(hosts.map((h) => h.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return cases;
}

if (require.main === module) {
  test('lab: two hosts behind ser2net, two shards, one traceability result (docs/lab.md)', async (t) => {
    await reportChecks(t, await lab());
  });
}
