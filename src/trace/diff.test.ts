import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { compareTraces, lcsPairs, parseTolerance, prepareTrace, relativeDate } from './diff';
import { runTraceDiff } from './diff-main';
import { runTrace } from './trace-main';
import { runCaptured } from './test-cli';
import { parseTrace, serializeTrace, type Trace, type TraceFrame } from './format';

const GOLDEN = join(__dirname, '..', '..', 'features', 'golden');
const golden = (name: string): Trace => parseTrace(readFileSync(join(GOLDEN, `${name}.ndjson`), 'utf8'));
const copy = (t: Trace): Trace => structuredClone(t);
const named = (t: Trace, name: string, n = 0) => t.frames.filter((f) => f.msg && 'name' in f.msg && f.msg.name === name)[n]!;
const fieldsOf = (f: TraceFrame) => (f.msg as { fields: Record<string, number | string> }).fields;

test('a golden trace against itself, and against a run with other txIds, card ids and reader identity, is the same', () => {
  const a = golden('match-error-pin-fallback');
  expect(compareTraces(a, a).verdict).to.equal('same');
  const b = copy(a);
  for (const f of b.frames) {
    const fields = f.msg && 'fields' in f.msg ? (f.msg.fields as Record<string, number | string>) : {};
    if ('txId' in fields) fields.txId = Number(fields.txId) + 1_795_480_200;
    if ('cardId' in fields) fields.cardId = 'f'.repeat(32);
    if ('serial' in fields) fields.serial = 'REAL-0042';
    f.t = f.t * 1.1 + 7; // a real line: a little slower and later throughout
  }
  b.header.readers[0]!.path = '/dev/ttyUSB0';
  for (const f of b.frames) f.path = '/dev/ttyUSB0';
  const c = compareTraces(a, b);
  expect(c.counts).to.include({ onlyA: 0, onlyB: 0, fieldDiffs: 0, slow: 0 });
  expect(c.counts.timed).to.be.greaterThan(5);
  expect(c.verdict).to.equal('same');
});

test('a dropped frame is a message only in A; the rest stays aligned', () => {
  const a = golden('match-error-pin-fallback');
  const b = copy(a);
  b.frames.splice(b.frames.indexOf(named(b, 'screenShown', 2)), 1); // 照合エラー: screens 2, 3, then 4
  const c = compareTraces(a, b);
  expect(c.verdict).to.equal('differs');
  expect(c.counts).to.include({ onlyA: 1, onlyB: 0, fieldDiffs: 0 });
  const only = c.entries.find((e) => e.a && !e.b)!;
  expect(only.a!.msg).to.include({ name: 'screenShown' });
  expect(only.a!.msg.fields).to.deep.equal({ screen: 4 });
  // The swap the other way round is a message only in B.
  expect(compareTraces(b, a).counts).to.include({ onlyA: 0, onlyB: 1 });
});

test('a changed field names the field and both values', () => {
  const a = golden('match-error-pin-fallback');
  const b = copy(a);
  fieldsOf(named(b, 'faceResult')).score = 45;
  const c = compareTraces(a, b);
  expect(c.verdict).to.equal('differs');
  expect(c.counts).to.include({ onlyA: 0, onlyB: 0, fieldDiffs: 1 });
  expect(c.entries.find((e) => e.fields.length)!.fields).to.deep.equal([{ field: 'score', a: 31, b: 45 }]);
});

test('a slowed device step is a timing difference only, judged against the tolerance', () => {
  const a = golden('match-error-pin-fallback');
  const slowed = (ms: number) => {
    const b = copy(a);
    // The reader's own fall-back to the PIN, 2000 ms after 照合エラー in A.
    const from = b.frames.indexOf(named(b, 'methodChosen', 1));
    for (const f of b.frames.slice(from)) f.t += ms;
    return b;
  };
  const c = compareTraces(a, slowed(2000));
  expect(c.verdict).to.equal('timing');
  expect(c.counts).to.include({ slow: 1, onlyA: 0, onlyB: 0, fieldDiffs: 0 });
  const step = c.entries.find((e) => e.timing && !e.timing.within)!;
  expect(step.a!.msg.name).to.equal('methodChosen');
  expect(step.timing).to.include({ a: 2000, b: 4000 });
  // 250 ms + 20% of 2300 ms = 710 ms allowed: 300 ms later is within; so is 2000 ms with a wide tolerance.
  expect(compareTraces(a, slowed(300)).verdict).to.equal('same');
  expect(compareTraces(a, slowed(2000), { tolerance: { ms: 0, pct: 60 } }).verdict).to.equal('same');
  expect(compareTraces(a, slowed(2000), { tolerance: { ms: 100, pct: 0 } }).verdict).to.equal('timing');
  // A patient's pace is not the device's: a card placed a minute later is no timing difference.
  const late = copy(a);
  const placed = late.frames.indexOf(named(late, 'cardPlaced'));
  for (const f of late.frames.slice(placed)) f.t += 60_000;
  expect(compareTraces(a, late).verdict).to.equal('same');
});

test("a frame a tap dropped (TAP_FAULT_DROP) never reached the other side: set aside, so the reader's resend is the one compared", () => {
  const a = golden('face-auth-unattended');
  const b = copy(a);
  // As oqs-reader tap records a drop toward the host: the frame, marked, then the reader's resend.
  const event = named(b, 'identityConfirmed');
  const dropped = { ...structuredClone(event), error: 'TAP_FAULT_DROP: injected by the tap toward the host: the frame is not delivered' };
  b.frames.splice(b.frames.indexOf(event), 0, dropped);
  const c = compareTraces(a, b);
  expect(c.verdict).to.equal('same');
  expect(c.b).to.include({ retransmits: 0, droppedByTap: 1 });
  expect(c.a).to.include({ droppedByTap: 0 });
});

test('repeated frames (retransmissions, duplicates) and heartbeat polls are set aside and counted', () => {
  const a = golden('face-auth-unattended');
  const b = copy(a);
  const event = named(b, 'methodChosen');
  b.frames.splice(b.frames.indexOf(event) + 1, 0, structuredClone(event)); // the same SEQ again: a repeat
  const poll: TraceFrame[] = [
    { t: 5000, path: '/dev/ttyEMU0', dir: 'h2r', hex: '', msg: { kind: 'command', seq: 9, name: 'getStatus', fields: {} } },
    {
      t: 5000,
      path: '/dev/ttyEMU0',
      dir: 'r2h',
      hex: '',
      msg: { kind: 'response', seq: 20, name: 'getStatus', reqSeq: 9, status: 'ok', fields: { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 1 } },
    },
    { t: 5000, path: '/dev/ttyEMU0', dir: 'r2h', hex: 'a5ff', msg: null, error: 'bad CRC' },
  ];
  b.frames.push(...poll);
  const c = compareTraces(a, b);
  expect(c.verdict).to.equal('same');
  expect(c.b).to.include({ retransmits: 1, polls: 4, undecodable: 1 });
  expect(c.a).to.include({ retransmits: 0, polls: 2 }); // the attach's getStatus and its answer
  expect(compareTraces(a, b, { withPolls: true }).counts).to.include({ onlyB: 2 });
});

test('parseTolerance, relativeDate and lcsPairs', () => {
  expect(parseTolerance('300')).to.deep.equal({ ms: 300, pct: 0 });
  expect(parseTolerance('300ms')).to.deep.equal({ ms: 300, pct: 0 });
  expect(parseTolerance('20%')).to.deep.equal({ ms: 0, pct: 20 });
  expect(parseTolerance('250ms+20%')).to.deep.equal({ ms: 250, pct: 20 });
  for (const bad of ['', 'fast', '-5', '20%%', 'ms']) expect(parseTolerance(bad), bad).to.equal(null);
  expect(relativeDate('20261124', '2026-11-24T01:00:00.000Z')).to.equal('today');
  expect(relativeDate('20261123', '2026-11-23T16:00:00.000Z')).to.equal('today-1'); // 01:00 JST on the 24th
  expect(relativeDate('20261201', '2026-11-24T01:00:00.000Z')).to.equal('today+7');
  expect(lcsPairs(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd'])).to.deep.equal([
    [0, 0],
    [2, 1],
    [3, 3],
  ]);
  expect(lcsPairs([], ['a'])).to.deep.equal([]);
});

test('oqs-reader trace diff: text in Japanese and English, --json, exit codes 0/1/3/4 and usage errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = golden('match-error-pin-fallback');
  const write = (name: string, trace: Trace) => {
    writeFileSync(join(dir, name), serializeTrace(trace));
    return join(dir, name);
  };
  const fa = write('a.ndjson', a);
  const changed = copy(a);
  fieldsOf(named(changed, 'pinResult')).triesLeft = 1;
  const fb = write('b.ndjson', changed);
  const slow = copy(a);
  for (const f of slow.frames.slice(slow.frames.indexOf(named(slow, 'methodChosen', 1)))) f.t += 5000;
  const fs = write('slow.ndjson', slow);
  const run = (...argv: string[]) => runCaptured(runTraceDiff, argv);
  const same = await run(fa, fa);
  expect(same.code).to.equal(0);
  expect(same.out).to.include('判定: 同じ');
  expect(same.out).to.include('verdict: same');
  const differs = await run(fa, fb);
  expect(differs.code).to.equal(1);
  expect(differs.out).to.match(/~ .*pinResult {2}triesLeft: 2 ≠ 1/);
  expect(differs.out).to.include('判定: 違いあり');
  const timing = await run(fa, fs);
  expect(timing.code).to.equal(3);
  expect(timing.out).to.match(/⏱ .*methodChosen {2}after 2000\.000 ms in A, 7000\.000 ms in B/);
  expect(timing.out).to.include('verdict: differs in timing only');
  const json = JSON.parse((await run(fa, fb, '--json')).out) as { verdict: string; exitCode: number; differences: Array<{ type: string; fields: unknown }> };
  expect(json).to.include({ verdict: 'differs', exitCode: 1 });
  expect(json.differences).to.deep.equal([
    {
      ...json.differences[0],
      type: 'fields',
      fields: [{ field: 'triesLeft', a: 2, b: 1 }],
    },
  ]);
  expect((await run(fa, fs, '--tolerance', '6000')).code).to.equal(0);
  const badTol = await run(fa, fb, '--tolerance', 'soon');
  expect(badTol.code).to.equal(2);
  expect(badTol.err).to.match(/^oqs-reader trace diff: --tolerance must be/);
  expect((await run(fa)).code).to.equal(2);
  const missing = await run(fa, join(dir, 'nope.ndjson'));
  expect(missing.code).to.equal(4);
  expect(missing.err).to.match(/nope\.ndjson: ENOENT/);
  expect((await run('--help')).out).to.match(/^usage: oqs-reader trace diff A B/);
});

test('a 資格確認日 is the same when it is the same date, or the same day of its run (today on each)', () => {
  const a = golden('visual-check'); // started 2026-11-24, checked for 2026/11/24
  const dated = (startedAt: string, date: string) => {
    const b = copy(a);
    b.header.startedAt = startedAt;
    fieldsOf(named(b, 'startVisualCheck')).confirmationDate = date;
    return compareTraces(a, b);
  };
  expect(dated('2026-12-02T01:00:00.000Z', '20261202').verdict).to.equal('same'); // today on both runs
  expect(dated('2026-12-02T01:00:00.000Z', '20261124').verdict).to.equal('same'); // the same date
  const c = dated('2026-11-24T01:00:00.000Z', '20261120');
  expect(c.verdict).to.equal('differs');
  expect(c.entries.find((e) => e.fields.length)!.fields).to.deep.equal([{ field: 'confirmationDate', a: '20261124', b: '20261120' }]);
});

test('after a hello, old events sent again first are repeats; a new session that looks the same is not', () => {
  const a = golden('face-auth-unattended');
  const twice = copy(a);
  const again = structuredClone(a.frames).map((f) => ({ ...f, t: f.t + 10_000 }));
  for (const f of again) if (f.msg && 'fields' in f.msg && 'txId' in f.msg.fields) fieldsOf(f).txId = Number(fieldsOf(f).txId) + 1;
  twice.frames.push(...again);
  expect(prepareTrace(twice)).to.include({ retransmits: 0 });
  expect(compareTraces(twice, twice).verdict).to.equal('same');
  // The last event's ACK lost; the host says hello again; the reader sends the event again first.
  const resent = copy(a);
  const last = resent.frames.findLast((f) => f.dir === 'r2h' && f.msg?.kind === 'event')!;
  const hello = resent.frames.slice(0, 2).map((f) => ({ ...structuredClone(f), t: 9000 }));
  resent.frames.push(...hello, { ...structuredClone(last), t: 9001 });
  expect(prepareTrace(resent)).to.include({ retransmits: 1 });
});

test('oqs-reader trace diff and trace to-scenario are subcommands of oqs-reader trace', async () => {
  for (const sub of ['diff', 'to-scenario']) {
    const r = await runCaptured((argv, out, err) => runTrace(argv, out, err), [sub, '--help']);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(new RegExp(`^usage: oqs-reader trace ${sub} `));
  }
});
