import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import { CARD_PROFILES, EmulatedReader, EmulatorBinding, FACE_CONDITIONS, type ProfileName } from '../simulator';
import { AccountDirectory } from './reader/accounts';
import { ReaderClient } from './reader/reader-client';
import { FileStore } from './reader/store';
import { Terminal } from './reader/terminal';
import { buildServer, type EmulatorControls } from './server/app';
import { RealClock } from './time/clock';
import { createLogger, logTerminalEvents } from './log';

export interface StartOptions {
  host: string;
  port: number;
  /** A serial device path; without it an emulated reader is embedded. */
  readerPort?: string;
  baudRate: number;
  stateDir: string;
  /** Device time for the embedded emulator: 1 = a real reader's pace. */
  timeScale: number;
  adminPassword?: string;
  staffPassword?: string;
  /** No HTTP request log (tests). */
  quiet?: boolean;
  log: (line: string) => void;
}

/**
 * The composition root: the only place that decides between a real port and the embedded
 * emulator, and that wires clock, store, accounts, terminal and API together.
 */
export async function startProduct(opts: StartOptions) {
  const clock = new RealClock(opts.timeScale);
  const terminal = new Terminal({ clock, store: new FileStore(opts.stateDir) });
  // Outcomes, counts and times only (src/log.ts); never a PIN, an image or a card number.
  const logger = createLogger(opts.quiet ? { level: 'silent' } : {});
  const stopLog = logTerminalEvents(terminal, logger);
  const accounts = new AccountDirectory(join(opts.stateDir, 'accounts.json'));
  // Given passwords (scripts, tests) create the two accounts; otherwise the first administrator is
  // made in the browser with a one-time token printed here. There is no default password.
  if (opts.adminPassword && !accounts.has('admin')) accounts.add('admin', opts.adminPassword, 'admin');
  if (opts.staffPassword && !accounts.has('staff')) accounts.add('staff', opts.staffPassword, 'general');
  const setupToken = accounts.hasAdmin() ? null : randomBytes(12).toString('base64url');

  let binding: BindingInterface;
  let path: string;
  let emulator: EmulatorControls | undefined;
  if (opts.readerPort) {
    const { autoDetect } = await import('@serialport/bindings-cpp');
    binding = autoDetect();
    path = opts.readerPort;
  } else {
    const reader = new EmulatedReader({ clock });
    const emuBinding = new EmulatorBinding();
    path = '/dev/ttyEMU0';
    emuBinding.addPort(path, reader);
    binding = emuBinding;
    emulator = emulatorControls(reader);
  }
  const client = await ReaderClient.open({ path, binding, clock, baudRate: opts.baudRate });
  await terminal.attachReader(client);

  const app = buildServer({
    terminal,
    accounts,
    emulator,
    setupToken,
    loggerInstance: logger.child({ component: 'http' }, { level: opts.quiet ? 'silent' : (process.env.HTTP_LOG_LEVEL ?? 'warn') }),
  });
  const address = await app.listen({ host: opts.host, port: opts.port });
  if (setupToken) opts.log(`first start: open ${address}/ and create the administrator with setup token ${setupToken}`);
  opts.log(`reader: ${client.identity?.vendor} ${client.identity?.model} fw ${client.identity?.firmware} s/n ${client.identity?.serial} on ${path}${emulator ? ' (emulated)' : ''}`);
  opts.log(`mode: ${terminal.status().modeLabel}; state in ${opts.stateDir}`);
  opts.log(`oqs-reader listening on ${address}  (operation screen: ${address}/ · API: ${address}/api/openapi.json)`);
  return {
    app,
    terminal,
    url: address,
    setupToken,
    async close() {
      await app.close();
      await terminal.close();
      stopLog();
    },
  };
}

function emulatorControls(reader: EmulatedReader): EmulatorControls {
  return {
    profiles: () => (Object.keys(CARD_PROFILES) as ProfileName[]).map((name) => ({ name, label: CARD_PROFILES[name].label })),
    conditions: () => Object.entries(FACE_CONDITIONS).map(([name, c]) => ({ name, label: c.label })),
    stimulate: (s) => Promise.resolve(reader.stimulate(s)),
  };
}

export const DEFAULT_STATE_DIR = join(process.cwd(), '.oqs-reader');
