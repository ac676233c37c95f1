import { test } from 'node:test';
import { expect } from 'chai';
import { encodeCommand } from '../../src/protocol';
import { COM_PORT, CONTROL, SERVER_OFFSET, decodeComPort, encodeComPort, type ComPortMessage } from '../../src/net/rfc2217';
import { DO, IAC, OPT_BINARY, OPT_COM_PORT, OPT_SGA, SB, SE, WILL, negotiation } from '../../src/net/telnet';
import { runEmulate } from '../emulate-main';
import { EmulatorHost } from '../emulator-host';
import { parseListenAddress } from './listen-address';
import { MAX_PENDING_BYTES, NetLine } from './net-line';
import { NetClient } from './test-net-client';

const hello = (seq: number) => encodeCommand('hello', seq, { protocolVersion: 1, host: 'net-line.test' });

/** An in-process host whose readers are on the network only (`emulate --no-pty --listen …`). */
async function netHost(listen: string[], opts: { txIdSeed?: number } = {}) {
  const log: string[] = [];
  const host = await EmulatorHost.start({ readers: listen.length, pty: false, listen, control: [], log: (l) => log.push(l), ...opts });
  return { host, log, url: (i: number) => host.info()[i]!.listen! };
}

const comPort = (c: NetClient) =>
  c.telnet.flatMap((e) => (e.type === 'subnegotiation' && e.option === OPT_COM_PORT ? [decodeComPort(e.payload) as ComPortMessage] : []));

test('listen addresses: tcp:// and rfc2217://, any host, port 0..65535; anything else is refused with a reason', () => {
  expect(parseListenAddress('tcp://127.0.0.1:0')).to.deep.equal({ scheme: 'tcp', host: '127.0.0.1', port: 0 });
  expect(parseListenAddress('rfc2217://[::1]:4001')).to.deep.equal({ scheme: 'rfc2217', host: '::1', port: 4001 });
  for (const bad of ['tcp://127.0.0.1', 'udp://127.0.0.1:1', 'tcp://127.0.0.1:65536', 'rfc2217://:80', '/dev/ttyUSB0']) {
    expect(() => parseListenAddress(bad), bad)
      .to.throw(/--listen/)
      .with.property('code', 'EMU_ERR_BAD_ADDRESS');
  }
});

test('emulate: --listen and --no-pty usage errors (exit 2, with the reason)', async () => {
  const run = async (...argv: string[]) => {
    const err: string[] = [];
    return {
      code: await runEmulate(
        argv,
        () => undefined,
        (l) => err.push(l),
      ),
      err: err.join('\n'),
    };
  };
  expect(await run('--listen', 'udp://127.0.0.1:0')).to.deep.include({ code: 2 });
  expect((await run('--readers', '1', '--listen', 'tcp://127.0.0.1:0', '--listen', 'tcp://127.0.0.1:0')).err).to.match(/2 --listen addresses for 1 reader/);
  expect((await run('--no-pty')).err).to.match(/--no-pty: every reader needs a --listen URL \(2 readers, 0 URLs\)/);
  expect((await run('--no-pty', '--readers', '2', '--listen', 'tcp://127.0.0.1:0')).err).to.match(/2 readers, 1 URLs/);
  expect((await run('--no-pty', '--listen', 'tcp://127.0.0.1:0', '--link-dir', '/tmp/x')).err).to.match(/--link-dir makes links to ptys/);
});

test('tcp://: port 0 is announced resolved; a controller completes hello and getStatus; one client at a time', async () => {
  const { host, log, url } = await netHost(['tcp://127.0.0.1:0', 'tcp://127.0.0.1:0']);
  try {
    expect(url(0)).to.match(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(url(1)).to.not.equal(url(0));
    expect(host.info()[0]!.path).to.equal(url(0)); // with no pty, what a controller opens is the URL
    const a = await NetClient.open(url(0));
    a.send(hello(0));
    expect((await a.response('hello')).fields).to.include({ serial: 'EMU-0001' });
    // A second client is closed at once, without a byte, and the first keeps the reader.
    const b = await NetClient.open(url(0));
    await b.until(() => b.closed, 'close of the second connection');
    expect(Buffer.concat(b.raw).length).to.equal(0);
    expect(log.join('\n')).to.match(/refused .*already has a client/);
    a.send(encodeCommand('getStatus', 1, {}));
    expect((await a.response('getStatus')).status).to.equal('ok');
    // Once the first has gone, the next client gets the reader.
    await a.close();
    // The emulator may see the new client before the old one's close: that one is refused, and tried again.
    const { client: c, response } = await NetClient.ask(url(0), encodeCommand('getStatus', 2, {}), 'getStatus');
    expect(response.reqSeq).to.equal(2);
    await c.close();
    // Reader 1 is its own reader.
    const d = await NetClient.open(url(1));
    d.send(hello(0));
    expect((await d.response('hello')).fields).to.include({ serial: 'EMU-0002' });
    await d.close();
  } finally {
    await host.close();
  }
});

test('rfc2217://: the server offers its options, answers the client’s, acknowledges every COM-PORT command (+100), and doubles 0xFF both ways', async () => {
  const { host, url } = await netHost(['rfc2217://127.0.0.1:0'], { txIdSeed: 0xfffffeff });
  try {
    const c = await NetClient.open(url(0));
    const offered = (verb: string, option: number) => c.telnet.some((e) => e.type === 'negotiate' && e.verb === verb && e.option === option);
    await c.until(() => offered('WILL', OPT_COM_PORT) && offered('DO', OPT_BINARY), 'the server’s opening offers');
    for (const o of [OPT_BINARY, OPT_SGA]) expect(offered('WILL', o) && offered('DO', o), `option ${o}`).to.equal(true);
    // The client asks for one the server does not do: it is answered (refused), never ignored.
    c.sendRaw(Buffer.concat([negotiation('WILL', OPT_COM_PORT), negotiation('DO', 1), negotiation('WILL', 24)]));
    await c.until(() => offered('WONT', 1) && offered('DONT', 24), 'refusals of ECHO and TERMINAL-TYPE');
    const sent = [
      { kind: 'baudRate', value: 9600 },
      { kind: 'dataSize', value: 7 },
      { kind: 'parity', value: 3 },
      { kind: 'stopSize', value: 2 },
      { kind: 'control', value: CONTROL.dtrOn },
      { kind: 'control', value: CONTROL.rtsOff },
      { kind: 'purge', value: 3 },
      { kind: 'lineStateMask', value: 0 },
      { kind: 'signature', text: '' },
    ] as const;
    c.sendRaw(Buffer.concat(sent.map((s) => encodeComPort(s))));
    const acks = await c.until(() => (comPort(c).length >= sent.length ? comPort(c) : undefined), 'COM-PORT acknowledgements');
    expect(acks.every((m) => m.fromServer)).to.equal(true);
    expect(acks.slice(0, 8).map((m) => m.command)).to.deep.equal(sent.slice(0, 8));
    expect(acks[8]!.command).to.have.property('kind', 'signature');
    // SEQ 255 makes the hello carry a 0xFF the client must double; txIdSeed puts 0xFF bytes in getStatus's answer.
    expect(hello(255).includes(0xff)).to.equal(true);
    c.send(hello(255));
    expect((await c.response('hello')).reqSeq).to.equal(255);
    c.send(encodeCommand('getStatus', 1, {}));
    expect((await c.response('getStatus')).fields).to.include({ txId: 0xfffffeff });
    const wire = Buffer.concat(c.raw);
    expect(wire.includes(Buffer.of(0xff, 0xff, 0xff, 0xff, 0xfe))).to.equal(true); // FF FF FE on the wire: doubled
    expect(COM_PORT.baudRate + SERVER_OFFSET).to.equal(101);
    await c.close();
  } finally {
    await host.close();
  }
});

test('rfc2217://: garbage options, bad commands, an overlong subnegotiation, a 0xFF storm and a close mid-frame cost that connection nothing worse than a log line', async () => {
  const { host, log, url } = await netHost(['rfc2217://127.0.0.1:0']);
  try {
    const bad = await NetClient.open(url(0));
    bad.sendRaw(
      Buffer.concat([
        Buffer.of(IAC, 0x05), // not a command
        Buffer.of(IAC, WILL, 200, IAC, DO, 99), // options nobody knows
        Buffer.of(IAC, SB, OPT_COM_PORT, 77, IAC, SE), // an unknown COM-PORT command
        Buffer.of(IAC, SB, OPT_COM_PORT, COM_PORT.baudRate, 1, IAC, SE), // a baud rate one byte long
        Buffer.of(IAC, SB, OPT_COM_PORT, ...Buffer.alloc(5000, 1), IAC, SE), // longer than any subnegotiation
        Buffer.of(IAC, SB, OPT_COM_PORT, 1, IAC, 0x07), // IAC junk inside a subnegotiation
        Buffer.alloc(1 << 20, 0xff), // a storm of 0xFF: half a MiB of data bytes 0xFF for the reader
        hello(3).subarray(0, 6), // half a frame, then the peer goes
        Buffer.of(IAC), // and a truncated IAC
      ]),
    );
    await bad.close();
    // The reader is still there for the next client (once the emulator has seen the last one go), and answers it.
    const { client: good, response } = await NetClient.ask(url(0), hello(0), 'hello');
    expect(response.status).to.equal('ok');
    await good.close();
    expect(log.join('\n')).to.match(/bad Telnet input \(badCommand\)/);
    expect(log.filter((l) => l.includes('bad Telnet input')).length).to.be.at.most(3);
  } finally {
    await host.close();
  }
});

test('a client that never reads: the reader’s bytes beyond 1 MiB (and the kernel’s buffers) are dropped, not kept', async () => {
  const log: string[] = [];
  const line = new NetLine(parseListenAddress('tcp://127.0.0.1:0'), { onLog: (l) => log.push(l) });
  const url = await line.open();
  try {
    const c = await NetClient.open(url);
    c.socket.pause();
    await c.until(() => line.connected, 'the line to see its client');
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    // 32 MiB: more than the kernel's socket buffers on both ends plus the 1 MiB kept here.
    for (let i = 0; i < 512; i++) line.write(chunk);
    expect(line.dropped).to.be.greaterThan(0);
    expect(line.pendingBytes).to.be.at.most(MAX_PENDING_BYTES);
    expect(log.filter((l) => l.includes('does not read'))).to.have.length(1);
    c.socket.destroy();
  } finally {
    await line.close();
  }
});

test('beside a pty: the reader answers on both; unplug closes the listener, replug serves again on the same port', async () => {
  const host = await EmulatorHost.start({ readers: 1, listen: ['tcp://127.0.0.1:0'], control: [], log: () => undefined });
  try {
    const [info] = host.info();
    expect(info!.device).to.match(/^\/dev\//);
    expect(info!.path).to.equal(info!.device);
    const url = info!.listen!;
    const pty = await NetClient.openPty(info!.device);
    const net = await NetClient.open(url);
    net.send(hello(0));
    expect((await net.response('hello')).fields).to.include({ serial: 'EMU-0001' });
    // The reader's bytes go to both lines: the pty's end sees the same answer.
    await pty.until(() => pty.messages.some((m) => m.kind === 'response' && m.name === 'hello'), 'the answer on the pty');
    await pty.close();
    await host.handle('unplug', { reader: 0 });
    await net.until(() => net.closed, 'the listener to drop its client');
    await host.handle('replug', { reader: 0 });
    expect(host.info()[0]!.listen).to.equal(url);
    const again = await NetClient.open(url);
    again.send(hello(1));
    expect((await again.response('hello')).reqSeq).to.equal(1);
    await again.close();
  } finally {
    await host.close();
  }
});
