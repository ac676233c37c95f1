import { test } from 'node:test';
import { expect } from 'chai';
import {
  COM_PORT,
  CONTROL,
  ComPortServer,
  PARITY,
  answers,
  decodeComPort,
  encodeComPort,
  encodeComPortPayload,
  lineCommands,
  DEFAULT_LINE,
  type ComPortCommand,
} from './rfc2217';
import { IAC, OPT_COM_PORT, SB, SE, TelnetDecoder, TelnetOptions, negotiation } from './telnet';
import { CLIENT_OPTIONS } from './rfc2217';

test('SET-BAUDRATE is four bytes in network order; the server answers with code + 100', () => {
  expect(encodeComPortPayload({ kind: 'baudRate', value: 115200 })).to.deep.equal(Buffer.of(1, 0x00, 0x01, 0xc2, 0x00));
  expect(encodeComPort({ kind: 'control', value: CONTROL.dtrOn }, true)).to.deep.equal(Buffer.of(IAC, SB, OPT_COM_PORT, 105, 8, IAC, SE));
  // 255 in a value is doubled on the wire (SET-LINESTATE-MASK 0xFF).
  expect(encodeComPort({ kind: 'lineStateMask', value: 255 })).to.deep.equal(Buffer.of(IAC, SB, 44, 10, 0xff, 0xff, IAC, SE));
});

test('every command decodes back to itself, from either side', () => {
  const all: ComPortCommand[] = [
    { kind: 'signature', text: 'ser2net' },
    { kind: 'baudRate', value: 9600 },
    { kind: 'dataSize', value: 8 },
    { kind: 'parity', value: PARITY.none },
    { kind: 'stopSize', value: 1 },
    { kind: 'control', value: CONTROL.rtsOff },
    { kind: 'notifyLineState', value: 0x60 },
    { kind: 'notifyModemState', value: 0x30 },
    { kind: 'flowSuspend' },
    { kind: 'flowResume' },
    { kind: 'lineStateMask', value: 0 },
    { kind: 'modemStateMask', value: 255 },
    { kind: 'purge', value: 3 },
  ];
  expect(all.map((c) => c.kind)).to.have.members(Object.keys(COM_PORT));
  for (const fromServer of [false, true]) {
    for (const command of all) expect(decodeComPort(encodeComPortPayload(command, fromServer))).to.deep.equal({ fromServer, command });
  }
});

test('bad COM-PORT payloads say why instead of throwing', () => {
  expect(decodeComPort(Buffer.of())).to.be.a('string');
  expect(decodeComPort(Buffer.of(50))).to.match(/unknown/);
  expect(decodeComPort(Buffer.of(1, 0, 0))).to.match(/baudRate takes 4/);
  expect(decodeComPort(Buffer.of(108, 1))).to.match(/no value/);
});

test('answers: SET-CONTROL answers within its family only', () => {
  const dtr = { kind: 'control', value: CONTROL.dtrOn } as const;
  expect(answers(dtr, { fromServer: true, command: { kind: 'control', value: CONTROL.dtrOff } })).to.equal(true);
  expect(answers(dtr, { fromServer: true, command: { kind: 'control', value: CONTROL.rtsOn } })).to.equal(false);
  expect(answers(dtr, { fromServer: false, command: dtr })).to.equal(false);
  expect(answers({ kind: 'baudRate', value: 1 }, { fromServer: true, command: { kind: 'baudRate', value: 9600 } })).to.equal(true);
});

test('the server negotiator accepts a client, acknowledges every command, unescapes data', () => {
  const server = new ComPortServer();
  const client = new TelnetOptions(CLIENT_OPTIONS);
  const fromClient = Buffer.concat([
    client.request(),
    ...lineCommands({ ...DEFAULT_LINE, baudRate: 9600 }).map((c) => encodeComPort(c)),
    encodeComPort({ kind: 'control', value: CONTROL.requestDtr }),
    encodeComPort({ kind: 'control', value: CONTROL.dtrOff }),
    encodeComPort({ kind: 'purge', value: 3 }),
    encodeComPort({ kind: 'signature', text: '' }),
    Buffer.of(0xa5, IAC, IAC, 0x01),
  ]);
  const step = server.receive(fromClient);
  expect(step.errors).to.deep.equal([]);
  expect(Buffer.concat(step.data)).to.deep.equal(Buffer.of(0xa5, 0xff, 0x01));
  expect(step.commands).to.have.length(9);
  expect(server.port).to.include({ baudRate: 9600, dtr: false, dataSize: 8 });
  // The replies: DO/WILL for the client's requests, then one acknowledgement per command.
  const decoded = new TelnetDecoder().push(Buffer.concat(step.reply));
  const negotiations = decoded.filter((e) => e.type === 'negotiate');
  expect(negotiations).to.deep.include({ type: 'negotiate', verb: 'DO', option: OPT_COM_PORT });
  const acks = decoded.flatMap((e) => (e.type === 'subnegotiation' ? [decodeComPort(e.payload)] : []));
  expect(acks).to.deep.equal([
    { fromServer: true, command: { kind: 'baudRate', value: 9600 } },
    { fromServer: true, command: { kind: 'dataSize', value: 8 } },
    { fromServer: true, command: { kind: 'parity', value: PARITY.none } },
    { fromServer: true, command: { kind: 'stopSize', value: 1 } },
    { fromServer: true, command: { kind: 'control', value: CONTROL.flowNone } },
    { fromServer: true, command: { kind: 'control', value: CONTROL.dtrOn } },
    { fromServer: true, command: { kind: 'control', value: CONTROL.dtrOff } },
    { fromServer: true, command: { kind: 'purge', value: 3 } },
    { fromServer: true, command: { kind: 'signature', text: 'oqs-reader emulator' } },
  ]);
  expect(server.encodeData(Buffer.of(0xff))).to.deep.equal(Buffer.of(0xff, 0xff));
  expect(server.greeting().includes(negotiation('WILL', OPT_COM_PORT))).to.equal(true);
});

test('the server reports bad input and carries on', () => {
  const server = new ComPortServer();
  const step = server.receive(Buffer.concat([Buffer.of(IAC, 3), Buffer.of(IAC, SB, OPT_COM_PORT, 50, IAC, SE, 0x41)]));
  expect(step.errors.map((e) => e.fault)).to.deep.equal(['badCommand', 'badComPort']);
  expect(Buffer.concat(step.data)).to.deep.equal(Buffer.of(0x41));
});
