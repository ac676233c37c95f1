import { test } from 'node:test';
import { expect } from 'chai';
import { OqsError } from '../reader/errors';
import { VirtualClock } from '../time/virtual-clock';
import { CONTROL, ComPortServer, MODEM_STATE, encodeComPort } from './rfc2217';
import { Rfc2217Binding, type Rfc2217Port } from './rfc2217-binding';
import { NET_DEFAULTS } from './socket-port';
import { IAC, SB, SE, TelnetOptions, negotiation } from './telnet';
import { closedPort, observer, readBytes, testServer, type Peer } from './test-net';

/** A serial server on a peer (ComPortServer), echoing the device data; `drop` withholds some replies. */
function serve(peer: Peer, drop: (reply: Buffer) => boolean = () => false): ComPortServer {
  const s = new ComPortServer();
  peer.socket.write(s.greeting());
  peer.socket.on('data', (chunk: Buffer) => {
    const step = s.receive(chunk);
    for (const r of step.reply) if (!drop(r)) peer.socket.write(r);
    for (const d of step.data) peer.socket.write(s.encodeData(d));
  });
  return s;
}

/** ser2net in front of a pty: SET-CONTROL DTR/RTS is never acknowledged. */
const dtrRtsAck = (r: Buffer) =>
  r[0] === IAC && r[1] === SB && r[3] === 105 && [CONTROL.dtrOn, CONTROL.dtrOff, CONTROL.rtsOn, CONTROL.rtsOff].includes(r[4] as 8);

function setup() {
  const clock = new VirtualClock();
  const seen = observer();
  const binding = new Rfc2217Binding({ clock, observe: seen.observe });
  const open = (path: string) => binding.open({ path, baudRate: 115200 });
  return { clock, seen, binding, open };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (OqsError.is(e) ? e.code : String(e)),
  );
}

test('rfc2217: negotiates, sets the line, carries 0xFF both ways, DTR/RTS by set(), purge by flush(), modem state by get()', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const servers: ComPortServer[] = [];
  srv.server.on('connection', () => undefined);
  const { open } = setup();
  const opening = open(srv.url('rfc2217'));
  const peer = await srv.peer(0);
  servers.push(serve(peer));
  const port = await opening;
  t.after(() => port.close());
  const s = servers[0]!;
  expect(s.options.remoteOn.has(44)).to.equal(true);
  expect(s.port).to.include({ baudRate: 115200, dataSize: 8, parity: 1, stopSize: 1, dtr: true, rts: true });
  // Data with 0xFF (the reader link's bytes can hold any value) comes back unchanged.
  const data = Buffer.of(0xa5, 0xff, 0x00, 0xff, 0xff, 0x0d, 0x0a);
  await port.write(data);
  expect(await readBytes(port, data.length)).to.deep.equal(data);
  await port.set({ dtr: false, rts: false });
  expect(s.port).to.include({ dtr: false, rts: false });
  await port.update({ baudRate: 9600 });
  expect(s.port.baudRate).to.equal(9600);
  expect(await port.getBaudRate()).to.deep.equal({ baudRate: 9600 });
  const purges = () => peer.received.filter((_b, i) => peer.received[i - 1] === 44 && peer.received[i] === 12).length;
  await port.flush();
  expect(purges()).to.equal(1);
  peer.socket.write(s.notifyModemState(MODEM_STATE.cts | MODEM_STATE.dcd));
  await readAfter(port, peer, s);
  expect(await port.get()).to.deep.equal({ cts: true, dsr: false, dcd: true });
});

/** Lets the client process what the server sent before: one echo round trip. */
async function readAfter(port: Rfc2217Port, peer: Peer, s: ComPortServer): Promise<void> {
  peer.socket.write(s.encodeData(Buffer.of(1)));
  await readBytes(port, 1);
}

// The guard turns a second wait (which only a clock advance would end) into a failure, not a hang.
test('rfc2217: a server that never acknowledges DTR/RTS (ser2net before a pty) costs one bounded wait, then none', { timeout: 30_000 }, async (t) => {
  // After its answers the server reports its modem lines: once the client has that, it has them all.
  const srv = await testServer((peer) => {
    const s = serve(peer, dtrRtsAck);
    peer.socket.on('data', () => peer.socket.write(s.notifyModemState(MODEM_STATE.dsr)));
  });
  t.after(() => srv.close());
  const { open, clock, seen } = setup();
  let opened = false;
  const opening = open(srv.url('rfc2217')).then((p) => ((opened = true), p));
  const peer = await srv.peer(0);
  // Everything was sent and (but for DTR/RTS) acknowledged; the wait is on the injected clock.
  await peer.until((r) => r.includes(encodeComPort({ kind: 'control', value: CONTROL.rtsOn })));
  await seen.next('modemState');
  expect(clock.pending()).to.include('rfc2217 acknowledgements');
  expect(opened).to.equal(false);
  await clock.advance(NET_DEFAULTS.ackMs);
  const port = await opening;
  const unacked = () => seen.events.filter((e) => e.event.kind === 'unacknowledged').map((e) => e.event);
  expect(unacked()).to.deep.equal([{ kind: 'unacknowledged', commands: ['control:dtr', 'control:rts'] }]);
  // set() carries on too, and no longer waits for what this server never answers.
  await port.set({ dtr: true, rts: true });
  await port.close();
  const again = await open(srv.url('rfc2217'));
  expect(unacked()).to.have.length(1);
  await again.close();
});

test('rfc2217: a peer that never answers negotiation is OQS_ERR_NET_NEGOTIATION after the bounded wait', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const { open, clock } = setup();
  const result = codeOf(open(srv.url('rfc2217')));
  const peer = await srv.peer(0);
  await peer.until((r) => r.includes(negotiation('WILL', 44)));
  await clock.advance(NET_DEFAULTS.negotiationMs);
  expect(await result).to.equal('OQS_ERR_NET_NEGOTIATION');
  await peer.closed; // the binding let go of the socket
});

test('rfc2217: a Telnet server without COM-PORT-OPTION refuses it: OQS_ERR_NET_NEGOTIATION at once', async (t) => {
  const srv = await testServer((peer) => {
    const o = new TelnetOptions({ local: [0, 3], remote: [0, 3] });
    peer.socket.on('data', () => undefined);
    peer.socket.write(negotiation('DONT', 44));
    void o;
  });
  t.after(() => srv.close());
  const { open } = setup();
  expect(await codeOf(open(srv.url('rfc2217')))).to.equal('OQS_ERR_NET_NEGOTIATION');
});

test('rfc2217: nobody listening is OQS_ERR_NET_CONNECT', async () => {
  const { open } = setup();
  const port = await closedPort();
  const e = (await open(`rfc2217://127.0.0.1:${port}`).catch((x: OqsError) => x)) as OqsError;
  expect(e).to.include({ code: 'OQS_ERR_NET_CONNECT', fault: 'transport' });
  expect(e.message).to.include('ECONNREFUSED');
});

/** Opens against a well-behaved server, then lets `bad` be sent: the read fails with `code`, reported once. */
async function badInput(
  t: { after(fn: () => unknown): void },
  bad: Buffer | ((peer: Peer) => void),
  code: string,
  { before = 1, ...deps }: { maxFfRun?: number; before?: number } = {},
) {
  const srv = await testServer((peer) => serve(peer));
  t.after(() => srv.close());
  const clock = new VirtualClock();
  const seen = observer();
  const port = await new Rfc2217Binding({ clock, observe: seen.observe, ...deps }).open({ path: srv.url('rfc2217'), baudRate: 115200 });
  const peer = await srv.peer(0);
  const failed = seen.next('error');
  if (typeof bad === 'function') bad(peer);
  else peer.socket.write(Buffer.concat([Buffer.of(0x41), bad]));
  const error = (await failed) as { error: OqsError };
  expect(error.error.code).to.equal(code);
  // What came before the bad input is still read; then the read fails (serialport closes the stream).
  const buf = Buffer.alloc(8);
  if (before > 0) expect((await port.read(buf, 0, 8)).bytesRead).to.equal(before);
  expect(await codeOf(port.read(buf, 0, 8))).to.equal(code);
  await peer.closed;
  expect(seen.events.filter((e) => e.event.kind === 'error')).to.have.length(1);
  await port.close();
  return error.error;
}

test('rfc2217 bad input: IAC and a byte that is no command', async (t) => {
  const e = await badInput(t, Buffer.of(IAC, 0x07), 'OQS_ERR_NET_TELNET');
  expect(e.fault).to.equal('peer');
  expect(e.message).to.include('badCommand');
});

test('rfc2217 bad input: a COM-PORT-OPTION message that is none (unknown command, wrong length)', async (t) => {
  const e = await badInput(t, Buffer.of(IAC, SB, 44, 101, 0, IAC, SE), 'OQS_ERR_NET_TELNET');
  expect(e.message).to.include('baudRate takes 4 byte(s)');
});

test('rfc2217 bad input: a subnegotiation that never ends (bounded, then dropped)', async (t) => {
  const e = await badInput(t, Buffer.concat([Buffer.of(IAC, SB, 44), Buffer.alloc(300, 7)]), 'OQS_ERR_NET_TELNET');
  expect(e.message).to.include('subnegotiationOverflow');
});

test('rfc2217 bad input: a truncated IAC sequence when the peer closes', async (t) => {
  const e = await badInput(t, (peer) => peer.socket.end(Buffer.of(0x41, IAC, SB, 44, 1)), 'OQS_ERR_NET_TELNET');
  expect(e.message).to.include('truncated');
});

test('rfc2217 bad input: a storm of 0xFF (escaped or not) is noise: OQS_ERR_NET_NOISE', async (t) => {
  await badInput(t, Buffer.alloc(2 * 1001, 0xff), 'OQS_ERR_NET_NOISE', { maxFfRun: 1000, before: 0 });
});

test('rfc2217: a peer that closes mid-frame is OQS_ERR_NET_CLOSED after the bytes it sent', async (t) => {
  await badInput(t, (peer) => peer.socket.end(Buffer.of(0xa5, 0x00)), 'OQS_ERR_NET_CLOSED', { before: 2 });
});

test('rfc2217: options nobody asked for are refused, and the session carries on', async (t) => {
  const srv = await testServer((peer) => serve(peer));
  t.after(() => srv.close());
  const { open, seen } = setup();
  const port = await open(srv.url('rfc2217'));
  const peer = await srv.peer(0);
  peer.socket.write(Buffer.concat([negotiation('WILL', 200), negotiation('DO', 24), Buffer.of(IAC, 0xf1, 0x42)]));
  expect(await readBytes(port, 1)).to.deep.equal(Buffer.of(0x42));
  await peer.until((r) => r.includes(negotiation('DONT', 200)) && r.includes(negotiation('WONT', 24)));
  expect(seen.events).to.deep.equal([]);
  await port.close();
});
