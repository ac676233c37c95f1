// PR-5-5: an ACK names a frame by its 8-bit SEQ only, so a SEQ must not be given to a new event while
// an ACK written for an earlier frame under it can still arrive (docs/durability.md, known problem 9).
import { test } from 'node:test';
import { expect } from 'chai';
import { FrameDecoder, decodeMessage, encodeAck, encodeCommand, type Message } from '../src/protocol';
import { ReaderLink, type ReaderEvent } from '../src/reader/link';
import { FakePort } from '../src/reader/test-link';
import { VirtualClock } from '../src/time/virtual-clock';
import { LinkDevice } from './link-device';

function setup() {
  const clock = new VirtualClock(0);
  const link = new LinkDevice(clock);
  const out: Message[] = [];
  const decoder = new FrameDecoder((f) => out.push(decodeMessage(f)));
  link.connect((bytes) => decoder.push(bytes));
  let hostSeq = 0;
  const host = {
    ack: (seq: number) => link.feed(encodeAck(hostSeq++ & 0xff, seq)),
    // A host's commands: each answer takes the reader's next SEQ (the host need not have read anything).
    commands: (n: number) => {
      for (let i = 0; i < n; i++) link.feed(encodeCommand('getStatus', hostSeq++ & 0xff, {}));
    },
  };
  const heldTxIds = () =>
    [...link.unacked.values()].map((u) => {
      const m = decodeMessage({ seq: u.frame[3]!, type: u.frame[4]!, payload: u.frame.subarray(5, u.frame.length - 2) });
      return m.kind === 'event' ? Number(m.fields.txId) : -1;
    });
  const sendConfirmation = (txId: number) => link.sendEvent('identityConfirmed', { txId, method: 1, cardId: 'ab'.repeat(16), checkId: 0 });
  return { clock, link, out, host, heldTxIds, sendConfirmation };
}

test('PR-5-5 a late ACK for a retransmitted copy does not release a newer event under the same SEQ', async () => {
  const { clock, link, out, host, heldTxIds, sendConfirmation } = setup();
  sendConfirmation(1); // SEQ 0
  await clock.advance(500); // no ACK yet: the reader sends it again, a second copy of SEQ 0 on the line
  expect(out.filter((m) => m.kind === 'event')).to.have.length(2);
  host.ack(0); // the host read the first copy, recorded it, ACKed it: released
  expect(heldTxIds()).to.deep.equal([]);
  host.commands(255); // the counter comes round (SEQ 1 … 255 are answers)
  sendConfirmation(2); // the next event: SEQ 0 again before the fix
  const second = out.at(-1)!;
  expect(second.kind).to.equal('event');
  // The host, behind, now reads the second copy of txId 1 (a repeat) and ACKs SEQ 0 again, as PR-5-8 says.
  host.ack(0);
  // txId 2 never reached the host: the reader must still hold it, or nobody ever records it.
  expect(heldTxIds(), `txId 2 went out under SEQ ${second.seq}`).to.deep.equal([2]);
  expect(link.unacked.has(second.seq)).to.equal(true);
});

test('PR-5-5 an event held for a whole turn keeps its SEQ: a late ACK under it releases that event, not another', async () => {
  const { clock, link, out, host, heldTxIds, sendConfirmation } = setup();
  sendConfirmation(1); // SEQ 0, never ACKed yet (the host dropped it while starting)
  await clock.advance(500); // a second copy of SEQ 0 on the line, which the host will read late
  host.commands(255);
  sendConfirmation(2); // before the fix: txId 1 taken back, txId 2 given SEQ 0
  host.ack(0); // the host ACKs the copy of txId 1 it has just read
  expect(heldTxIds()).to.deep.equal([2]);
  // and txId 2 is ACKed by its own SEQ, whatever it is
  const seq2 = out.filter((m) => m.kind === 'event').at(-1)!.seq;
  host.ack(seq2);
  expect(heldTxIds()).to.deep.equal([]);
  void link;
});

test('PR-5-1 PR-5-5 a SEQ whose event was sent once is given to the next frame as before: no gap without a copy on the line', () => {
  const { out, host, heldTxIds, sendConfirmation } = setup();
  sendConfirmation(1); // SEQ 0, sent once
  host.ack(0);
  host.commands(255);
  sendConfirmation(2);
  expect(out.map((m) => m.seq)).to.deep.equal([...Array(256).keys(), 0]);
  expect(heldTxIds()).to.deep.equal([2]);
});

test('with the controller in the loop: one that reads its input late, ACKs a repeat and is killed leaves no outcome unrecorded', async () => {
  const { clock, link: reader, sendConfirmation } = setup();
  const line: Buffer[] = []; // what the reader wrote and no controller has read yet
  reader.connect((bytes) => line.push(Buffer.from(bytes)));
  const recorded = new Set<number>();
  const controller = () => {
    const port = new FakePort();
    port.write = (data: Buffer, cb: (err?: Error | null) => void) => {
      reader.feed(data); // ACKs and commands reach the reader at once
      cb(null);
      return true;
    };
    const link = new ReaderLink(port, clock);
    return {
      link,
      read: (frames = line.length) => line.splice(0, frames).forEach((b) => port.receive(b)),
      listen: () => link.on('event', (e: ReaderEvent) => e.name === 'identityConfirmed' && recorded.add(Number(e.fields.txId))),
    };
  };
  const a = controller();
  a.listen();
  sendConfirmation(1);
  await clock.advance(500); // a second copy of txId 1 follows the first on the line
  a.read(1); // recorded, ACKed: the reader lets txId 1 go
  // The controller's commands are answered while it is still behind on its input.
  for (let i = 0; i < 255; i++) a.link.request('getStatus', {}).catch(() => undefined);
  sendConfirmation(2);
  a.read(1); // the second copy of txId 1: a repeat, ACKed again (PR-5-8)
  // Killed here. The next controller reads what is left before it listens (no ACK while nobody
  // records), then listens; the reader sends again whatever it still holds.
  const b = controller();
  b.read();
  b.listen();
  await clock.advance(4000);
  b.read();
  expect([...recorded].sort(), 'outcomes recorded').to.deep.equal([1, 2]);
  expect(reader.unacked.size, 'events still held').to.equal(0);
});
