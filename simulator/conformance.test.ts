/**
 * Conformance of the emulated reader to the numbered rules of docs/protocol.md, over the wire:
 * bytes in, bytes out, nothing but src/protocol to read them. Each test names its rule IDs
 * (scripts/protocol-rules.cjs finds them here). Rules about the device's patient flow are also in
 * reader-model.test.ts, rules about the link's SEQs and repeats in link-device.test.ts.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  FrameDecoder,
  Mode,
  ReaderState,
  decodeMessage,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeFrame,
  encodeResponse,
  type Message,
} from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { profileNames } from './cards';
import { EmulatedReader } from './emulated-reader';
import { PATIENT_ACTS } from './test-flows';

/** A reader on a wire; the host side is the test. Link timers on their own clock (`link`). */
function wire(opts: { txIdSeed?: number; ackAtOnce?: boolean } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const link = new VirtualClock(0);
  const reader = new EmulatedReader({ clock, linkClock: link, txIdSeed: opts.txIdSeed ?? 100 });
  const got: Message[] = [];
  let hostSeq = 0;
  const decoder = new FrameDecoder((f) => {
    const m = decodeMessage(f);
    got.push(m);
    if (m.kind === 'event' && opts.ackAtOnce !== false) queueMicrotask(() => reader.feed(encodeAck(hostSeq++ & 0xff, f.seq)));
  });
  reader.connect((b) => decoder.push(b));
  const send = (name: Parameters<typeof encodeCommand>[0], fields: object): number => {
    const seq = hostSeq++ & 0xff;
    reader.feed(encodeCommand(name, seq, fields as never));
    return seq;
  };
  const settle = async (fn: () => unknown = () => undefined) => {
    await clock.resolve(Promise.resolve().then(fn));
    await clock.runUntilIdle();
  };
  const responses = () => got.filter((m): m is Extract<Message, { kind: 'response' }> => m.kind === 'response');
  const events = (name?: string) => got.filter((m): m is Extract<Message, { kind: 'event' }> => m.kind === 'event' && (!name || m.name === name));
  return { clock, link, reader, got, send, settle, responses, events };
}

test('PR-3.3-1 hello version 1 is answered ok with the identity; any other version badVersion', async () => {
  const w = wire();
  w.send('hello', { protocolVersion: 1, host: 'oqs-reader' });
  w.send('hello', { protocolVersion: 2, host: 'oqs-reader' });
  await w.settle();
  const [ok, bad] = w.responses();
  expect(ok).to.include({ name: 'hello', status: 'ok', reqSeq: 0 });
  expect(ok!.fields).to.include({ protocolVersion: 1, serial: 'EMU-0001', capabilities: 0x7f });
  expect(bad).to.deep.include({ name: 'hello', status: 'badVersion', reqSeq: 1, fields: {} });
});

test('PR-3.3-2 getStatus reports the txId counter: txIdSeed before the first transaction, then the current txId', async () => {
  const w = wire({ txIdSeed: 4242 });
  w.send('getStatus', {});
  await w.settle(() => w.reader.placeCard('normal'));
  w.send('getStatus', {});
  await w.settle();
  const [before, after] = w.responses();
  expect(before!.fields).to.deep.equal({ mode: Mode.unattended, state: ReaderState.idle, cardPresent: 0, screen: 1, txId: 4242 });
  expect(w.events('cardPlaced')[0]!.fields.txId).to.equal(4243);
  expect(after!.fields).to.include({ state: ReaderState.methodSelect, cardPresent: 1, txId: 4243 });
});

test('PR-3.3-3 on the wire: setMode to another mode while the patient chooses is busy, no fields, no new transaction', async () => {
  const w = wire();
  await w.settle(() => w.reader.placeCard('normal'));
  const before = w.events().length;
  const seq = w.send('setMode', { mode: Mode.pinOnly });
  await w.settle();
  expect(w.responses().at(-1)).to.deep.include({ name: 'setMode', reqSeq: seq, status: 'busy', fields: {} });
  expect(w.events().length).to.equal(before);
  w.send('setMode', { mode: Mode.unattended });
  await w.settle();
  expect(w.responses().at(-1)).to.deep.include({ status: 'ok', fields: { mode: Mode.unattended } });
});

test('PR-3.3-4 PR-3.3-5 startVisualCheck is badState outside 目視確認, executeVisualCheck badState without the armed check', async () => {
  const w = wire();
  w.send('startVisualCheck', { checkId: 1, confirmationDate: '20261124' });
  w.send('executeVisualCheck', { checkId: 1 });
  await w.settle();
  expect(w.responses().map((r) => r.status)).to.deep.equal(['badState', 'badState']);
});

test('PR-3.3-7 PR-5-2 reset mid-flow: the ok response first, then identityFailed cancelled for that txId', async () => {
  const w = wire();
  await w.settle(() => w.reader.placeCard('normal'));
  await w.settle(() => w.reader.chooseMethod('face'));
  const tx = w.reader.model.txId;
  const from = w.got.length;
  w.send('reset', {});
  await w.settle();
  const after = w.got.slice(from);
  expect(after[0]).to.include({ kind: 'response', name: 'reset', status: 'ok' });
  expect(
    after
      .slice(1)
      .filter((m) => m.kind === 'event')
      .map((m) => (m as { name: string }).name),
  ).to.deep.equal(['identityFailed', 'screenShown']);
  expect(w.events('identityFailed').at(-1)!.fields).to.deep.equal({ txId: tx, reason: 7 });
});

type HostAct = 'reset' | 'cancelVisualCheck' | 'setMode unattended' | 'setMode visual' | 'setMode pinOnly' | 'startVisualCheck' | 'executeVisualCheck';
const HOST_ACTS: HostAct[] = [
  'reset',
  'cancelVisualCheck',
  'setMode unattended',
  'setMode visual',
  'setMode pinOnly',
  'startVisualCheck',
  'executeVisualCheck',
];

test('PR-3.4-2 PR-3.4-1 every transaction gets exactly one outcome before its cardRemoved, whatever patient and host do', async () => {
  const step = fc.oneof(fc.constantFrom(...PATIENT_ACTS), fc.constantFrom(...HOST_ACTS));
  const visit = fc.tuple(fc.constantFrom(...profileNames()), fc.array(step, { maxLength: 8 }));
  await fc.assert(
    fc.asyncProperty(fc.array(visit, { minLength: 1, maxLength: 12 }), async (visits) => {
      const w = wire();
      for (const [profile, steps] of visits) {
        await w.settle(() => w.reader.placeCard(profile));
        for (const s of steps) {
          if (typeof s === 'object') await w.settle(() => w.reader.stimulate(s)).catch(() => undefined);
          else if (s.startsWith('setMode')) w.send('setMode', { mode: Mode[s.slice(8) as 'unattended'] });
          else if (s === 'startVisualCheck') w.send('startVisualCheck', { checkId: 9, confirmationDate: '20261124' });
          else if (s === 'executeVisualCheck') w.send('executeVisualCheck', { checkId: 9 });
          else w.send(s as 'reset' | 'cancelVisualCheck', {});
          await w.settle();
        }
        await w.settle(() => w.reader.removeCard());
      }
      const outcomes = new Map<number, number>();
      const placed: number[] = [];
      for (const e of w.events()) {
        const tx = Number(e.fields.txId);
        if (e.name === 'cardPlaced') {
          if (placed.length) expect(tx, 'txId one more than the last').to.equal(placed.at(-1)! + 1);
          placed.push(tx);
        }
        if (e.name === 'identityConfirmed' || e.name === 'identityFailed') outcomes.set(tx, (outcomes.get(tx) ?? 0) + 1);
        if (e.name === 'cardRemoved') expect(outcomes.get(tx), `outcome of txId ${tx} before its cardRemoved`).to.equal(1);
      }
      for (const tx of placed) expect(outcomes.get(tx), `outcomes of txId ${tx}`).to.equal(1);
    }),
    { numRuns: 60 },
  );
});

test('PR-3.4-3 a power cycle: readerReset is the first frame, with SEQ 0; a card left on is read after the first setMode', async () => {
  const w = wire();
  w.send('setMode', { mode: Mode.pinOnly });
  await w.settle(() => w.reader.placeCard('normal'));
  const tx = w.reader.model.txId;
  const from = w.got.length;
  await w.settle(() => w.reader.reboot());
  const boot = w.got.slice(from);
  expect(boot[0]).to.include({ kind: 'event', name: 'readerReset', seq: 0 });
  expect(boot.map((m) => (m as { name?: string }).name)).to.deep.equal(['readerReset', 'screenShown']);
  w.send('getStatus', {});
  await w.settle();
  expect(w.responses().at(-1)!.fields).to.include({ mode: Mode.unattended, state: ReaderState.idle, cardPresent: 1 });
  const seq = w.send('setMode', { mode: Mode.pinOnly });
  await w.settle();
  const tail = w.got.slice(w.got.findIndex((m) => m.kind === 'response' && m.reqSeq === seq && m.name === 'setMode'));
  expect(tail[0]).to.include({ status: 'ok' });
  expect(
    tail
      .filter((m) => m.kind === 'event')
      .slice(0, 2)
      .map((m) => [(m as { name: string }).name, (m as { fields: { txId?: number } }).fields.txId]),
  ).to.deep.equal([
    ['cardPlaced', tx + 1],
    ['methodChosen', tx + 1],
  ]);
});

test('PR-3.5-3 the reader ignores events, responses, ACKs of nothing and reserved types: no answer, no state change', async () => {
  const w = wire();
  w.reader.feed(encodeEvent('screenShown', 0, { screen: 1 }));
  w.reader.feed(encodeResponse('getStatus', 1, 0, 'busy'));
  w.reader.feed(encodeAck(2, 77));
  for (const type of [0x00, 0x02, 0x0f, 0x7f, 0xc0, 0xff]) w.reader.feed(encodeFrame({ seq: 3, type, payload: Buffer.alloc(0) }));
  await w.settle();
  expect(w.got).to.deep.equal([]);
  expect(w.reader.model.state).to.equal('idle');
});

test('PR-5-4 an unACKed event is sent again byte for byte after 0.5, 1, 2, 4, 4, 4, 4, 4 s of link time, then held until hello', async () => {
  const w = wire({ ackAtOnce: false });
  const sent: Array<{ at: number; hex: string }> = [];
  const t0 = w.link.now();
  w.reader.connect((b) => sent.push({ at: w.link.now() - t0, hex: b.toString('hex') }));
  w.reader.model.emit('noop');
  await w.settle(() => w.reader.placeCard('certExpired')); // cardPlaced, identityFailed, screenShown
  const first = sent.filter((s) => s.at === 0).map((s) => s.hex);
  expect(first).to.have.length(3);
  await w.link.advance(60_000);
  const times = [...new Set(sent.map((s) => s.at))];
  expect(times).to.deep.equal([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500]);
  for (const at of times)
    expect(
      sent.filter((s) => s.at === at).map((s) => s.hex),
      `at ${at} ms`,
    ).to.deep.equal(first);
  expect(w.reader.link.unacked.size, 'held, not given up').to.equal(3);
  const before = sent.length;
  w.reader.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' }));
  await Promise.resolve();
  expect(
    sent.slice(before + 1).map((s) => s.hex),
    'replayed after the hello response, in order',
  ).to.deep.equal(first);
});

test('PR-5-7 a repeated command is answered from the cache, not run twice; after 10 s the same bytes are a new command', async () => {
  const w = wire();
  await w.settle(() => w.reader.placeCard('normal'));
  w.send('hello', { protocolVersion: 1, host: 'h' });
  const seq = w.send('reset', {});
  await w.settle();
  const failures = w.events('identityFailed').length;
  const response = w.responses().at(-1)!;
  w.reader.feed(encodeCommand('reset', seq, {}));
  await w.settle();
  expect(w.responses().at(-1)).to.deep.equal(response); // same bytes, its original SEQ too
  expect(w.reader.link.stats.duplicateCommands).to.equal(1);
  expect(w.events('identityFailed')).to.have.length(failures);
  await w.link.advance(10_001);
  w.reader.feed(encodeCommand('reset', seq, {}));
  await w.settle();
  expect(w.reader.link.stats.duplicateCommands).to.equal(1);
  expect(w.responses().at(-1)!.seq).to.not.equal(response.seq);
});

test('PR-5-6 a hello ends the command cache: the same command bytes after it are run again', async () => {
  const w = wire();
  w.send('hello', { protocolVersion: 1, host: 'h' });
  w.reader.feed(encodeCommand('setMode', 1, { mode: Mode.visual }));
  await w.settle();
  w.reader.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' })); // a restarted host
  w.reader.feed(encodeCommand('setMode', 1, { mode: Mode.visual }));
  await w.settle();
  expect(w.reader.link.stats.duplicateCommands).to.equal(0);
  expect(w.responses().map((r) => r.seq)).to.deep.equal([0, 1, 2, 3]);
});

test('PR-4.9-1 a reader without pinOnlyMode and visualCheck refuses what needs them with unsupported, and nothing changes', async () => {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock, identity: { capabilities: ['face', 'pin', 'consent'] } });
  const got: Message[] = [];
  reader.connect((b) => new FrameDecoder((f) => got.push(decodeMessage(f))).push(b));
  reader.feed(encodeCommand('setMode', 0, { mode: Mode.pinOnly }));
  reader.feed(encodeCommand('setMode', 1, { mode: Mode.visual }));
  reader.feed(encodeCommand('startVisualCheck', 2, { checkId: 1, confirmationDate: '20261124' }));
  reader.feed(encodeCommand('executeVisualCheck', 3, { checkId: 1 }));
  reader.feed(encodeCommand('cancelVisualCheck', 4, {}));
  reader.feed(encodeCommand('setMode', 5, { mode: Mode.unattended }));
  expect(got.map((m) => (m.kind === 'response' ? m.status : m.kind))).to.deep.equal([
    'unsupported',
    'unsupported',
    'unsupported',
    'unsupported',
    'unsupported',
    'ok',
  ]);
  expect(reader.model.mode).to.equal('unattended');
});
