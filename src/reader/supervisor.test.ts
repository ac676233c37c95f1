import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { VirtualClock } from '../time/virtual-clock';
import { ReaderSupervisor } from './supervisor';
import { Terminal } from './terminal';

async function setup(heartbeatMs = 0) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyS', reader);
  const terminal = new Terminal({ clock });
  const sup = new ReaderSupervisor({ path: '/dev/ttyS', binding, clock, terminal, heartbeatMs, reconnectMinMs: 100, reconnectMaxMs: 400 });
  await clock.resolve(sup.start());
  return { clock, reader, binding, terminal, sup };
}

test('an unplugged cable fails the command in flight with a code, and the supervisor reconnects with backoff', async (t) => {
  const { clock, binding, terminal, sup } = await setup();
  t.after(() => sup.stop());
  const inFlight = sup.client!.getStatus();
  binding.unplug('/dev/ttyS');
  let code: string | undefined;
  await clock.resolve(inFlight.catch((e: { code?: string }) => void (code = e.code)));
  expect(code).to.equal('OQS_ERR_READER_DISCONNECTED');
  expect(terminal.status().readers).to.have.length(0);
  expect(sup.state).to.equal('disconnected');
  await clock.advance(1_000); // attempts at 100, 200, 400 ms fail while unplugged
  expect(sup.reconnects).to.be.greaterThan(1);
  binding.replug('/dev/ttyS');
  await clock.advance(1_000);
  expect(sup.state).to.equal('connected');
  expect(terminal.status().readers).to.have.length(1);
});

test('a reader that stops answering is noticed by the heartbeat and the link is dropped for a reconnect', async (t) => {
  const { clock, reader, terminal, sup } = await setup(2_000);
  t.after(() => sup.stop());
  reader.link.faults.arm({ fault: 'drop', only: 'response', every: 1 });
  await clock.advance(2_000 + 3_000 + 10); // silence, then the heartbeat's getStatus times out
  expect(terminal.status().readers).to.have.length(0);
  expect(terminal.alerts().map((a) => a.code)).to.include('readerDisconnected');
  reader.link.faults.clear();
  await clock.advance(5_000);
  expect(sup.state).to.equal('connected');
  expect(terminal.alerts().map((a) => a.code)).not.to.include('readerDisconnected');
});
