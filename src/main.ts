import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { assemble, embeddedReaders, emulatedEligibility, type ReaderPort } from './assembly';
import { AccountDirectory } from './reader/accounts';
import { UnavailableEligibility } from './reader/eligibility';
import { FileStore } from './reader/store';
import type { Terminal, TerminalEvent } from './reader/terminal';
import type { ReaderIdentity } from './protocol';
import type { Clock } from './time/clock';
import { TRACE_VERSION, frameLine, headerLine } from './trace/format';
import { TraceRecorder } from './trace/recorder';
import type { EmulatorControls } from './server/app';
import { isLoopbackName } from './server/hosts';
import { allowedHostsFor, describeListen } from './server/listen';
import { OffsetClock, ScaledClock } from './time/clock';
import { createLogger, logTerminalEvents } from './log';
import { logNetEvents, readerBinding } from './net/port-binding';
import { RetentionJob } from './reader/retention';

export interface StartOptions {
  host: string;
  port: number;
  /** Serial device paths (or COM3 on Windows), one per face-auth reader; none: one embedded emulated reader. */
  readerPorts?: string[];
  /** No face-auth reader at all (not even the embedded emulator). */
  noReader?: boolean;
  baudRate: number;
  stateDir: string;
  /** Records and mode changes are deleted after this many whole days in Japan (default: five years, src/reader/retention.ts). */
  retentionDays?: number;
  /** Device time for the embedded emulator and the terminal's timers: 1 = a real reader's pace. */
  timeScale: number;
  /** 汎用カードリーダー connected beside the face-auth reader(s) (the connection pattern). */
  generalReaders?: number;
  /** 本人認証用カードリーダーソフト installed (default true). */
  readerSoftwareInstalled?: boolean;
  /** The terminal's clock starts at this instant (ms since the epoch) and runs on: demos and conformance runs. */
  clockStart?: number;
  /** How long the reader has to answer a command before it is sent again / given up (default 3000). */
  commandTimeoutMs?: number;
  /** Write a live protocol trace here (docs/traces.md): every frame on every reader link as it happens. */
  trace?: string;
  /** Result files for the レセコン into this folder (docs/result-files.md); none when left out. */
  resultDir?: string;
  /** Their character code: utf8 (CharacterCodeIdentifier 0, the default) or sjis (1). */
  resultCharacterCode?: 'utf8' | 'sjis';
  /** A failure at the reader (照合エラー, 006 …): no file (the default) or an 異常終了 file. */
  resultReaderFailures?: 'none' | 'errorFile';
  /**
   * Who answers the eligibility inquiry: 'emulated' (synthetic data for the emulator's cards; the
   * default with the embedded emulator) or 'none' (異常終了 files: never made-up data for a real card).
   */
  eligibility?: 'emulated' | 'none';
  adminPassword?: string;
  staffPassword?: string;
  /** No HTTP request log (tests). */
  quiet?: boolean;
  log: (line: string) => void;
}

/**
 * `oqs-reader start`: the product as it ships. The controller itself is built by assemble()
 * (src/assembly.ts), as in every test target; this adds what only a running terminal has: the
 * state directory, accounts, the log, the embedded emulator when no port is given, and listening.
 */
export async function startProduct(opts: StartOptions) {
  // The controller on real time; --time-scale is the embedded reader's device time only.
  const clock = new OffsetClock();
  if (opts.clockStart !== undefined) clock.set(opts.clockStart);
  // Outcomes, counts and times only (src/log.ts); never a PIN, an image or a card number.
  // Two streams: the JSON log on stderr for machines, the banner on stdout for people.
  const logger = createLogger(opts.quiet ? { level: 'silent' } : { destination: pino.destination({ dest: 2, sync: true }) });
  // First: it makes the state directory (0700) that accounts.json goes into.
  const store = new FileStore(opts.stateDir);
  const accounts = new AccountDirectory(join(opts.stateDir, 'accounts.json'));
  // Given passwords (scripts, tests) create the two accounts; otherwise the first administrator is
  // made in the browser with a one-time token printed here. There is no default password.
  if (opts.adminPassword && !accounts.has('admin')) accounts.add('admin', opts.adminPassword, 'admin');
  if (opts.staffPassword && !accounts.has('staff')) accounts.add('staff', opts.staffPassword, 'general');
  const setupToken = accounts.hasAdmin() ? null : randomBytes(12).toString('base64url');

  let ports: ReaderPort[];
  let emulator: EmulatorControls | undefined;
  if (opts.noReader) {
    ports = [];
  } else if (opts.readerPorts?.length) {
    // tcp:// and rfc2217:// on the network, anything else a local port (docs/network-links.md).
    const binding = readerBinding({ clock, observe: logNetEvents(opts.log) });
    ports = opts.readerPorts.map((path) => ({ path, binding }));
  } else {
    const embedded = embeddedReaders(new ScaledClock(clock, opts.timeScale), 1, undefined, clock);
    ports = embedded.ports;
    emulator = embedded.controls;
  }
  let stopLog = () => {};
  const assembly = assemble({
    clock,
    store,
    readers: ports,
    generalReaders: opts.generalReaders,
    readerSoftwareInstalled: opts.readerSoftwareInstalled,
    link: { baudRate: opts.baudRate, commandTimeoutMs: opts.commandTimeoutMs },
    observe: (terminal) => {
      stopLog = logTerminalEvents(terminal, logger);
      if (opts.trace) traceLive(terminal, clock, opts.trace);
    },
    results: opts.resultDir
      ? {
          dir: opts.resultDir,
          characterCode: opts.resultCharacterCode,
          readerFailures: opts.resultReaderFailures,
          eligibility: (opts.eligibility ?? (emulator ? 'emulated' : 'none')) === 'emulated' ? emulatedEligibility(clock) : new UnavailableEligibility(),
          onError: (e) => opts.log(`result files: ${e.code}: ${e.message}`),
        }
      : undefined,
    onReaderUnavailable: (path, error, attempt) =>
      opts.log(
        `reader: not connected on ${path} (${error.code}: ${error.message}); ${attempt === 1 ? 'it is connected automatically when it appears' : 'still retrying'}`,
      ),
    api: {
      accounts,
      emulator,
      setupToken,
      // Beyond loopback: the Host names other computers use are accepted (DNS-rebinding guard), and
      // the session cookie cannot be Secure over plain http there, or no login would stick.
      allowedHosts: allowedHostsFor(opts.host, networkInterfaces(), hostname()),
      secureCookie: isLoopbackName(opts.host.replace(/^\[|\]$/g, '').toLowerCase()),
      loggerInstance: logger.child({ component: 'http' }, { level: opts.quiet ? 'silent' : (process.env.HTTP_LOG_LEVEL ?? 'warn') }),
    },
  });
  const { terminal } = assembly;
  const app = assembly.app!;
  // At start and then daily (src/reader/retention.ts): history older than the period is deleted.
  const retention = new RetentionJob({
    store,
    clock,
    days: opts.retentionDays,
    onRun: (r) => logger.info({ event: 'retention', ...r }, `retention: deleted ${r.records} records and ${r.modeChanges} mode changes before ${r.before}`),
    onError: (e) => opts.log(`retention: could not delete old records (${e.message}); tried again tomorrow`),
  });
  retention.start();
  await assembly.firstAttempts;
  const address = await app.listen({ host: opts.host, port: opts.port });
  if (setupToken) opts.log(`first start: open ${address}/ and create the administrator with setup token ${setupToken}`);
  const readerLine = (id: ReaderIdentity, path: string, note: string) =>
    `reader: ${id.vendor} ${id.model} fw ${id.firmware} s/n ${id.serial} on ${path}${note}`;
  for (const s of assembly.supervisors) {
    const id = s.client?.identity;
    if (id) opts.log(readerLine(id, s.path, emulator ? ' (emulated)' : ''));
  }
  // A reader that comes later (or again) is said too, beside the line that said it was not there.
  const onConnected = (e: TerminalEvent) => void (e.type === 'readerConnected' && opts.log(readerLine(e.identity, e.path, ' (connected)')));
  terminal.on('event', onConnected);
  opts.log(`mode: ${terminal.status().modeLabel}; state in ${opts.stateDir}`);
  // Once, at the first start after an upgrade from the journal (docs/durability.md, "Migration").
  if (store.imported)
    opts.log(
      `records: imported ${store.imported.records} record lines and ${store.imported.modeChanges} mode changes from records.ndjson and mode-changes.ndjson (kept as *.imported)`,
    );
  opts.log(
    `retention: ${retention.days} days; ${retention.last ? `${retention.last.records} records and ${retention.last.modeChanges} mode changes before ${retention.last.before} deleted at start` : 'not run'}`,
  );
  if (assembly.results)
    opts.log(
      `result files for the レセコン: ${assembly.results.dir} (${assembly.results.characterCode === 'sjis' ? 'Shift_JIS' : 'UTF-8'}, eligibility ${opts.eligibility ?? (emulator ? 'emulated' : 'none')})`,
    );
  const { port } = app.server.address() as AddressInfo;
  for (const line of describeListen(opts.host, port, networkInterfaces())) opts.log(line);
  return {
    app,
    terminal,
    assembly,
    retention,
    url: address,
    setupToken,
    async close() {
      terminal.off('event', onConnected);
      retention.stop();
      await assembly.close();
      stopLog();
      store.close();
    },
  };
}

/**
 * A live trace in the format of docs/traces.md (`oqs-reader trace FILE` reads it): the header, then
 * one line per frame, written before the next frame is handled, so a tool tailing it (the suite's
 * product profile, a vendor) sees every frame in order. The header names no readers: each reader's
 * identity is in its hello frames. Frames carry no PIN, image or card number (docs/protocol.md).
 */
function traceLive(terminal: Terminal, clock: Clock, file: string): void {
  const recorder = new TraceRecorder({ clock, title: 'oqs-reader start', keep: false, onFrame: (f) => appendFileSync(file, frameLine(f) + '\n') });
  writeFileSync(file, headerLine({ trace: TRACE_VERSION, startedAt: recorder.startedAt, title: recorder.title, readers: [] }) + '\n', { mode: 0o600 });
  recorder.attach(terminal);
}

export const DEFAULT_STATE_DIR = join(process.cwd(), '.oqs-reader');
