import { onStopSignals, parseOrUsage, usageError as usageErrorOf, writeLines, type Write } from '../src/cli-usage';
import { defaultControlAddress, EmulatorHost } from './emulator-host';
import { parseAddress } from './control/protocol';
import { parseListenAddress } from './net/listen-address';
import type { PacingOptions } from './pacing';

export const EMULATE_USAGE = `usage: oqs-reader emulate [options]

Runs emulated 顔認証付きカードリーダー on pseudo-terminals: a controller opens each reader's path
like a serial port; tests act as the patient over the control channel (docs/emulator.md).

options:
  --readers N          how many readers (default 2, or one per --listen; at most 16)
  --link-dir DIR       also make DIR/ttyOQS0, DIR/ttyOQS1, … symlinks to the ptys
  --listen URL         also serve reader I on the I-th URL: tcp://HOST:PORT (raw bytes) or
                       rfc2217://HOST:PORT (Telnet COM Port Control); port 0 picks one;
                       repeatable; one client per reader at a time, a second is closed at once
  --no-pty             no pseudo-terminals: the readers are on their --listen URLs only
                       (one URL per reader; works where there are no ptys, e.g. Windows)
  --control ADDR       unix:PATH or tcp:127.0.0.1:PORT (0 picks a port); repeatable
                       (default unix:<tmpdir>/oqs-emu-<pid>.sock)
  --time-scale X       device time: 0 = virtual, delays cost nothing (default);
                       1 = a real reader's pace; 0.1 = ten times faster
  --baud N             pace the reader's bytes at N baud, 8N1 (default: no pacing)
  --latency-ms N       model a USB-serial adapter with this latency timer (FTDI: 16)
  --ack-timeout-ms N   how long the reader waits for the host's ACK before sending an event again (500)
  --fragment N         deliver the reader's bytes in chunks of at most N bytes
  -h, --help           this text

Prints "reader I: PATH (link LINK) listen URL" per reader, "control: ADDR", then one line
"OQS-EMULATOR-READY {json}" with {"readers":[paths],"control":ADDR,"controls":[ADDR…]}
and, with --listen, "listen":[URL…] (port 0 resolved; with --no-pty the paths are these URLs).
Runs until SIGINT, SIGTERM, SIGHUP or the "shutdown" control op.
`;

const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? NaN : Number(s));

/**
 * `oqs-reader emulate`: starts an EmulatorHost on ptys and runs until SIGINT/SIGTERM/SIGHUP or a
 * `shutdown` op. Resolves with the exit code (0 after a clean stop, 1 if a pty bridge died,
 * 2 on a usage error). Errors go to `err` (stderr unless given).
 */
export async function runEmulate(argv: string[], out: Write, err: Write = writeLines(process.stderr)): Promise<number> {
  const usageError = (message: string) => usageErrorOf('oqs-reader emulate', message, EMULATE_USAGE, err);
  const parsed = parseOrUsage({
    args: argv,
    allowPositionals: false,
    options: {
      readers: { type: 'string' },
      'link-dir': { type: 'string' },
      listen: { type: 'string', multiple: true },
      'no-pty': { type: 'boolean' },
      control: { type: 'string', multiple: true },
      'time-scale': { type: 'string', default: '0' },
      baud: { type: 'string' },
      'latency-ms': { type: 'string' },
      'ack-timeout-ms': { type: 'string' },
      fragment: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if ('error' in parsed) return usageError(parsed.error);
  const { values } = parsed;
  if (values.help) {
    out(EMULATE_USAGE.trimEnd());
    return 0;
  }
  const listen = values.listen ?? [];
  const readers = num(values.readers ?? String(listen.length || 2));
  if (!Number.isInteger(readers) || readers < 1 || readers > 16) return usageError(`--readers must be 1..16, got ${values.readers}`);
  for (const l of listen) {
    try {
      parseListenAddress(l);
    } catch (e) {
      return usageError((e as Error).message);
    }
  }
  if (listen.length > readers) return usageError(`${listen.length} --listen addresses for ${readers} reader(s)`);
  if (values['no-pty'] && listen.length < readers) return usageError(`--no-pty: every reader needs a --listen URL (${readers} readers, ${listen.length} URLs)`);
  if (values['no-pty'] && values['link-dir']) return usageError('--link-dir makes links to ptys; --no-pty has none');
  const timeScale = num(values['time-scale']);
  if (!(timeScale >= 0) || !Number.isFinite(timeScale)) return usageError(`--time-scale must be a number >= 0, got ${values['time-scale']}`);
  const pacing: PacingOptions = {};
  if (values.baud !== undefined) {
    const baud = num(values.baud);
    if (!Number.isInteger(baud) || baud <= 0) return usageError(`--baud must be a positive integer, got ${values.baud}`);
    pacing.baudRate = baud;
  }
  if (values['latency-ms'] !== undefined) {
    const ms = num(values['latency-ms']);
    if (!(ms >= 0) || !Number.isFinite(ms)) return usageError(`--latency-ms must be a number >= 0, got ${values['latency-ms']}`);
    pacing.latencyTimerMs = ms;
  }
  if (values.fragment !== undefined) {
    const n = num(values.fragment);
    if (!Number.isInteger(n) || n < 1) return usageError(`--fragment must be an integer >= 1, got ${values.fragment}`);
    pacing.fragment = n;
  }
  let ackTimeoutMs: number | undefined;
  if (values['ack-timeout-ms'] !== undefined) {
    ackTimeoutMs = num(values['ack-timeout-ms']);
    if (!(ackTimeoutMs > 0) || !Number.isFinite(ackTimeoutMs)) return usageError(`--ack-timeout-ms must be a number > 0, got ${values['ack-timeout-ms']}`);
  }
  const control = values.control ?? [defaultControlAddress()];
  for (const a of control) {
    try {
      parseAddress(a);
    } catch (e) {
      return usageError((e as Error).message);
    }
  }

  const host = await EmulatorHost.start({
    readers,
    transport: 'pty',
    linkDir: values['link-dir'],
    listen,
    pty: !values['no-pty'],
    control,
    timeScale,
    pacing,
    ...(ackTimeoutMs ? { linkTiming: { ackTimeoutMs } } : {}),
  });
  const offSignals = onStopSignals(() => void host.close({ reason: 'closed' }));
  try {
    const info = host.info();
    for (const r of info)
      out(`reader ${r.index}: ${r.device}${r.link ? ` (link ${r.link})` : ''}${r.listen && r.listen !== r.device ? ` listen ${r.listen}` : ''}`);
    for (const a of host.controlAddresses) out(`control: ${a}`);
    const served = listen.length ? { listen: info.map((r) => r.listen ?? null) } : {};
    out(
      `OQS-EMULATOR-READY ${JSON.stringify({ readers: info.map((r) => r.path), control: host.controlAddresses[0], controls: host.controlAddresses, ...served })}`,
    );
    const end = await host.ended;
    if (end.reason === 'failed') {
      err(`oqs-reader emulate: ${end.message ?? 'failed'}`);
      return 1;
    }
    return 0;
  } finally {
    offSignals();
    await host.close();
  }
}
