import { test } from 'node:test';
import { expect } from 'chai';
import {
  DO,
  DONT,
  IAC,
  NOP,
  OPT_BINARY,
  OPT_COM_PORT,
  OPT_SGA,
  SB,
  SE,
  TelnetDecoder,
  TelnetOptions,
  WILL,
  WONT,
  escapeIac,
  negotiation,
  subnegotiation,
  type TelnetEvent,
} from './telnet';

/** Feeds the bytes one at a time (the harshest chunking) and joins adjacent data events. */
function byteWise(bytes: number[], d = new TelnetDecoder()): TelnetEvent[] {
  const out: TelnetEvent[] = [];
  for (const b of bytes) {
    for (const e of d.push(Buffer.of(b))) {
      const last = out[out.length - 1];
      if (e.type === 'data' && last?.type === 'data') last.bytes = Buffer.concat([last.bytes, e.bytes]);
      else out.push(e.type === 'data' ? { type: 'data', bytes: Buffer.from(e.bytes) } : e);
    }
  }
  return out;
}

test('data passes through; IAC IAC is one 0xFF, also when split across chunks', () => {
  const d = new TelnetDecoder();
  expect(d.push(Buffer.of(1, 2, IAC))).to.deep.equal([{ type: 'data', bytes: Buffer.of(1, 2) }]);
  expect(d.pending).to.equal(1);
  expect(d.push(Buffer.of(IAC, 3))).to.deep.equal([{ type: 'data', bytes: Buffer.of(0xff, 3) }]);
  expect(d.pending).to.equal(0);
});

test('negotiation, commands and subnegotiations come out in stream order between data', () => {
  const bytes = [0x41, IAC, WILL, OPT_COM_PORT, 0x42, IAC, NOP, IAC, SB, OPT_COM_PORT, 101, IAC, IAC, IAC, SE, 0x43];
  expect(byteWise(bytes)).to.deep.equal([
    { type: 'data', bytes: Buffer.of(0x41) },
    { type: 'negotiate', verb: 'WILL', option: OPT_COM_PORT },
    { type: 'data', bytes: Buffer.of(0x42) },
    { type: 'command', code: NOP },
    { type: 'subnegotiation', option: OPT_COM_PORT, payload: Buffer.of(101, 0xff) },
    { type: 'data', bytes: Buffer.of(0x43) },
  ]);
});

test('IAC followed by a byte that is no command is a coded fault, and the stream carries on', () => {
  const events = new TelnetDecoder().push(Buffer.of(IAC, 0x07, 0x41));
  expect(events.map((e) => e.type)).to.deep.equal(['error', 'data']);
  expect(events[0]).to.include({ fault: 'badCommand' });
});

test('a subnegotiation longer than the bound is reported once, skipped to IAC SE, and nothing grows', () => {
  const d = new TelnetDecoder(8);
  const events = d.push(Buffer.concat([Buffer.of(IAC, SB, OPT_COM_PORT), Buffer.alloc(10_000, 1), Buffer.of(IAC, SE, 0x55)]));
  expect(events.filter((e) => e.type === 'error').map((e) => (e as { fault: string }).fault)).to.deep.equal(['subnegotiationOverflow']);
  expect(events[events.length - 1]).to.deep.equal({ type: 'data', bytes: Buffer.of(0x55) });
  expect(d.pending).to.equal(0);
});

test('IAC and a stray byte inside a subnegotiation abandon it with a fault', () => {
  const events = new TelnetDecoder().push(Buffer.of(IAC, SB, OPT_COM_PORT, 1, IAC, 0x33, 0x44));
  expect(events[0]).to.include({ type: 'error', fault: 'badSubnegotiation' });
  expect(events[1]).to.deep.equal({ type: 'data', bytes: Buffer.of(0x44) });
});

test('a stream that ends inside a sequence is truncated; end() resets the decoder', () => {
  const d = new TelnetDecoder();
  d.push(Buffer.of(IAC, SB, OPT_COM_PORT, 1));
  expect(d.end()).to.have.length(1).and.to.have.nested.property('[0].fault', 'truncated');
  expect(d.end()).to.deep.equal([]);
  expect(d.push(Buffer.of(7))).to.deep.equal([{ type: 'data', bytes: Buffer.of(7) }]);
});

test('escapeIac doubles every 0xFF and returns the same buffer when there is none', () => {
  const plain = Buffer.of(1, 2, 3);
  expect(escapeIac(plain)).to.equal(plain);
  expect(escapeIac(Buffer.of(0xff, 1, 0xff))).to.deep.equal(Buffer.of(0xff, 0xff, 1, 0xff, 0xff));
  expect(subnegotiation(44, Buffer.of(1, 0xff))).to.deep.equal(Buffer.of(IAC, SB, 44, 1, 0xff, 0xff, IAC, SE));
});

test('options: our requests are answered once, offers we want are accepted, others refused, no loops', () => {
  const o = new TelnetOptions({ local: [OPT_BINARY, OPT_COM_PORT], remote: [OPT_BINARY, OPT_SGA] });
  expect(o.request()).to.deep.equal(
    Buffer.concat([negotiation('WILL', OPT_BINARY), negotiation('WILL', OPT_COM_PORT), negotiation('DO', OPT_BINARY), negotiation('DO', OPT_SGA)]),
  );
  expect(o.receive('DO', OPT_COM_PORT)).to.equal(null); // the answer to our WILL
  expect(o.localOn.has(OPT_COM_PORT)).to.equal(true);
  expect(o.receive('DO', OPT_COM_PORT)).to.equal(null); // already on: no answer, no loop
  expect(o.receive('WILL', 99)).to.deep.equal(Buffer.of(IAC, DONT, 99));
  expect(o.receive('DO', 99)).to.deep.equal(Buffer.of(IAC, WONT, 99));
  expect(o.receive('WONT', OPT_SGA)).to.equal(null); // refusal of our DO
  expect(o.refused.has(`remote:${OPT_SGA}`)).to.equal(true);
  expect(o.receive('WILL', OPT_BINARY)).to.equal(null);
  expect(o.receive('WONT', OPT_BINARY)).to.deep.equal(Buffer.of(IAC, DONT, OPT_BINARY)); // switched off: acknowledged
  expect(o.receive('WILL', OPT_BINARY)).to.deep.equal(Buffer.of(IAC, DO, OPT_BINARY)); // offered again unasked: accepted
});
