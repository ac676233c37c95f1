import { test } from 'node:test';
import { expect } from 'chai';
import { type OqsError } from '../reader/errors';
import { VirtualClock } from '../time/virtual-clock';
import { readerBinding } from './port-binding';
import { TcpBinding } from './tcp-binding';
import { closedPort, observer, readBytes, testServer } from './test-net';

test('tcp: bytes pass untouched both ways, 0xFF included', async (t) => {
  const srv = await testServer((peer) => peer.socket.on('data', (b: Buffer) => peer.socket.write(b)));
  t.after(() => srv.close());
  const port = await new TcpBinding({ clock: new VirtualClock() }).open({ path: srv.url('tcp'), baudRate: 115200 });
  const data = Buffer.from([...Array(256).keys()]);
  await port.write(data);
  expect(await readBytes(port, 256)).to.deep.equal(data);
  expect((await srv.peer(0)).received).to.deep.equal(data);
  await port.close();
  expect(await port.read(Buffer.alloc(1), 0, 1).catch((e: { canceled?: boolean }) => e.canceled)).to.equal(true);
});

test('tcp: nobody listening is OQS_ERR_NET_CONNECT; a connection that never completes fails after connectMs on the clock', async () => {
  const clock = new VirtualClock();
  const refused = await new TcpBinding({ clock }).open({ path: `tcp://127.0.0.1:${await closedPort()}`, baudRate: 115200 }).catch((e: OqsError) => e);
  expect(refused).to.include({ code: 'OQS_ERR_NET_CONNECT' });
  // A socket that never connects (a host that drops SYNs), made by the injected connect.
  const { Socket } = await import('node:net');
  const hung = new TcpBinding({ clock, connectMs: 700, connect: () => new Socket() })
    .open({ path: 'tcp://192.0.2.1:7001', baudRate: 115200 })
    .catch((e: OqsError) => e.message);
  await clock.advance(700);
  expect(await hung).to.match(/no connection within 700 ms/);
});

test('tcp: the peer closing is OQS_ERR_NET_CLOSED after its last bytes; noise is OQS_ERR_NET_NOISE', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const seen = observer();
  const binding = new TcpBinding({ clock: new VirtualClock(), observe: seen.observe, maxFfRun: 100 });
  const port = await binding.open({ path: srv.url('tcp'), baudRate: 115200 });
  (await srv.peer(0)).socket.end(Buffer.of(0xa5, 0x00, 0x03));
  expect(await readBytes(port, 3)).to.deep.equal(Buffer.of(0xa5, 0x00, 0x03));
  expect(await port.read(Buffer.alloc(1), 0, 1).catch((e: OqsError) => e.code)).to.equal('OQS_ERR_NET_CLOSED');
  const noisy = await binding.open({ path: srv.url('tcp'), baudRate: 115200 });
  (await srv.peer(1)).socket.write(Buffer.alloc(101, 0xff));
  expect(await noisy.read(Buffer.alloc(1), 0, 1).catch((e: OqsError) => e.code)).to.equal('OQS_ERR_NET_NOISE');
  expect(seen.events.map((e) => (e.event.kind === 'error' ? e.event.error.code : e.event.kind))).to.deep.equal(['OQS_ERR_NET_CLOSED', 'OQS_ERR_NET_NOISE']);
});

test('tcp: a reader stream that does not read pauses the socket past highWaterMark, and reading resumes it', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const hwm = 64 * 1024;
  const port = await new TcpBinding({ clock: new VirtualClock(), highWaterMark: hwm }).open({ path: srv.url('tcp'), baudRate: 115200 });
  const inner = port as unknown as { inboxBytes: number; socket: { isPaused(): boolean } };
  const peer = await srv.peer(0);
  peer.socket.write(Buffer.alloc(16 * hwm, 0x11));
  while (inner.inboxBytes <= hwm) await new Promise((r) => setImmediate(r));
  expect(inner.socket.isPaused()).to.equal(true);
  // Held: at most the mark and the one chunk that crossed it (the rest waits in the kernel and the server).
  expect(inner.inboxBytes).to.be.at.most(2 * hwm);
  await port.read(Buffer.alloc(2 * hwm), 0, 2 * hwm);
  expect(inner.socket.isPaused()).to.equal(false);
  await port.close();
});

test('readerBinding: tcp:// and rfc2217:// go to the network, anything else to the native binding, bad addresses are coded', async (t) => {
  const srv = await testServer();
  t.after(() => srv.close());
  const opened: string[] = [];
  const native = async () => ({
    list: async () => [],
    open: async (o: { path: string }) => {
      opened.push(o.path);
      throw new Error('no such device');
    },
  });
  const binding = readerBinding({ clock: new VirtualClock(), native: native as never });
  const port = await binding.open({ path: srv.url('tcp'), baudRate: 115200 });
  await port.close();
  await binding.open({ path: '/dev/ttyUSB0', baudRate: 115200 }).catch(() => undefined);
  await binding.open({ path: 'COM3', baudRate: 115200 }).catch(() => undefined);
  expect(opened).to.deep.equal(['/dev/ttyUSB0', 'COM3']);
  expect(await binding.open({ path: 'tcp://127.0.0.1', baudRate: 115200 }).catch((e: OqsError) => e.code)).to.equal('OQS_ERR_NET_ADDRESS');
});
