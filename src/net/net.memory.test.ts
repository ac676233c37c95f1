import { test } from 'node:test';
import { createServer } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { VirtualClock } from '../time/virtual-clock';
import { ComPortServer } from './rfc2217';
import { Rfc2217Binding } from './rfc2217-binding';
import { settledUse } from '../util/test-memory';
import { IAC, SB } from './telnet';

// Bad input on the network, over and over (issue 12 item 4): every connection to a hostile serial
// server ends in a coded error and a new connection, and the binding keeps nothing per connection.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What the hostile server sends after a proper negotiation, one kind per connection in turn. */
const HOSTILE = [
  Buffer.alloc(70_000, 0xff), // a storm of 0xFF (escaped: 35,000 data bytes of 0xFF … and on)
  Buffer.concat([Buffer.of(IAC, SB, 44), Buffer.alloc(10_000, 1)]), // a subnegotiation that never ends
  Buffer.of(0x41, IAC, 0x07), // IAC and no command
  Buffer.of(0xa5, 0x00, 0x09, IAC, SB, 44), // half a frame, a truncated sequence, then the peer closes
];

test('memory stays flat: 400 connections to a hostile RFC 2217 server, each dropped with a coded error', async (t) => {
  let n = 0;
  // A bare node:net server: the test's helpers keep every peer, which would be growth of their own.
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    const s = new ComPortServer();
    const bad = HOSTILE[n++ % HOSTILE.length]!;
    socket.write(s.greeting());
    let sent = false;
    socket.on('data', (chunk: Buffer) => {
      for (const r of s.receive(chunk).reply) socket.write(r);
      if (sent) return;
      sent = true;
      // The storm is sent twice over (escaped), so a run of 65,536 0xFF data bytes is passed.
      if (bad[0] === 0xff) socket.write(Buffer.concat([bad, bad]));
      else if (bad.includes(0x09)) socket.end(bad);
      else socket.write(bad);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `rfc2217://127.0.0.1:${(server.address() as { port: number }).port}`;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  // Counted, not kept: the test must not hold what it measures.
  const codes = new Map<string, number>();
  let next: (() => void) | null = null;
  const binding = new Rfc2217Binding({
    clock: new VirtualClock(),
    observe: (_path, e) => {
      if (e.kind !== 'error') return;
      codes.set(e.error.code, (codes.get(e.error.code) ?? 0) + 1);
      next?.();
    },
  });
  const cycle = async () => {
    // The bad input may come while the line is still being set: then open() fails with it.
    const failed = new Promise<void>((resolve) => (next = resolve));
    const port = await binding.open({ path: url, baudRate: 115200 }).catch(() => null);
    await failed;
    await port?.close();
  };
  for (let i = 0; i < 40; i++) await cycle(); // warm-up
  const before = await settledUse(gc);
  for (let i = 0; i < 400; i++) await cycle();
  const growth = (await settledUse(gc)) - before;
  t.diagnostic(`errors ${JSON.stringify(Object.fromEntries(codes))}, growth ${(growth / 1024).toFixed(0)} KiB`);
  expect([...codes.keys()].sort()).to.deep.equal(['OQS_ERR_NET_NOISE', 'OQS_ERR_NET_TELNET']);
  expect(growth).to.be.below(1024 * 1024);
});
