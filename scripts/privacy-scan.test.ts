/**
 * The privacy scan must find each kind of planted leak and stay quiet on what our reports normally
 * hold. Every fixture is written at run time into a temp dir; the check-digit-valid 個人番号 is
 * computed here, never committed.
 */
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { encodeEvent, encodeFrame } from '../src/protocol';
import { SYNTHETIC_FACILITY_PASSWORDS } from '../simulator/reader-visual';
import { SYNTHETIC_PINS, formatFinding, isMyNumber, myNumberCheckDigit, scanBuffer, scanPaths, type Finding } from './privacy-scan';

const root = mkdtempSync(join(tmpdir(), 'oqs-privacy-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(rel: string, data: string | Buffer): string {
  const file = join(root, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, data);
  return file;
}

/** Deterministic digits, so a failure is reproducible. */
function digits(seed: number, n: number): string {
  let a = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    out += String((a >>> 16) % 10);
  }
  return out;
}

/** A 12-digit number with a valid 個人番号 check digit, and the same with a wrong one. */
const first11 = digits(20261124, 11);
const VALID = first11 + String(myNumberCheckDigit(first11));
const INVALID = first11 + String((myNumberCheckDigit(first11) + 1) % 10);

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const JP2 = Buffer.from('0000000c6a5020200d0a870a', 'hex');
const JPEG = Buffer.from('ffd8ffe000104a464946', 'hex');
const J2K = Buffer.from('ff4fff51002f0000', 'hex');

const traceLine = (hex: string, t = 5) => JSON.stringify({ t, path: '/dev/ttyEMU0', dir: 'r2h', hex });
const CLEAN_FRAME = encodeEvent('identityConfirmed', 7, { txId: 1795480200, method: 1, cardId: '06027ca250d52f04342f1f639288fd7c', checkId: 0 });

/** cucumber's JSON report: an attachment is an embedding, base64. */
function cucumberJson(ndjson: string): string {
  const embedding = { data: Buffer.from(ndjson).toString('base64'), mime_type: 'application/x-ndjson' };
  return JSON.stringify([{ elements: [{ steps: [{ embeddings: [embedding] }] }] }], null, 2);
}

function only(findings: Finding[], file: string): Finding[] {
  return findings.filter((f) => f.file === file);
}

test('the check digit follows the 個人番号 rule (weights 6..2,7..2; 0 when r ≤ 1, else 11 − r)', () => {
  // Σ over 00000000001 = 2 → r = 2 → 9; over 00000000000 → r = 0 → 0; over 10000000000 = 6 → 5.
  expect(myNumberCheckDigit('00000000001')).to.equal(9);
  expect(myNumberCheckDigit('00000000000')).to.equal(0);
  expect(myNumberCheckDigit('10000000000')).to.equal(5);
  // 11 ones: Σ weights = 47 → r = 3 → 8.
  expect(myNumberCheckDigit('11111111111')).to.equal(8);
  expect(isMyNumber(VALID)).to.equal(true);
  expect(isMyNumber(INVALID)).to.equal(false);
});

test('each planted leak is reported with file, line, offset and kind', () => {
  const files = {
    myNumberLog: write('reports/app.log', `{"level":30,"msg":"started"}\n{"level":30,"msg":"patient","note":"番号 ${VALID} を確認"}\n`),
    myNumberGrouped: write('reports/notes.txt', `line one\n個人番号: ${VALID.slice(0, 4)} ${VALID.slice(4, 8)} ${VALID.slice(8)}\n`),
    pinJsonLog: write(
      '.oqs-reader/oqs.ndjson',
      `{"level":30,"time":1795498495539,"msg":"request"}\n{"level":30,"req":{"method":"POST","body":{"action":"enterPin","pin":"1234"}}}\n`,
    ),
    pinSynthetic: write('reports/stimuli.json', JSON.stringify({ steps: [['enterPin', SYNTHETIC_PINS[0]]] })),
    pngBase64: write(
      'reports/cucumber-emulator.ndjson',
      `{"meta":{"protocolVersion":"32.2.0"}}\n` +
        JSON.stringify({
          attachment: {
            body: Buffer.concat([PNG, randomBytes(64)]).toString('base64'),
            contentEncoding: 'BASE64',
            mediaType: 'image/png',
            fileName: 'face.png',
          },
        }) +
        '\n',
    ),
    jp2Hex: write(
      'reports/traces/emulator/顔認証.ndjson',
      `${JSON.stringify({ trace: 1, title: '顔認証' })}\n${traceLine(CLEAN_FRAME.toString('hex'), 0)}\n${traceLine(encodeFrame({ seq: 9, type: 0x4a, payload: Buffer.concat([JP2, randomBytes(40)]) }).toString('hex'))}\n`,
    ),
    // cucumber's JSON report embeds an NDJSON trace as base64, whose frames are hex.
    jpegNested: write(
      'reports/cucumber-emulator.json',
      cucumberJson(`${traceLine(CLEAN_FRAME.toString('hex'))}\n${traceLine(encodeFrame({ seq: 1, type: 0x4b, payload: JPEG }).toString('hex'))}\n`),
    ),
    j2kBinary: write('.oqs-reader/journal.bin', Buffer.concat([Buffer.alloc(100, 0x11), J2K, Buffer.alloc(50, 0x22)])),
    // A 目視モード用パスワード in a log line, and in a frame's bytes (hex), as a PIN would be found.
    facilityPasswordLog: write('.oqs-reader/visual.ndjson', `{"level":30,"msg":"typed","note":"${SYNTHETIC_FACILITY_PASSWORDS.right}"}\n`),
    facilityPasswordInFrame: write(
      'reports/traces/pty/pw.ndjson',
      `${traceLine(encodeFrame({ seq: 3, type: 0x17, payload: Buffer.from(`\x15${SYNTHETIC_FACILITY_PASSWORDS.wrong}`, 'latin1') }).toString('hex'))}\n`,
    ),
    myNumberInFrame: write(
      'reports/traces/pty/x.ndjson',
      `${traceLine(encodeFrame({ seq: 2, type: 0x48, payload: Buffer.from(`\x0c${VALID}`, 'latin1') }).toString('hex'))}\n`,
    ),
  };
  const findings = scanPaths([join(root, 'reports'), join(root, '.oqs-reader')]);
  const one = (file: string, kind: Finding['kind']) => {
    const got = only(findings, file).filter((f) => f.kind === kind);
    expect(got, `${kind} in ${file}: ${JSON.stringify(only(findings, file))}`).to.have.length.greaterThan(0);
    return got[0]!;
  };

  const mn = one(files.myNumberLog, 'myNumber');
  expect(mn).to.include({ line: 2, encoding: 'text' });
  expect(mn.offset).to.equal(Buffer.from(`{"level":30,"msg":"started"}\n{"level":30,"msg":"patient","note":"番号 `).length);
  expect(one(files.myNumberGrouped, 'myNumber')).to.include({ line: 2, encoding: 'text' });
  expect(one(files.pinJsonLog, 'pin')).to.include({ line: 2, encoding: 'text' });
  expect(one(files.pinSynthetic, 'pin')).to.include({ line: 1 });
  expect(one(files.pngBase64, 'image')).to.include({ line: 2, encoding: 'base64', what: 'PNG signature' });
  const jp2 = one(files.jp2Hex, 'image');
  expect(jp2).to.include({ line: 3, encoding: 'hex', what: 'JPEG 2000 signature (jP box)' });
  expect(one(files.jpegNested, 'image')).to.include({ encoding: 'base64 > hex', what: 'JPEG signature' });
  expect(one(files.j2kBinary, 'image')).to.include({ offset: 100, encoding: 'bytes', what: 'JPEG 2000 codestream (SOC SIZ)' });
  expect(one(files.myNumberInFrame, 'myNumber')).to.include({ encoding: 'hex' });
  expect(one(files.facilityPasswordLog, 'facilityPassword')).to.include({ line: 1, encoding: 'text' });
  expect(one(files.facilityPasswordInFrame, 'facilityPassword')).to.include({ encoding: 'hex' });
  // Nothing but the planted leaks, and each planted file has a finding.
  expect(new Set(findings.map((f) => f.file))).to.deep.equal(new Set(Object.values(files)));

  // The report names the leak without repeating it.
  const printed = findings.map((f) => formatFinding(f, root)).join('\n');
  expect(printed).not.to.include(VALID);
  expect(printed).not.to.include('1234');
  for (const pw of Object.values(SYNTHETIC_FACILITY_PASSWORDS)) expect(printed).not.to.include(pw);
  expect(printed).to.match(/reports\/app\.log:2 \(byte \d+, text\) myNumber: check-digit-valid 12-digit number/);
});

test('a UUID is an identifier, not encoded data: one that starts like a JPEG is no finding', () => {
  // Seen in a run: cucumber gave a step the id ffd8ffe9-…, whose first group decoded as FF D8 FF E9.
  const file = write(
    'uuid/messages.ndjson',
    JSON.stringify({ pickle: { steps: [{ id: 'ffd8ffe9-2fcc-4dff-889b-3c1a2fae1e0d', text: 'リーダーに"照合エラー"と表示された' }] } }) + '\n',
  );
  expect(scanPaths([file])).to.deep.equal([]);
});

test('what our reports normally hold produces no finding', () => {
  const cardIds = Array.from({ length: 200 }, () => randomBytes(16).toString('hex'));
  const file = write(
    'clean/report.ndjson',
    [
      // a 12-digit number whose check digit is wrong
      JSON.stringify({ level: 30, msg: 'number', value: INVALID }),
      // ISO timestamps, cucumber timestamps, durations, txIds
      JSON.stringify({
        startedAt: '2026-11-24T00:30:00.000Z',
        finishedAt: '2026-11-24T10:15:42.123+09:00',
        timestamp: { seconds: 1795498495, nanos: 539000000 },
        duration: 123456789,
        txId: 1795480200,
      }),
      // card ids (32 hex), one with the valid number inside; a hash; a UUID whose last group is the number
      JSON.stringify({ cardIds, cardId: `ab${VALID}cdef0123456789ab`, sha256: randomBytes(32).toString('hex'), id: `d985939f-590b-499c-9a2c-${VALID}` }),
      // long digit runs: ms timestamps, the valid number inside longer runs, a decimal's fraction
      JSON.stringify({ t: 1795498495539, long: `${VALID}${VALID}`, longer: `9${VALID}`, ratio: Number(`0.${VALID}`), text: `0.${VALID}` }),
      // pin-ish keys with no PIN; a wrong-PIN example in a prompt; the reader's capability "pin"
      JSON.stringify({
        pinFailures: 2,
        pinOnly: true,
        pinned: '1234',
        spinner: 1234,
        capabilities: ['face', 'pin'],
        prompt: '暗証番号（例 0000）を3回間違えて入力してください',
        triesLeft: 1,
      }),
      // a clean trace, as NDJSON with hex, and as cucumber JSON embeds it (base64)
      traceLine(CLEAN_FRAME.toString('hex')),
      cucumberJson(`${traceLine(CLEAN_FRAME.toString('hex'))}\n`).replace(/\n\s*/g, ''),
      // an svg icon as the cucumber HTML report carries it
      JSON.stringify({
        icon: `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M1.5 2h13v12h-13z"/></svg>').toString('base64')}`,
      }),
    ].join('\n') + '\n',
  );
  // binary noise (deterministic) and text in Japanese
  let a = 7;
  const noise = Buffer.alloc(64 * 1024);
  for (let i = 0; i < noise.length; i++) noise[i] = (a = (Math.imul(a, 1103515245) + 12345) >>> 0) >>> 24;
  const bin = write('clean/noise.bin', noise);
  const ja = write('clean/traceability.md', '| DOM-PIN-2 | 暗証番号を3回誤るとロック | 12 scenarios | PASS |\n');
  expect(scanPaths([join(root, 'clean')]).map((f) => formatFinding(f, root))).to.deep.equal([]);
  expect(scanBuffer(Buffer.from(`x ${INVALID} y`), file)).to.deep.equal([]);
  expect([bin, ja]).to.have.length(2);
});

test('directories named coverage, .c8-tmp and screenshots are skipped unless asked for', () => {
  const dir = join(root, 'skips');
  write('skips/coverage/lcov-report/cards.ts.html', `<span>pin: '${SYNTHETIC_PINS[0]}'</span>`);
  write('skips/.c8-tmp/coverage-1.json', JSON.stringify({ source: `const base = { pin: '${SYNTHETIC_PINS[0]}' }` }));
  write('skips/screenshots/P106-2-date.png', Buffer.concat([PNG, randomBytes(32)]));
  expect(scanPaths([dir])).to.deep.equal([]);
  expect(
    scanPaths([dir], { all: true })
      .map((f) => f.kind)
      .sort(),
  ).to.deep.equal(['image', 'pin', 'pin']);
  // A path given explicitly is scanned even if it is one of those names.
  expect(scanPaths([join(dir, 'screenshots')])).to.have.length(1);
});

test('the CLI exits 1 and lists findings on a leak, 0 when clean', () => {
  // Run from the temp dir, as CI runs it from the repository: paths print relative to the cwd.
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['-r', require.resolve('ts-node/register'), join(__dirname, 'privacy-scan.ts'), ...args], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') },
    });
  write('cli/reports/app.log', `{"level":30,"msg":"ok"}\n{"level":30,"req":{"body":{"pin":"1234"}}}\n`);
  const leak = run('cli/reports');
  expect(leak.status, leak.stderr).to.equal(1);
  expect(leak.stdout).to.include('cli/reports/app.log:2 (byte 52, text) pin: 4-digit value **** of key "pin"');
  expect(leak.stdout).to.match(/1 findings \(0 個人番号, 1 PIN, 0 image, 0 目視モード用パスワード\)/);
  const clean = run('clean', 'missing-dir');
  expect(clean.status, clean.stdout + clean.stderr).to.equal(0);
  expect(clean.stdout).to.include('clean');
  expect(run('--bogus').status).to.equal(2);
});
