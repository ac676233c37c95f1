import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorControlClient } from './control/client';
import { ControlServer, localSocketPath } from './control/server';
import { PtyPort } from './pty/pty-port';

// The emulator's POSIX-only parts on Windows (docs/platforms.md): the control channel's unix:
// address becomes a named pipe; ptys do not exist, which open() says with a code. The platform is
// injected, so the Windows branches run here as well.

test('a unix: path is used as it is on POSIX and becomes a named pipe on Windows', () => {
  assert.equal(localSocketPath('/tmp/oqs/c.sock', 'linux'), '/tmp/oqs/c.sock');
  assert.equal(localSocketPath('/tmp/oqs/c.sock', 'win32'), '\\\\.\\pipe\\oqs-tmp-oqs-c.sock');
  assert.equal(
    localSocketPath('C:\\Users\\staff\\AppData\\Local\\Temp\\oqs-emu-42.sock', 'win32'),
    '\\\\.\\pipe\\oqs-C-Users-staff-AppData-Local-Temp-oqs-emu-42.sock',
  );
  assert.equal(localSocketPath('\\\\.\\pipe\\my-emulator', 'win32'), '\\\\.\\pipe\\my-emulator');
  assert.equal(localSocketPath('\\\\?\\pipe\\my-emulator', 'win32'), '\\\\?\\pipe\\my-emulator');
});

test('under Windows rules server and client given the same unix: address meet on the same pipe name', async (t) => {
  // On Linux the "pipe" name is a relative socket path: run where it may be created and removed.
  const dir = mkdtempSync(join(tmpdir(), 'oqs-control-win-'));
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });
  const address = 'unix:C:\\oqs\\control.sock';
  const server = await ControlServer.listen([address], async (op) => ({ echoed: op }), { platform: 'win32' });
  try {
    assert.deepEqual(server.addresses, [address], 'the address is reported as given');
    const client = await EmulatorControlClient.connect(address, { platform: 'win32', connectTimeoutMs: 10_000 });
    assert.deepEqual(await client.call('ping'), { echoed: 'ping' });
    await client.close();
    await assert.rejects(EmulatorControlClient.connect(address, { platform: 'linux', connectTimeoutMs: 10_000 }), { code: 'ENOENT' });
  } finally {
    await server.close();
  }
});

test('under Windows rules a pty cannot be opened: a coded error that says what to use instead', async () => {
  const pty = new PtyPort({ platform: 'win32', python: '/nonexistent/python-must-not-be-started' });
  await assert.rejects(pty.open(), { code: 'EMU_ERR_PTY', message: /Windows has no pseudo-terminals.*com0com/ });
  assert.equal(pty.isOpen, false);
});
