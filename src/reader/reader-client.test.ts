import { test } from 'node:test';
import { expect } from 'chai';
import type { BindingInterface, OpenOptions } from '@serialport/bindings-interface';
import { EventEmitter } from 'node:events';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { FrameDecoder, encodeResponse } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { ReaderLink } from './link';
import { isPseudoTerminal, ReaderClient } from './reader-client';

/** A binding that, like a pty under the native binding, refuses a non-standard baud rate. */
function ptyLike(clock: VirtualClock): { binding: BindingInterface; opened: number[] } {
  const inner = new EmulatorBinding();
  inner.addPort('/dev/ttyX', new EmulatedReader({ clock }));
  const opened: number[] = [];
  const binding: BindingInterface = {
    list: () => inner.list(),
    open: async (o: OpenOptions) => {
      opened.push(o.baudRate);
      if (![9600, 19200, 38400, 57600, 115200].includes(o.baudRate)) {
        throw new Error(`Error: Inappropriate ioctl for device setting custom baud rate of ${o.baudRate}`);
      }
      return inner.open(o);
    },
  };
  return { binding, opened };
}

test('on a pseudo-terminal a refused custom baud rate falls back to a standard one', async () => {
  const clock = new VirtualClock(0);
  const { binding, opened } = ptyLike(clock);
  const client = await clock.resolve(ReaderClient.open({ path: '/dev/ttyX', binding, clock, baudRate: 250000, isPseudoTerminal: () => true }));
  expect(opened).to.deep.equal([250000, 115200]);
  expect(client.identity?.serial).to.equal('EMU-0001');
  await client.close();
});

test('on a real device the same refusal is reported, not hidden', async () => {
  const clock = new VirtualClock(0);
  const { binding, opened } = ptyLike(clock);
  let err: unknown;
  try {
    await clock.resolve(ReaderClient.open({ path: '/dev/ttyX', binding, clock, baudRate: 250000, isPseudoTerminal: () => false }));
  } catch (e) {
    err = e;
  }
  expect(err).to.have.property('code', 'OQS_ERR_PORT_OPEN');
  expect((err as Error).message).to.match(/Inappropriate ioctl/);
  expect(opened).to.deep.equal([250000]);
});

test('isPseudoTerminal is false for anything that is not /dev/pts/N', () => {
  expect(isPseudoTerminal('/dev/null')).to.equal(false);
  expect(isPseudoTerminal('/no/such/port')).to.equal(false);
});

test('a reader that answers hello with badVersion is OQS_ERR_READER_PROTOCOL, read from the typed refusal', async () => {
  // A reader of another protocol version: every command it hears is answered badVersion.
  const port = Object.assign(new EventEmitter(), {
    isOpen: true,
    decoder: new FrameDecoder((f) => queueMicrotask(() => port.emit('data', encodeResponse('hello', 0, f.seq, 'badVersion')))),
    write(data: Buffer, cb: (err?: Error | null) => void) {
      port.decoder.push(data);
      cb(null);
    },
    close(cb: (err?: Error | null) => void) {
      cb(null);
    },
  });
  const client = new ReaderClient('/dev/ttyOther', new ReaderLink(port, new VirtualClock(0)));
  const err = await client.identify('oqs-reader').catch((e: unknown) => e);
  expect(err).to.have.property('code', 'OQS_ERR_READER_PROTOCOL');
  expect(client.identity).to.equal(null);
});
