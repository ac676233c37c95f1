import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeEvent, encodeResponse } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { OqsError, ReaderRefusedError } from './errors';
import { ReaderLink } from './link';
import { FakePort, setup, watch, flush } from './test-link';

test('a command with no answer rejects with OQS_ERR_READER_TIMEOUT after exactly commandTimeoutMs of virtual time', async () => {
  const { clock, link } = setup(500);
  const w = watch(link.request('getStatus', {}));
  await clock.advance(499);
  expect(w.settled).to.equal(false);
  await clock.advance(1);
  expect(w.settled).to.equal(true);
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
  expect((w.error as Error).message)
    .to.include('getStatus')
    .and.include('500');
  expect(clock.now()).to.equal(500);
  expect(clock.pending()).to.deep.equal([]);
});

test('a per-request timeout overrides commandTimeoutMs', async () => {
  const { clock, link } = setup(500);
  const t0 = clock.now();
  const err = await clock.resolve(link.request('getStatus', {}, 2000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
  expect(clock.now() - t0).to.equal(2000);
});

test('an ok response resolves with its fields and cancels the timeout', async () => {
  const { clock, port, link } = setup();
  const p = link.request('setMode', { mode: 2 });
  port.receive(encodeResponse('setMode', 9, port.lastCommandSeq(), 'ok', { mode: 2 }));
  expect(await p).to.deep.equal({ mode: 2 });
  expect(clock.pending()).to.deep.equal([]);
});

test('a non-ok response rejects with OQS_ERR_READER_REFUSED carrying the status', async () => {
  const { clock, port, link } = setup();
  const w = watch(link.request('setMode', { mode: 3 }));
  port.receive(encodeResponse('setMode', 9, port.lastCommandSeq(), 'busy'));
  await flush();
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_REFUSED');
  expect(w.error).to.have.property('status', 'busy');
  expect((w.error as Error).message)
    .to.include('setMode')
    .and.include('busy');
  expect(clock.pending()).to.deep.equal([]);
});

test('a refusal is a ReaderRefusedError: command and status typed, readable without a cast', async () => {
  const { port, link } = setup();
  const refusal = link.request('startVisualCheck', { checkId: 1, confirmationDate: '20261202' }).catch((e: unknown) => e);
  port.receive(encodeResponse('startVisualCheck', 9, port.lastCommandSeq(), 'badState'));
  const err = await refusal;
  expect(err).to.be.instanceOf(ReaderRefusedError);
  const refused = err as ReaderRefusedError;
  expect([refused.code, refused.command, refused.status, refused.fault]).to.deep.equal(['OQS_ERR_READER_REFUSED', 'startVisualCheck', 'badState', 'peer']);
  expect(refused.messageJa).to.equal('顔認証付きカードリーダーが操作を受け付けませんでした。');
});

test('the link counts frames in and out (ACKs and repeats included) in the shared LinkStats shape', async () => {
  const { clock, port, link } = setup(300);
  const p = link.request('getStatus', {});
  p.catch(() => undefined);
  await clock.advance(299); // the command and its two repeats
  port.receive(encodeEvent('screenShown', 1, { screen: 2 })); // one in, its ACK out
  port.receive(encodeResponse('getStatus', 2, port.lastCommandSeq(), 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 2, txId: 0 }));
  await p;
  expect(link.stats).to.deep.equal({
    framesIn: 2,
    framesOut: 4,
    badFrames: 0,
    commandRetries: 2,
    duplicateEvents: 0,
    acksIn: 0,
    retransmits: 0,
    duplicateCommands: 0,
  });
});

test('a response is matched by reqSeq and name, not by arrival order', async () => {
  const { port, link } = setup();
  const first = watch(link.request('getStatus', {}));
  const firstSeq = port.lastCommandSeq();
  const second = watch(link.request('setMode', { mode: 1 }));
  const secondSeq = port.lastCommandSeq();
  expect(secondSeq).to.not.equal(firstSeq);
  port.receive(encodeResponse('setMode', 20, secondSeq, 'ok', { mode: 1 }));
  // a response naming the wrong command for a pending seq is ignored
  port.receive(encodeResponse('reset', 21, firstSeq, 'ok'));
  await flush();
  expect(second.value).to.deep.equal({ mode: 1 });
  expect(first.settled).to.equal(false);
  port.receive(encodeResponse('getStatus', 22, firstSeq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(first.value).to.include({ mode: 1, screen: 1 });
});

test('the port closing rejects pending commands with OQS_ERR_READER_DISCONNECTED and emits close', async () => {
  const { clock, port, link } = setup();
  let closes = 0;
  link.on('close', () => closes++);
  const a = watch(link.request('getStatus', {}));
  const b = watch(link.request('reset', {}));
  port.isOpen = false;
  port.emit('close');
  await flush();
  for (const w of [a, b]) {
    expect(w.error).to.be.instanceOf(OqsError);
    expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  }
  expect(closes).to.equal(1);
  expect(link.isOpen).to.equal(false);
  expect(clock.pending()).to.deep.equal([]);
});

test('link.close() rejects pending commands with OQS_ERR_READER_DISCONNECTED', async () => {
  const { port, link } = setup();
  const w = watch(link.request('getStatus', {}));
  await link.close();
  await flush();
  expect(port.isOpen).to.equal(false);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
});

test('a request on a closed link rejects at once and writes nothing', async () => {
  const { clock, port, link } = setup();
  await link.close();
  const before = port.written.length;
  const w = watch(link.request('getStatus', {}));
  await flush();
  expect(w.settled).to.equal(true);
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  expect(port.written.length).to.equal(before);
  expect(clock.pending()).to.deep.equal([]);
  expect(clock.now()).to.equal(0);
});

test('a write error rejects the command with OQS_ERR_READER_DISCONNECTED and clears its timer', async () => {
  const { clock, port, link } = setup();
  port.write = (data: Buffer, cb: (err?: Error | null) => void) => {
    port.written.push(Buffer.from(data));
    cb(new Error('EIO'));
    return false;
  };
  const w = watch(link.request('getStatus', {}));
  await flush();
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  expect(clock.pending()).to.deep.equal([]);
});

test('a late response for a timed-out command is ignored and does not answer the next command', async () => {
  const { clock, port, link, errors } = setup(500);
  const late = watch(link.request('getStatus', {}));
  const lateSeq = port.lastCommandSeq();
  await clock.advance(500);
  expect(late.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');

  const next = watch(link.request('getStatus', {}));
  const nextSeq = port.lastCommandSeq();
  port.receive(encodeResponse('getStatus', 30, lateSeq, 'ok', { mode: 3, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(next.settled).to.equal(false);
  expect(errors).to.deep.equal([]);

  port.receive(encodeResponse('getStatus', 31, nextSeq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(next.value).to.include({ mode: 1 });
});

test('a command without an answer is sent again with the same SEQ, then times out', async () => {
  const { port, link, clock } = setup();
  const p = link.request('getStatus', {});
  p.catch(() => undefined);
  await clock.advance(link.commandTimeoutMs - 1);
  const sent = port.sent().filter((m) => m.kind === 'command');
  expect(sent).to.have.length(3);
  expect(new Set(sent.map((m) => m.seq)).size).to.equal(1);
  expect(link.stats.commandRetries).to.equal(2);
  await clock.advance(1);
  let err: unknown;
  await p.catch((e) => (err = e));
  expect(err).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
});

test('property: a command answered t ms after it was sent was written 1 + ⌊t / (timeout/attempts)⌋ times (at most attempts), always with one SEQ, and resolves only if t < timeout', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 0, max: 2000 }),
      async (attempts, intervalMs, tRaw) => {
        const timeoutMs = intervalMs * attempts;
        const t = tRaw % (timeoutMs + intervalMs);
        const clock = new VirtualClock(0);
        const port = new FakePort();
        const link = new ReaderLink(port, clock, timeoutMs, attempts);
        const w = watch(link.request('getStatus', {}));
        await clock.advance(t);
        const commands = port.sent().filter((m) => m.kind === 'command');
        if (commands.length > 0)
          port.receive(encodeResponse('getStatus', 0, commands[0]!.seq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
        await flush();
        expect(commands).to.have.length(t < timeoutMs ? Math.min(attempts, 1 + Math.floor(t / intervalMs)) : attempts);
        expect(new Set(commands.map((m) => m.seq)).size).to.equal(1);
        expect(link.stats.commandRetries).to.equal(commands.length - 1);
        expect(w.error === undefined, `t=${t} timeout=${timeoutMs}`).to.equal(t < timeoutMs);
        if (t >= timeoutMs) expect(w.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
        expect(clock.pending()).to.deep.equal([]);
      },
    ),
  );
});
