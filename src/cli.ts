import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onStopSignals, parseOrUsage, usageError as usageErrorOf, writeLines } from './cli-usage';
import type { StartOptions } from './main';
import { packageRoot } from './package-root';

const USAGE = `oqs-reader — controller, emulator and conformance suite for the 顔認証付きカードリーダー

usage:
  oqs-reader --version           the version of oqs-reader
  oqs-reader start [options]     the terminal's controller and API, with an embedded emulated
                                 reader unless --reader-port is given
  oqs-reader emulate [options]   the emulated reader on pseudo-terminals and/or tcp:// and
                                 rfc2217:// listeners (docs/emulator.md)
  oqs-reader fault ...           inject a link fault into a running emulator (oqs-reader fault --help)
  oqs-reader trace FILE          pretty-print a protocol trace (docs/traces.md)
  oqs-reader trace diff A B      compare two runs of the same scenario (emulator vs hardware)
  oqs-reader trace to-scenario FILE  a recorded session as a Japanese scenario for the emulator
  oqs-reader tap ...             stand between a controller and a reader: forward, record a trace,
                                 inject faults (oqs-reader tap --help; docs/tap.md)
  oqs-reader certify ...         certify a reader; certify --verify DIR checks a bundle
                                 (oqs-reader certify --help)

options for start:
  --host ADDR          address to listen on (default 127.0.0.1; loopback only unless you say so)
  --port N             HTTP port (default 8080; 0 picks a free one)
  --reader-port PATH   a real reader's serial port, e.g. /dev/ttyUSB0 or COM3 (env READER_PORT),
                       or one behind a serial server: tcp://HOST:PORT (raw) or rfc2217://HOST:PORT
                       (docs/network-links.md); repeat it, or separate with commas, for a second
                       reader. A reader that is not there yet is shown as 《カードリーダー未接続》 and
                       connected when it appears
  --no-reader          no face-auth reader at all (not even the embedded emulated one)
  --general-readers N  汎用カードリーダー connected beside the face-auth reader(s) (default 0)
  --no-reader-software 本人認証用カードリーダーソフト is not installed (no reader menu)
  --command-timeout-ms N  how long a reader has to answer a command (default 3000)
  --clock-start ISO    the terminal's clock starts at this instant and runs on (demos, conformance runs)
  --trace FILE         write a live protocol trace of every reader link to FILE (docs/traces.md)
  --baud N             baud rate for the reader port (default 115200)
  --state-dir DIR      where the mode and records are kept (default ./.oqs-reader)
  --retention-days N   keep records and the mode-change trail N whole days in Japan, then delete
                       them (default 1827: five years; checked at start and daily; docs/api.md)
  --result-dir DIR     write a result file for the レセコン per confirmation into DIR (docs/result-files.md)
  --result-charset C   utf8 (default) or sjis: the result files' character code (needs --result-dir)
  --result-reader-failures F  none (default) or error-file: a failure at the reader (照合エラー, 006 …)
                       writes an 異常終了 file too (needs --result-dir)
  --eligibility E      who answers the inquiry for result files: emulated (synthetic data for the
                       emulator's cards; the default with the embedded reader) or none (異常終了
                       files; the default with --reader-port). Needs --result-dir
  --time-scale X       device time of the embedded emulator (1 = real reader pace, default 1)
  -h, --help           this text

Exit codes: 0 done, 1 failed, 2 usage error (the message and this text on stderr).
`;

const out = writeLines(process.stdout);
const err = writeLines(process.stderr);
const usageError = (message: string) => usageErrorOf('oqs-reader', message, USAGE, err);

const version = () => (JSON.parse(readFileSync(join(packageRoot(__dirname), 'package.json'), 'utf8')) as { version: string }).version;

// Flags that take one of a few words, and need --result-dir (they say how its files are made).
const RESULT_CHOICES = { 'result-charset': ['utf8', 'sjis'], 'result-reader-failures': ['none', 'error-file'], eligibility: ['emulated', 'none'] } as const;

async function main(argv: string[]): Promise<number> {
  // Each subcommand loads only what it needs (the emulator host never loads fastify, --help and
  // --version load nothing of the product). CommonJS require, not import(): under module node20 a
  // dynamic import stays a real ESM import.
  switch (argv[0]) {
    case 'emulate':
      return (require('../simulator/emulate-main') as typeof import('../simulator/emulate-main')).runEmulate(argv.slice(1), out, err);
    case 'fault':
      return (require('../simulator/fault-main') as typeof import('../simulator/fault-main')).runFault(argv.slice(1), out, err);
    case 'trace':
      return (require('./trace/trace-main') as typeof import('./trace/trace-main')).runTrace(argv.slice(1), out, err);
    case 'certify':
      return (require('./certify/certify-main') as typeof import('./certify/certify-main')).runCertify(argv.slice(1), out, err);
    case 'tap':
      return (require('./tap/tap-main') as typeof import('./tap/tap-main')).runTap(argv.slice(1), out, err);
  }
  const parsed = parseOrUsage({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      'reader-port': { type: 'string', multiple: true },
      'general-readers': { type: 'string', default: '0' },
      'no-reader-software': { type: 'boolean', default: false },
      'no-reader': { type: 'boolean', default: false },
      'command-timeout-ms': { type: 'string', default: '3000' },
      'clock-start': { type: 'string' },
      trace: { type: 'string' },
      baud: { type: 'string', default: process.env.READER_BAUD ?? '115200' },
      'state-dir': { type: 'string' },
      'retention-days': { type: 'string' },
      'result-dir': { type: 'string' },
      'result-charset': { type: 'string' },
      'result-reader-failures': { type: 'string' },
      eligibility: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if ('error' in parsed) return usageError(parsed.error);
  const { values, positionals } = parsed;
  const [command = 'start', ...extra] = positionals;
  if (values.version) {
    out(version());
    return 0;
  }
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'start') return usageError(`unknown command "${command}"`);
  if (extra.length > 0) return usageError(`start takes options only; unexpected ${extra.map((w) => `"${w}"`).join(' ')}`);
  const port = Number(values.port);
  const baudRate = Number(values.baud);
  const timeScale = Number(values['time-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(`--port must be 0..65535, got ${values.port}`);
  if (!Number.isInteger(baudRate) || baudRate <= 0) return usageError(`--baud must be a positive integer, got ${values.baud}`);
  if (!(timeScale >= 0)) return usageError(`--time-scale must be a number >= 0, got ${values['time-scale']}`);
  const generalReaders = Number(values['general-readers']);
  if (!Number.isInteger(generalReaders) || generalReaders < 0 || generalReaders > 8)
    return usageError(`--general-readers must be 0..8, got ${values['general-readers']}`);
  const commandTimeoutMs = Number(values['command-timeout-ms']);
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 50 || commandTimeoutMs > 60_000)
    return usageError(`--command-timeout-ms must be 50..60000, got ${values['command-timeout-ms']}`);
  const clockStart = values['clock-start'] === undefined ? undefined : Date.parse(values['clock-start']);
  if (clockStart !== undefined && !Number.isFinite(clockStart))
    return usageError(`--clock-start must be an ISO date-time, e.g. 2026-11-24T09:00:00+09:00, got ${values['clock-start']}`);
  const { parseRetentionDays } = require('./reader/retention') as typeof import('./reader/retention');
  let retentionDays: number;
  try {
    retentionDays = parseRetentionDays(values['retention-days']);
  } catch (e) {
    return usageError(`--retention-days: ${(e as Error).message}`);
  }
  for (const [flag, allowed] of Object.entries(RESULT_CHOICES)) {
    const value = values[flag as keyof typeof RESULT_CHOICES];
    if (value === undefined) continue;
    if (!(allowed as readonly string[]).includes(value)) return usageError(`--${flag} must be ${allowed.join(' or ')}, got ${value}`);
    if (values['result-dir'] === undefined) return usageError(`--${flag} needs --result-dir DIR`);
  }
  const readerPorts = (values['reader-port'] ?? (process.env.READER_PORT ? [process.env.READER_PORT] : []))
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  // A network address (tcp://, rfc2217://) that is not HOST:PORT is a usage error, not a retry loop.
  const { parseNetPath } = require('./net/net-path') as typeof import('./net/net-path');
  for (const p of readerPorts) {
    try {
      parseNetPath(p);
    } catch (e) {
      return usageError(`--reader-port: ${(e as { code: string }).code}: ${(e as Error).message}`);
    }
  }
  // The product loads only now: --help, --version and a usage error never load fastify and the rest.
  const { DEFAULT_STATE_DIR, startProduct } = require('./main') as typeof import('./main');
  // The stop signals are handled from here on: one that comes while the product starts (it prints
  // its address before startProduct returns) stops it as soon as it is up.
  let product: Awaited<ReturnType<typeof startProduct>> | undefined;
  let stopping = false;
  const stop = () => void product!.close().then(() => process.exit(0));
  onStopSignals(() => {
    stopping = true;
    if (product) stop();
  });
  product = await startProduct({
    host: values.host!,
    port,
    readerPorts,
    noReader: values['no-reader'],
    generalReaders,
    readerSoftwareInstalled: !values['no-reader-software'],
    commandTimeoutMs,
    clockStart,
    trace: values.trace,
    baudRate,
    stateDir: values['state-dir'] ?? process.env.OQS_STATE_DIR ?? DEFAULT_STATE_DIR,
    retentionDays,
    resultDir: values['result-dir'],
    resultCharacterCode: values['result-charset'] as StartOptions['resultCharacterCode'],
    resultReaderFailures: values['result-reader-failures'] === 'error-file' ? 'errorFile' : undefined,
    eligibility: values.eligibility as StartOptions['eligibility'],
    timeScale,
    adminPassword: process.env.OQS_ADMIN_PASSWORD,
    staffPassword: process.env.OQS_STAFF_PASSWORD,
    log: (line) => process.stdout.write(line + '\n'),
  });
  if (stopping) stop();
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error & { code?: string }) => {
    process.stderr.write(`oqs-reader: ${err.code ? err.code + ': ' : ''}${err.message}\n`);
    process.exit(1);
  },
);
