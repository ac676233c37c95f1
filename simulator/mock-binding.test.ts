import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatorBinding, type SerialDevice } from './mock-binding';

/** A device that only records what happens to it. */
class RecordingDevice implements SerialDevice {
  fed: Buffer[] = [];
  connects = 0;
  disconnects = 0;
  sink: ((bytes: Buffer) => void) | null = null;
  connect(sink: (bytes: Buffer) => void): void {
    this.connects++;
    this.sink = sink;
  }
  disconnect(): void {
    this.disconnects++;
    this.sink = null;
  }
  feed(bytes: Buffer): void {
    this.fed.push(Buffer.from(bytes));
  }
  get received(): Buffer {
    return Buffer.concat(this.fed);
  }
}

const PATH = '/dev/ttyEMU0';
const open = (binding: EmulatorBinding, path = PATH) => binding.open({ path, baudRate: 115200 });

/** A binding with one recording device at PATH. */
function withDevice() {
  const binding = new EmulatorBinding();
  const dev = new RecordingDevice();
  binding.addPort(PATH, dev);
  return { binding, dev };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

test('two bindings with the same path are independent: no module-level port table', async () => {
  const a = new EmulatorBinding();
  const b = new EmulatorBinding();
  const devA = new RecordingDevice();
  const devB = new RecordingDevice();
  a.addPort(PATH, devA);
  b.addPort(PATH, devB); // would throw "already exists" if the table were shared
  const portA = await open(a);
  const portB = await open(b); // would be "locked" if the table were shared
  await portA.write(Buffer.from('to-a'));
  await portB.write(Buffer.from('to-b'));
  expect(devA.received.toString()).to.equal('to-a');
  expect(devB.received.toString()).to.equal('to-b');
  await portA.close();
  expect(devA.disconnects).to.equal(1);
  expect(devB.disconnects).to.equal(0);
  expect(portB.isOpen).to.equal(true);
  await portB.close();
});

test('a port added to one binding does not exist on another', async () => {
  const a = new EmulatorBinding();
  const b = new EmulatorBinding();
  a.addPort('/dev/ttyOnlyA', new RecordingDevice());
  expect((await b.list()).map((p) => p.path)).to.deep.equal([]);
  const err = await rejection(open(b, '/dev/ttyOnlyA'));
  expect(err.message).to.include('Port does not exist');
});

test('opening an unknown path rejects', async () => {
  const { binding } = withDevice();
  const err = await rejection(open(binding, '/dev/ttyNOPE'));
  expect(err.message).to.include('/dev/ttyNOPE');
  expect(err.message).to.include('does not exist');
});

test('opening a port twice rejects with "Port is locked"', async () => {
  const { binding } = withDevice();
  const first = await open(binding);
  const err = await rejection(open(binding));
  expect(err.message).to.include('Port is locked');
  expect(first.isOpen).to.equal(true);
  await first.close();
});

test('bytes the host writes reach device.feed, in order', async () => {
  const { binding, dev } = withDevice();
  const port = await open(binding);
  await port.write(Buffer.from([0xa5, 0x00]));
  await port.write(Buffer.from([0x01, 0x02, 0x03]));
  expect(dev.received).to.deep.equal(Buffer.from([0xa5, 0x00, 0x01, 0x02, 0x03]));
  await port.close();
});

test('bytes the device sends are read by the host while the port is open', async () => {
  const { binding, dev } = withDevice();
  const port = await open(binding);
  expect(dev.sink).to.be.a('function');
  dev.sink!(Buffer.from('hello'));
  const buf = Buffer.alloc(16);
  const { bytesRead } = await port.read(buf, 0, 16);
  expect(buf.subarray(0, bytesRead).toString()).to.equal('hello');
  await port.close();
});

test('after close the port can be opened again, and the device is reconnected', async () => {
  const { binding, dev } = withDevice();
  const first = await open(binding);
  await first.close();
  expect(first.isOpen).to.equal(false);
  expect(dev.disconnects).to.equal(1);
  const second = await open(binding);
  expect(second.isOpen).to.equal(true);
  expect(dev.connects).to.equal(2);
  await second.write(Buffer.from('again'));
  expect(dev.received.toString()).to.equal('again');
  await second.close();
});

test('list() reports every port with its info', async () => {
  const binding = new EmulatorBinding();
  expect(await binding.list()).to.deep.equal([]);
  binding.addPort('/dev/ttyEMU0', new RecordingDevice());
  binding.addPort('/dev/ttyEMU1', new RecordingDevice(), { serialNumber: 'EMU-0002' });
  const ports = await binding.list();
  expect(ports.map((p) => p.path)).to.deep.equal(['/dev/ttyEMU0', '/dev/ttyEMU1']);
  expect(ports[0]).to.include({ manufacturer: 'oqs-reader emulator', serialNumber: undefined });
  expect(ports[1]).to.include({ serialNumber: 'EMU-0002' });
  // a copy: changing it does not change the binding
  ports[0]!.path = '/dev/changed';
  expect((await binding.list())[0]!.path).to.equal('/dev/ttyEMU0');
  binding.removePort('/dev/ttyEMU0');
  expect((await binding.list()).map((p) => p.path)).to.deep.equal(['/dev/ttyEMU1']);
});

test('adding the same path twice to one binding throws', () => {
  const { binding } = withDevice();
  expect(() => binding.addPort(PATH, new RecordingDevice())).to.throw(/already exists/);
});
