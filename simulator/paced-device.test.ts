import { test } from 'node:test';
import { expect } from 'chai';
import { ReaderClient } from '../src/reader/reader-client';
import { VirtualClock } from '../src/time/virtual-clock';
import { EmulatedReader } from './emulated-reader';
import { EmulatorBinding } from './mock-binding';
import { PacedDevice } from './paced-device';

test('a reader behind 9600 baud, a 16 ms latency timer and 1-byte reads still identifies, on virtual time', async () => {
  const clock = new VirtualClock(0);
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  const device = new PacedDevice(reader, clock, { baudRate: 9600, latencyTimerMs: 16, fragment: 1 });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyPACED', device);
  const started = clock.now();
  const client = await clock.resolve(ReaderClient.open({ path: '/dev/ttyPACED', binding, clock }));
  expect(client.identity?.serial).to.equal('EMU-0001');
  // The hello response (about 55 bytes) takes ~57 ms at 9600 baud plus the latency timer.
  const elapsed = clock.now() - started;
  expect(elapsed).to.be.greaterThan(50).and.lessThan(200);
  await client.close();
});
