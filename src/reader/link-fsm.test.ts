import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { COMMANDS, type CommandName, type StatusName } from '../protocol';
import { INITIAL_LINK_STATE, REPEAT_WINDOW_FRAMES, rememberEvent, step, type EventMemory, type LinkEffect, type LinkInput, type LinkState } from './link-fsm';

// The machine alone: no port, no clock, no promises. Every input is a plain value.

const send = (seq: number, name: CommandName = 'getStatus', timeoutMs = 3000, attempts = 3): LinkInput => ({ type: 'send', seq, name, timeoutMs, attempts });
const response = (reqSeq: number, status: StatusName = 'ok', name: CommandName = 'getStatus', fields: Record<string, number> = { mode: 1 }): LinkInput => ({
  type: 'responseReceived',
  reqSeq,
  name,
  status,
  fields,
});

/** Feeds the inputs in order; returns the last state and every effect. */
function run(inputs: LinkInput[], from: LinkState = INITIAL_LINK_STATE) {
  let state = from;
  const effects: LinkEffect[][] = [];
  for (const input of inputs) {
    const r = step(state, input);
    state = r.state;
    effects.push([...r.effects]);
  }
  return { state, effects, last: effects.at(-1) ?? [] };
}

const cancels = (seq: number): LinkEffect[] => [
  { type: 'cancelTimer', seq, timer: 'timeout' },
  { type: 'cancelTimer', seq, timer: 'retry' },
];

test('send arms the timeout and the first retry, then writes (the write last)', () => {
  const { state, last } = run([send(7, 'getStatus', 3000, 3)]);
  expect(last).to.deep.equal([
    { type: 'armTimer', seq: 7, timer: 'timeout', ms: 3000 },
    { type: 'armTimer', seq: 7, timer: 'retry', ms: 1000 },
    { type: 'write', seq: 7, attempt: 1 },
  ]);
  expect([...state.pending.keys()]).to.deep.equal([7]);
});

test('one attempt: no retry timer', () => {
  const { last } = run([send(1, 'reset', 500, 1)]);
  expect(last).to.deep.equal([
    { type: 'armTimer', seq: 1, timer: 'timeout', ms: 500 },
    { type: 'write', seq: 1, attempt: 1 },
  ]);
});

test('each retry writes the same SEQ again; the last attempt arms no further retry; then the timeout rejects', () => {
  const { effects, state } = run([send(4), { type: 'retryTimerFired', seq: 4 }, { type: 'retryTimerFired', seq: 4 }, { type: 'timeoutFired', seq: 4 }]);
  expect(effects[1]).to.deep.equal([
    { type: 'armTimer', seq: 4, timer: 'retry', ms: 1000 },
    { type: 'write', seq: 4, attempt: 2 },
  ]);
  expect(effects[2]).to.deep.equal([{ type: 'write', seq: 4, attempt: 3 }]);
  expect(effects[3]).to.deep.equal([...cancels(4), { type: 'reject', seq: 4, failure: { kind: 'timeout', name: 'getStatus', timeoutMs: 3000 } }]);
  expect(state.pending.size).to.equal(0);
});

test('an ok response resolves with its fields and cancels both timers', () => {
  const { last, state } = run([send(2), response(2, 'ok', 'getStatus', { mode: 2 })]);
  expect(last).to.deep.equal([...cancels(2), { type: 'resolve', seq: 2, fields: { mode: 2 } }]);
  expect(state.pending.size).to.equal(0);
});

test('a refusal rejects with the status, typed as a failure of kind refused', () => {
  const { last } = run([send(2, 'setMode'), response(2, 'busy', 'setMode', {})]);
  expect(last).to.deep.equal([...cancels(2), { type: 'reject', seq: 2, failure: { kind: 'refused', name: 'setMode', status: 'busy' } }]);
});

test('a stray response (unknown reqSeq or another command) changes nothing', () => {
  const sent = run([send(2, 'getStatus')]).state;
  for (const input of [response(3), response(2, 'ok', 'setMode')]) {
    const r = step(sent, input);
    expect(r.effects).to.deep.equal([]);
    expect(r.state).to.equal(sent);
  }
});

test('a retry timer after the last attempt writes nothing', () => {
  const { last } = run([send(6, 'getStatus', 3000, 2), { type: 'retryTimerFired', seq: 6 }, { type: 'retryTimerFired', seq: 6 }]);
  expect(last).to.deep.equal([]);
});

test('a late response, after the timeout, is ignored; so are the timers of a settled command', () => {
  const { effects } = run([send(5), { type: 'timeoutFired', seq: 5 }, response(5), { type: 'retryTimerFired', seq: 5 }, { type: 'timeoutFired', seq: 5 }]);
  expect(effects.slice(2)).to.deep.equal([[], [], []]);
});

test('a failed write rejects as disconnected', () => {
  const { last } = run([send(9, 'reset'), { type: 'writeFailed', seq: 9 }]);
  expect(last).to.deep.equal([...cancels(9), { type: 'reject', seq: 9, failure: { kind: 'disconnected', name: 'reset' } }]);
});

test('closing rejects every pending command as disconnected; a send after it is rejected unwritten; a second close does nothing', () => {
  const { effects, state } = run([send(1, 'getStatus'), send(2, 'reset'), { type: 'closed' }, send(3, 'hello'), { type: 'closed' }]);
  expect(effects[2]).to.deep.equal([
    ...cancels(1),
    { type: 'reject', seq: 1, failure: { kind: 'disconnected', name: 'getStatus' } },
    ...cancels(2),
    { type: 'reject', seq: 2, failure: { kind: 'disconnected', name: 'reset' } },
  ]);
  expect(effects[3]).to.deep.equal([{ type: 'reject', seq: 3, failure: { kind: 'disconnected', name: 'hello' } }]);
  expect(effects[4]).to.deep.equal([]);
  expect(state).to.deep.equal({ closed: true, pending: new Map() });
});

test('step never changes the state it is given', () => {
  const before = run([send(1), send(2)]).state;
  const snapshot = new Map(before.pending);
  step(before, response(1));
  step(before, { type: 'closed' });
  expect(before.closed).to.equal(false);
  expect(before.pending).to.deep.equal(snapshot);
});

/** Any inputs on a few SEQs, in any order, as the port and the clock could deliver them. */
const names = Object.keys(COMMANDS) as CommandName[];
const statuses: StatusName[] = ['ok', 'busy', 'badState'];
const seqArb = fc.integer({ min: 0, max: 3 });
const inputArb: fc.Arbitrary<LinkInput> = fc.oneof(
  fc.record({
    type: fc.constant('send' as const),
    seq: seqArb,
    name: fc.constantFrom(...names),
    timeoutMs: fc.integer({ min: 1, max: 5000 }),
    attempts: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    type: fc.constant('responseReceived' as const),
    reqSeq: seqArb,
    name: fc.constantFrom(...names),
    status: fc.constantFrom(...statuses),
    fields: fc.constant({}),
  }),
  fc.record({ type: fc.constant('retryTimerFired' as const), seq: seqArb }),
  fc.record({ type: fc.constant('timeoutFired' as const), seq: seqArb }),
  fc.record({ type: fc.constant('writeFailed' as const), seq: seqArb }),
  fc.constant({ type: 'closed' as const }),
);

test('property: each command is settled exactly once, is written at most `attempts` times, a write comes last, and nothing happens to it after', () => {
  fc.assert(
    fc.property(fc.array(inputArb, { maxLength: 40 }), (inputs) => {
      let state = INITIAL_LINK_STATE;
      // What the shell would know: which SEQs are in flight and how often each was written.
      const live = new Map<number, { attempts: number; writes: number }>();
      // Every run ends with the port closing: by then each command must have been settled.
      for (const input of [...inputs, { type: 'closed' } as const]) {
        // The shell never reuses a SEQ that is still in flight.
        if (input.type === 'send' && live.has(input.seq)) continue;
        const { state: next, effects } = step(state, input);
        if (input.type === 'send' && !state.closed) live.set(input.seq, { attempts: input.attempts, writes: 0 });
        effects.forEach((e, i) => {
          const l = live.get(e.seq);
          if (input.type === 'send' && state.closed) {
            expect(e.type).to.equal('reject');
            return;
          }
          expect(l, `an effect for SEQ ${e.seq}, which is not in flight`).to.not.equal(undefined);
          if (e.type === 'write') {
            expect(i, 'the write is the last effect').to.equal(effects.length - 1);
            l!.writes++;
            expect(l!.writes).to.be.at.most(l!.attempts);
          } else if (e.type === 'resolve' || e.type === 'reject') live.delete(e.seq);
        });
        // What the machine holds is exactly what the shell has not heard settled.
        expect([...next.pending.keys()].sort()).to.deep.equal([...live.keys()].sort());
        if (input.type === 'closed') expect(live.size).to.equal(0);
        state = next;
      }
    }),
  );
});

// Which events are repeats (PR-5-8): also pure.

/** Feeds events (SEQ, bytes, the frame number they came in) and says which were repeats. */
function repeats(events: Array<[seq: number, key: string, frameNo: number, readerReset?: boolean]>): boolean[] {
  let memory: EventMemory = new Map();
  return events.map(([seq, key, frameNo, readerReset = false]) => {
    const r = rememberEvent(memory, { seq, key, frameNo, readerReset });
    memory = r.memory;
    return r.repeat;
  });
}

test('an event with the SEQ and bytes of one fewer than 128 frames ago is a repeat; other bytes, or older, are new', () => {
  expect(
    repeats([
      [7, 'a', 1],
      [7, 'a', 2],
      [7, 'b', 3],
      [7, 'b', 3 + REPEAT_WINDOW_FRAMES - 1],
      [7, 'b', 3 + REPEAT_WINDOW_FRAMES - 1 + REPEAT_WINDOW_FRAMES],
    ]),
  ).to.deep.equal([false, true, false, true, false]);
});

test('a readerReset forgets every event before it (the reader numbers from 0 again), and is remembered itself', () => {
  expect(
    repeats([
      [0, 'a', 1],
      [1, 'r', 2, true],
      [0, 'a', 3],
      [1, 'r', 4, true],
    ]),
  ).to.deep.equal([false, false, false, true]);
});

test('rememberEvent never changes the memory it is given', () => {
  const memory: EventMemory = new Map([[3, { key: 'x', frameNo: 1 }]]);
  rememberEvent(memory, { seq: 4, key: 'y', frameNo: 2, readerReset: true });
  expect([...memory]).to.deep.equal([[3, { key: 'x', frameNo: 1 }]]);
});
