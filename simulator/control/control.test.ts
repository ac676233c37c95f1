import { test, type TestContext } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FrameDecoder, decodeMessage, encodeCommand, type Message } from '../../src/protocol';
import { EmulatorHost } from '../emulator-host';
import { EmulatorControlClient } from './client';
import { MAX_LINE_BYTES, parseAddress } from './protocol';
import { splitLines } from '../../src/util/lines';
import { realTimerDelays } from '../../src/time/test-timers';

/** An in-process host on memory lines, its control socket in a fresh temp dir, and a client. */
async function setup(t: TestContext, extra: { tcp?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-ctl-'));
  const sock = join(dir, 'control.sock');
  const host = await EmulatorHost.start({
    transport: 'memory',
    readers: 2,
    control: [`unix:${sock}`, ...(extra.tcp ? ['tcp:127.0.0.1:0'] : [])],
    log: () => undefined,
  });
  const client = await EmulatorControlClient.connect(`unix:${sock}`, { timeoutMs: 10_000 });
  t.after(async () => {
    await client.close();
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // What the controller's end of reader 0 receives, decoded.
  const received: Message[] = [];
  const decoder = new FrameDecoder((f) => received.push(decodeMessage(f)));
  host.memoryLine(0).onHostData = (b) => decoder.push(b);
  return { dir, sock, host, client, received };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
  throw new Error('expected the call to fail');
}

/** Sends raw lines on a fresh connection and collects `n` reply lines (bounded by a timeout). */
function raw(sock: string, payload: string, n: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ path: sock });
    const lines: Array<Record<string, unknown>> = [];
    const feed = splitLines((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`only ${lines.length} of ${n} replies within 5 s`));
    }, 5000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(payload));
    s.on('data', (text: string) => {
      feed(text);
      if (lines.length >= n) {
        clearTimeout(timer);
        s.end();
        resolve(lines);
      }
    });
    s.on('error', reject);
  });
}

test('hello lists the readers, their identities and the time scale', async (t) => {
  const { client } = await setup(t);
  const hello = await client.call('hello', {});
  expect(hello.protocol).to.equal(1);
  expect(hello.timeScale).to.equal(0);
  expect(hello.readers.map((r) => [r.index, r.path])).to.deep.equal([
    [0, 'memory:0'],
    [1, 'memory:1'],
  ]);
  expect(hello.readers[0]!.identity).to.include({ vendor: 'OQS Emulated', serial: 'EMU-0001' });
  expect(hello.readers[1]!.identity.serial).to.equal('EMU-0002');
});

test('a stimulus replies after the reader has reacted, with the frames it has written', async (t) => {
  const { client, received } = await setup(t);
  const reply = await client.call('stimulus', { reader: 0, action: 'placeCard', profile: 'normal' });
  // cardPlaced, then screenShown(chooseMethod)
  expect(reply).to.deep.equal({ reader: 0, framesOut: 2 });
  expect(received.map((m) => (m.kind === 'event' ? m.name : m.kind))).to.deep.equal(['cardPlaced', 'screenShown']);
  const status = await client.call('status', { reader: 0 });
  expect(status).to.include({ mode: 'unattended', state: 'methodSelect', screen: 'chooseMethod', cardPresent: true, framesOut: 2, framesIn: 0 });
  // reader 1 is untouched
  expect(await client.call('status', { reader: 1 })).to.include({ state: 'idle', screen: 'placeCard', cardPresent: false, framesOut: 0 });
});

test('device delays cost no real time: a face capture and a PIN fallback run to the end', async (t) => {
  const { client, host } = await setup(t);
  await client.call('stimulus', { action: 'placeCard', profile: 'faceChangedSurgery' });
  await client.call('stimulus', { action: 'chooseMethod', method: 'face' });
  // 1.5 s capture + 2 s error screen in virtual time: no real timer of either length is set.
  const { faceCaptureMs, transientScreenMs } = host.reader(0).model.timing;
  const { result: reply, delays } = await realTimerDelays(() => client.call('stimulus', { action: 'presentFace' }));
  expect(delays.filter((ms) => ms === faceCaptureMs || ms === transientScreenMs)).to.deep.equal([]);
  // mismatch → matchError → unattended fallback to the PIN
  expect(await client.call('status', {})).to.include({ state: 'pinEntry', screen: 'enterPin' });
  expect(reply.framesOut).to.equal(host.reader(0).link.stats.framesOut);
  await client.call('stimulus', { action: 'enterCorrectPin' });
  await client.call('stimulus', { action: 'answerConsent', choice: 'all' });
  expect(await client.call('status', {})).to.include({ state: 'complete', screen: 'done' });
});

test("the host's bytes reach the reader and its responses come back on the same line", async (t) => {
  const { host, client, received } = await setup(t);
  host.memoryLine(0).hostWrite(encodeCommand('hello', 5, { protocolVersion: 1, host: 't' }));
  const status = await client.call('status', { reader: 0 }); // waits for the reader to settle
  expect(status.framesIn).to.equal(1);
  const hello = received.find((m) => m.kind === 'response');
  expect(hello).to.include({ name: 'hello', reqSeq: 5, status: 'ok' });
  expect(hello!.fields).to.include({ serial: 'EMU-0001' });
});

test('emulator errors keep their code; bad arguments are EMU_ERR_BAD_REQUEST', async (t) => {
  const { client } = await setup(t);
  expect(await codeOf(client.call('stimulus', { action: 'removeCard' }))).to.equal('EMU_ERR_NO_CARD');
  expect(await codeOf(client.call('stimulus', { action: 'placeCard', profile: 'nobody' }))).to.equal('EMU_ERR_UNKNOWN_PROFILE');
  expect(await codeOf(client.call('stimulus', { action: 'dance' }))).to.equal('EMU_ERR_BAD_REQUEST');
  expect(await codeOf(client.call('stimulus', { action: 'placeCard', colour: 'red' }))).to.equal('EMU_ERR_BAD_REQUEST');
  expect(await codeOf(client.call('stimulus', { action: 'placeCard', reader: 7 }))).to.equal('EMU_ERR_UNKNOWN_READER');
  expect(await codeOf(client.call('stimulus', { action: 'placeCard', reader: -1 }))).to.equal('EMU_ERR_BAD_REQUEST');
  expect(await codeOf(client.call('reset', { txIdSeed: 'x' }))).to.equal('EMU_ERR_BAD_REQUEST');
  expect(await codeOf(client.call('frobnicate', {}))).to.equal('EMU_ERR_UNKNOWN_OP');
  // and the failed calls changed nothing
  expect(await client.call('status', {})).to.include({ state: 'idle', framesOut: 0 });
});

test('malformed JSON gets EMU_ERR_BAD_REQUEST and the connection stays usable', async (t) => {
  const { sock } = await setup(t);
  const replies = await raw(sock, '{"id":1,"op":\n[1,2]\n{"id":2}\n{"id":3,"op":"hello"}\n', 4);
  expect(replies[0]).to.include({ id: null, ok: false, code: 'EMU_ERR_BAD_REQUEST' });
  expect(replies[1]).to.include({ id: null, ok: false, code: 'EMU_ERR_BAD_REQUEST' });
  expect(replies[2]).to.include({ id: 2, ok: false, code: 'EMU_ERR_BAD_REQUEST' });
  expect(replies[3]).to.include({ id: 3, ok: true, protocol: 1 });
});

test('a request line longer than MAX_LINE_BYTES without its newline gets EMU_ERR_BAD_REQUEST, and the server ends the connection', async (t) => {
  const { sock } = await setup(t);
  const replies = await raw(sock, `{"id":1,"op":"hello","pad":"${'x'.repeat(MAX_LINE_BYTES)}`, 1);
  expect(replies[0]).to.include({ id: null, ok: false, code: 'EMU_ERR_BAD_REQUEST' });
  expect(String(replies[0]!.message)).to.match(/longer than 1048576 bytes/);
});

test('reset gives fresh readers: PIN counters from the profiles, new identities, frames from 0', async (t) => {
  const { client } = await setup(t);
  await client.call('stimulus', { action: 'placeCard', profile: 'pinTwoFailures' });
  await client.call('stimulus', { action: 'chooseMethod', method: 'pin' });
  await client.call('stimulus', { action: 'enterWrongPin' }); // third failure: locked
  expect(await client.call('status', {})).to.include({ state: 'halted' });
  await client.call('stimulus', { action: 'removeCard' });
  const { txId: before } = await client.call('status', {});

  const reset = await client.call('reset', { identities: [{ serial: 'LAB-7', firmware: '2.0.0' }] });
  expect(reset.readers[0]!.identity).to.include({ serial: 'LAB-7', firmware: '2.0.0', vendor: 'OQS Emulated' });
  expect(reset.readers[1]!.identity.serial).to.equal('EMU-0002');
  const after = await client.call('status', {});
  expect(after).to.include({ mode: 'unattended', state: 'idle', screen: 'placeCard', cardPresent: false, framesOut: 0, framesIn: 0 });
  expect(after.txId).to.be.at.least(before); // txIds never go back

  // the same profile is a fresh card again: two failures, so the PIN is still offered
  await client.call('stimulus', { action: 'placeCard', profile: 'pinTwoFailures' });
  await client.call('stimulus', { action: 'chooseMethod', method: 'pin' });
  expect(await client.call('status', {})).to.include({ state: 'pinEntry' });

  await client.call('reset', { txIdSeed: 1000 });
  expect((await client.call('hello', {})).readers[0]!.identity.serial).to.equal('EMU-0001');
  expect((await client.call('status', {})).txId).to.equal(1000);
  await client.call('stimulus', { action: 'placeCard' });
  expect((await client.call('status', {})).txId).to.equal(1001);
});

test('loopback TCP works alongside the unix socket; other hosts are refused', async (t) => {
  const { host } = await setup(t, { tcp: true });
  const tcp = host.controlAddresses.find((a) => a.startsWith('tcp:'))!;
  expect(tcp).to.match(/^tcp:127\.0\.0\.1:\d+$/);
  expect(tcp).to.not.equal('tcp:127.0.0.1:0');
  const c = await EmulatorControlClient.connect(tcp);
  t.after(() => c.close());
  expect((await c.call('hello', {})).readers).to.have.length(2);
  expect(() => parseAddress('tcp:0.0.0.0:1234')).to.throw(/loopback/);
  expect(() => parseAddress('http://x')).to.throw(/unix:PATH or tcp/);
});

test('shutdown replies, then the host ends, the socket file goes and later calls fail', async (t) => {
  const { client, host, sock } = await setup(t);
  expect(await client.call('shutdown', {})).to.deep.equal({});
  expect(await host.ended).to.deep.equal({ reason: 'shutdown' });
  expect(existsSync(sock)).to.equal(false);
  expect(await codeOf(client.call('hello', {}))).to.equal('EMU_ERR_CONNECTION_CLOSED');
  expect(await codeOf(EmulatorControlClient.connect(`unix:${sock}`))).to.equal('ENOENT');
});

test('a stale socket file from a crashed run is replaced; a live one is refused', async (t) => {
  const { sock } = await setup(t);
  let err: unknown;
  try {
    await EmulatorHost.start({ transport: 'memory', control: `unix:${sock}`, log: () => undefined });
  } catch (e) {
    err = e;
  }
  expect(String((err as Error)?.message)).to.match(/another process is listening/);
  // a stale file: bound by a server that is gone without removing it
  const dir = mkdtempSync(join(tmpdir(), 'oqs-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stale = join(dir, 'stale.sock');
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(stale, r));
  // closing a server normally removes the file; simulate a crash by keeping a copy of it
  const fs = await import('node:fs');
  fs.renameSync(stale, stale + '.keep');
  await new Promise<void>((r) => s.close(() => r()));
  fs.renameSync(stale + '.keep', stale);
  const host = await EmulatorHost.start({ transport: 'memory', control: `unix:${stale}`, log: () => undefined });
  const c = await EmulatorControlClient.connect(`unix:${stale}`);
  expect((await c.call('hello', {})).protocol).to.equal(1);
  await c.close();
  await host.close();
});

test('requests on one connection run concurrently; replies are paired by id', async (t) => {
  const { client } = await setup(t);
  const [a, b, h] = await Promise.all([
    client.call('stimulus', { reader: 0, action: 'placeCard' }),
    client.call('stimulus', { reader: 1, action: 'placeCard', profile: 'notMyNumber' }),
    client.call('hello', {}),
  ]);
  expect(a.reader).to.equal(0);
  expect(b.reader).to.equal(1);
  expect(h.readers).to.have.length(2);
  expect(await client.call('status', { reader: 1 })).to.include({ state: 'halted', screen: 'notMyNumberCard' });
});
