/**
 * Network readers under the product's own supervision (issue 12 items 1 and 4): the controller
 * assembly (assemble(), as `oqs-reader start` builds it) with readerBinding, against an emulated
 * reader served on 127.0.0.1 as `emulate --listen` serves it, and against servers that misbehave.
 * The controller's clock is virtual and moves only when a test says so; waits are for real
 * socket events.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { negotiation, IAC } from './telnet';
import { closedPort, testServer } from './test-net';
import { netController, netReader, when } from './test-net-reader';

for (const scheme of ['tcp', 'rfc2217'] as const) {
  test(`${scheme}: hello, getStatus and a confirmation; the peer closes mid-frame; reconnect; the confirmation made meanwhile is recorded once`, async (t) => {
    const r = await netReader(scheme);
    t.after(() => r.close());
    const { a, clock, seen, supervisor } = netController([r.url]);
    t.after(() => a.close());
    expect(await a.firstAttempts).to.deep.equal([true]);
    expect(supervisor.client!.identity?.serial).to.equal('EMU-NET-0001');
    expect((await supervisor.client!.getStatus()).mode).to.be.a('number');

    const confirm = async () => {
      await r.device(Promise.resolve(r.reader.placeCard('normal')));
      await r.device(Promise.resolve(r.reader.chooseMethod('face')));
      await r.device(Promise.resolve(r.reader.presentFace()));
      await r.device(Promise.resolve(r.reader.stimulate({ action: 'removeCard' })));
    };
    await confirm();
    await r.device(when(() => a.terminal.records().length === 1));
    expect(a.terminal.records()[0]).to.include({ outcome: 'confirmed' });

    // Half a frame, then the serial server drops the connection.
    r.socket()!.end(Buffer.of(0xa5, 0x00));
    await supervisor.until('disconnected');
    expect(seen.events.map((e) => e.event.kind === 'error' && e.event.error.code)).to.deep.equal(['OQS_ERR_NET_CLOSED']);
    // A patient confirms while the terminal is away: the reader holds the event unACKed.
    await confirm();
    expect(a.terminal.records()).to.have.length(1);
    await when(() => !r.line.connected);
    await clock.advance(100); // the supervisor's first reconnect wait
    await supervisor.until('connected');
    await r.device(when(() => a.terminal.records().length === 2));
    await r.device(when(() => r.reader.link.unacked.size === 0));
    expect(a.terminal.records().map((x) => x.outcome)).to.deep.equal(['confirmed', 'confirmed']);
    expect(supervisor.reconnects).to.equal(1);
  });
}

test('rfc2217: bad Telnet mid-session is OQS_ERR_NET_TELNET, the link drops and the supervisor reconnects', async (t) => {
  const r = await netReader('rfc2217');
  t.after(() => r.close());
  const { a, clock, seen, supervisor } = netController([r.url]);
  t.after(() => a.close());
  expect(await a.firstAttempts).to.deep.equal([true]);
  r.socket()!.write(Buffer.of(IAC, 0x07));
  await supervisor.until('disconnected');
  const [first] = seen.events;
  expect(first?.event.kind === 'error' && [first.event.error.code, first.event.error.fault]).to.deep.equal(['OQS_ERR_NET_TELNET', 'peer']);
  // The serial server serves one client: the next attempt waits until it has let the old one go.
  await when(() => !r.line.connected);
  await clock.advance(100);
  await supervisor.until('connected');
  expect((await supervisor.client!.getStatus()).mode).to.be.a('number');
});

test('nobody listening yet: OQS_ERR_NET_CONNECT, the terminal shows no reader, and the reader is attached once it listens', async (t) => {
  const port = await closedPort();
  const { a, clock, supervisor } = netController([`tcp://127.0.0.1:${port}`]);
  t.after(() => a.close());
  expect(await a.firstAttempts).to.deep.equal([false]);
  expect(supervisor.lastError).to.include({ code: 'OQS_ERR_NET_CONNECT', fault: 'transport' });
  // Staff see why, in Japanese, with the code: not only 《カードリーダー未接続》.
  const alert = a.terminal.alerts().find((x) => x.code === 'readerNotConnected');
  expect(alert?.cause).to.deep.equal({
    code: 'OQS_ERR_NET_CONNECT',
    message: `ネットワーク上の顔認証付きカードリーダー（tcp://127.0.0.1:${port}）に接続できません。シリアルサーバーの電源とネットワークを確認してください。`,
  });
  const r = await netReader('tcp', port);
  t.after(() => r.close());
  await clock.advance(100);
  await supervisor.until('connected');
  expect(a.terminal.status().readers.map((x) => x.path)).to.deep.equal([`tcp://127.0.0.1:${port}`]);
});

test('a silent peer: hello times out on the clock (OQS_ERR_READER_TIMEOUT) and the supervisor tries again', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const { a, clock, supervisor } = netController([srv.url('tcp')]);
  t.after(() => a.close());
  const first = a.firstAttempts;
  await (await srv.peer(0)).until((b) => b.length > 0); // hello is on the wire
  await clock.advance(3_000);
  expect(await first).to.deep.equal([false]);
  expect(supervisor.lastError?.code).to.equal('OQS_ERR_READER_TIMEOUT');
  await clock.advance(100);
  await srv.peer(1); // the next attempt
});

test('rfc2217: a peer that never answers negotiation: OQS_ERR_NET_NEGOTIATION, then another attempt', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const { a, clock, supervisor } = netController([srv.url('rfc2217')]);
  t.after(() => a.close());
  const first = a.firstAttempts;
  await (await srv.peer(0)).until((b) => b.includes(negotiation('WILL', 44)));
  await clock.advance(3_000);
  expect(await first).to.deep.equal([false]);
  expect(supervisor.lastError).to.include({ code: 'OQS_ERR_NET_NEGOTIATION', fault: 'peer' });
  await clock.advance(100);
  await srv.peer(1);
});
