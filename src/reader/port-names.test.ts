import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingInterface, OpenOptions } from '@serialport/bindings-interface';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { PtyPort } from '../../simulator/pty/pty-port';
import { VirtualClock } from '../time/virtual-clock';
import { isPseudoTerminal, ReaderClient } from './reader-client';
import { WatchedProcess } from '../util/child-lines';

// Port names as a Windows terminal has them (COM3) and the pty fallback that exists only on POSIX.
// The platform is injected, so the Windows branches run here too (docs/platforms.md).

/** An emulated reader on `path` behind a binding that records what it is asked to open and, like a
 *  pty under the native binding, refuses a non-standard baud rate. */
function recording(path: string, clock: VirtualClock): { binding: BindingInterface; opened: Array<{ path: string; baudRate: number }> } {
  const inner = new EmulatorBinding();
  inner.addPort(path, new EmulatedReader({ clock }));
  const opened: Array<{ path: string; baudRate: number }> = [];
  const binding: BindingInterface = {
    list: () => inner.list(),
    open: async (o: OpenOptions) => {
      opened.push({ path: o.path, baudRate: o.baudRate });
      if (o.baudRate !== 115200) throw new Error(`Error: Inappropriate ioctl for device setting custom baud rate of ${o.baudRate}`);
      return inner.open(o);
    },
  };
  return { binding, opened };
}

test('a COM port name reaches serialport as it is, and the reader on it is identified', async () => {
  const clock = new VirtualClock(0);
  const { binding, opened } = recording('COM3', clock);
  const client = await clock.resolve(ReaderClient.open({ path: 'COM3', binding, clock, platform: 'win32' }));
  assert.deepEqual(opened, [{ path: 'COM3', baudRate: 115200 }]);
  assert.equal(client.path, 'COM3');
  assert.equal(client.identity?.serial, 'EMU-0001');
  await client.close();
});

test('a real pty is a pseudo-terminal on Linux; on Windows nothing is, so a refused rate stands there', async (t) => {
  if (process.platform === 'win32') return t.skip('needs a POSIX pty to compare with');
  const dir = mkdtempSync(join(tmpdir(), 'oqs-port-names-'));
  const pty = new PtyPort({ link: join(dir, 'ttyA') });
  t.after(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await pty.open();
  const link = join(dir, 'ttyA');
  assert.equal(isPseudoTerminal(link, 'linux'), true);
  assert.equal(isPseudoTerminal(link, 'win32'), false);

  const clock = new VirtualClock(0);
  const onLinux = recording(link, clock);
  const client = await clock.resolve(ReaderClient.open({ path: link, binding: onLinux.binding, clock, baudRate: 250000, platform: 'linux' }));
  assert.deepEqual(
    onLinux.opened.map((o) => o.baudRate),
    [250000, 115200],
  );
  await client.close();

  const onWindows = recording(link, clock);
  await assert.rejects(clock.resolve(ReaderClient.open({ path: link, binding: onWindows.binding, clock, baudRate: 250000, platform: 'win32' })), {
    code: 'OQS_ERR_PORT_OPEN',
    message: /Inappropriate ioctl/,
  });
  assert.deepEqual(
    onWindows.opened.map((o) => o.baudRate),
    [250000],
  );
});

test('oqs-reader start --reader-port COM3 is accepted and passed to serialport unchanged (here there is no COM3)', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'oqs-port-names-'));
  const bin = join(__dirname, '..', '..', 'bin', 'oqs-reader.js');
  const child = WatchedProcess.node([bin, 'start', '--reader-port', 'COM3', '--port', '0', '--state-dir', state], {
    cwd: state,
    env: { ...process.env, OQS_ADMIN_PASSWORD: 'password-1' },
  });
  t.after(async () => {
    await child.kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
  });
  // Either the controller stops on the refusal or it keeps running and retries: both say so, on
  // one line with the port (the log's alert line names the code too, and may come first).
  await child.waitFor(/OQS_ERR_PORT_OPEN[^\n]*COM3|COM3[^\n]*OQS_ERR_PORT_OPEN/, 30_000);
  const said = { text: child.lines.join('\n'), code: child.exit?.code ?? null };
  // Not a usage error (exit 2): the name got through option checking to the serial port.
  assert.notEqual(said.code, 2, said.text);
  assert.match(said.text, /OQS_ERR_PORT_OPEN[^\n]*COM3|COM3[^\n]*OQS_ERR_PORT_OPEN/);
});

test('on Linux a port named COM3 is a pty only if it links to one: realpath decides, not the name', (t) => {
  // realpath, not the name, decides: a link called COM3 to /dev/null is no pty.
  const dir = mkdtempSync(join(tmpdir(), 'oqs-port-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync('/dev/null', join(dir, 'COM3'));
  assert.equal(isPseudoTerminal(join(dir, 'COM3'), 'linux'), false);
});
