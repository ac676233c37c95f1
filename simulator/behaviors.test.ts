import { test } from 'node:test';
import { expect } from 'chai';
import { FrameDecoder, decodeMessage, encodeCommand, type Message } from '../src/protocol';
import { ReaderClient } from '../src/reader/reader-client';
import { VirtualClock } from '../src/time/virtual-clock';
import type { ReaderBehavior } from './behaviors';
import { EmulatedReader } from './emulated-reader';
import { EmulatorError } from './errors';
import { EmulatorBinding } from './mock-binding';

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  const received: Message[] = [];
  const decoder = new FrameDecoder((f) => received.push(decodeMessage(f)));
  reader.connect((bytes) => decoder.push(bytes));
  const responses = () => received.filter((m) => m.kind === 'response');
  return { clock, reader, received, responses };
}

/** A reader that says it is busy whenever the terminal asks for its status. */
const busyOnGetStatus: ReaderBehavior = {
  onCommand(_reader, cmd, reply) {
    if (cmd.name !== 'getStatus') return false;
    reply.respond('getStatus', 'busy');
    return true;
  },
};

test('an override in front of the defaults answers its command; the others still get the defaults; taking it away restores them', () => {
  const { reader, responses } = setup();
  const restore = reader.defineBehavior(busyOnGetStatus);
  reader.feed(encodeCommand('getStatus', 0, {}));
  reader.feed(encodeCommand('setMode', 1, { mode: 1 }));
  restore();
  reader.feed(encodeCommand('getStatus', 2, {}));
  expect(responses().map((m) => m.kind === 'response' && [m.name, m.status])).to.deep.equal([
    ['getStatus', 'busy'],
    ['setMode', 'ok'],
    ['getStatus', 'ok'],
  ]);
});

test('the last override defined is asked first; one that passes (false) leaves the input to the next', () => {
  const { reader, responses } = setup();
  const asked: string[] = [];
  const watcher: ReaderBehavior = { onCommand: (_r, cmd) => (asked.push(cmd.name), false) };
  reader.defineBehavior(busyOnGetStatus);
  reader.defineBehavior(watcher);
  reader.feed(encodeCommand('getStatus', 0, {}));
  expect(asked).to.deep.equal(['getStatus']);
  expect(responses()[0]).to.include({ name: 'getStatus', status: 'busy' });
});

test('a reader that never answers a command (a behaviour that swallows it): the terminal times out, coded, and can ask again', async () => {
  const { clock, reader } = setup();
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyEMU0', reader);
  const client = await clock.resolve(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock, commandTimeoutMs: 1000 }));
  const restore = reader.defineBehavior({ onCommand: (_r, cmd) => cmd.name === 'getStatus' });
  const failure = await clock.resolve(
    client.getStatus().then(
      () => null,
      (e: unknown) => e,
    ),
  );
  expect(failure).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
  restore();
  expect(await clock.resolve(client.getStatus())).to.include({ cardPresent: 0 });
  await clock.resolve(client.close());
});

test("an act's override: a jammed card slot refuses every card, coded, and the default never runs", async () => {
  const { clock, reader, received } = setup();
  reader.defineBehavior({
    onStimulus(_r, s) {
      if (s.action === 'placeCard') throw new EmulatorError('EMU_ERR_BAD_STATE', 'placeCard', 'slot jammed');
      return false;
    },
  });
  expect(() => reader.stimulate({ action: 'placeCard', profile: 'normal' }))
    .to.throw(EmulatorError)
    .with.property('code', 'EMU_ERR_BAD_STATE');
  expect(() => reader.placeCard('normal')).to.throw(EmulatorError);
  await clock.runUntilIdle();
  expect(reader.model.card).to.equal(null);
  expect(received).to.deep.equal([]);
  // Acts it does not take still reach their defaults.
  expect(() => reader.removeCard())
    .to.throw(EmulatorError)
    .with.property('code', 'EMU_ERR_NO_CARD');
});

test('a wrongStatus fault rule is a behaviour in front: the reader answers with that status and does not do the command', () => {
  const { reader, responses } = setup();
  reader.link.faults.arm({ fault: 'wrongStatus', nth: 1, status: 'badState' });
  reader.feed(encodeCommand('setMode', 0, { mode: 2 }));
  expect(responses()[0]).to.include({ name: 'setMode', status: 'badState' });
  // The reader said no, so it did not switch (a rewrite on the wire would have left it in 目視確認).
  expect(reader.model.mode).to.equal('unattended');
  // Spent after one: the next command is the reader's own again.
  reader.feed(encodeCommand('setMode', 1, { mode: 2 }));
  expect(responses()[1]).to.include({ name: 'setMode', status: 'ok' });
  expect(reader.model.mode).to.equal('visual');
  expect(reader.link.faults.stats.applied.wrongStatus).to.equal(1);
});
