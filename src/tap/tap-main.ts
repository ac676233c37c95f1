import { closeSync, openSync, writeSync } from 'node:fs';
import { onStopSignals, parseOrUsage, usageError as usageErrorOf, type Write } from '../cli-usage';
import { RealClock } from '../time/clock';
import { ControlServer } from '../../simulator/control/server';
import { FAULTS, type FaultRule } from '../../simulator/faults';
import { openEndpoint, parseEndpoint, type Endpoint, type EndpointSpec } from './endpoint';
import { Tap, tapRule } from './tap';

const USAGE = `oqs-reader tap --reader ENDPOINT --controller ENDPOINT [options]

Stands between a controller and a reader (docs/tap.md): forwards bytes both ways untouched, records
every frame of both directions as a trace (docs/traces.md), and injects link faults on request.
ENDPOINT is one of:
  /dev/ttyUSB0, COM3, serial:PATH   a serial port (--baud)
  tcp://HOST:PORT                   a TCP connection the tap makes (e.g. a reader behind ser2net)
  listen:tcp://HOST:PORT            a TCP port the tap listens on, one peer at a time (port 0 picks one)
  pty, pty:LINK                     a pseudo-terminal the tap makes (Linux, macOS) for a controller that
                                    opens a tty; LINK becomes a symlink to it
options:
  --trace FILE      write the trace to FILE as it goes (header first, then one line per frame)
  --control ADDR    serve the emulator's control channel (unix:PATH or tcp:127.0.0.1:PORT), so
                    \`oqs-reader fault --control ADDR FAULT …\` arms faults on this tap
  --fault RULE      arm a fault at start; repeat for more. RULE is FAULT[,key=value…] with the keys
                    of \`oqs-reader fault\`: direction, only, nth, every, fraction, times, delayMs,
                    bytes, seed; e.g. drop,only=event,nth=2  or  corrupt,direction=toHost,every=5
                    FAULT: ${Object.keys(FAULTS)
                      .filter((f) => f !== 'wrongStatus')
                      .join(', ')}
  --baud N          baud rate of serial endpoints (default 115200)
  --retry-ms N      how soon a serial or tcp:// endpoint that went away is opened again (default 1000)
  --title TEXT      the trace's title
  -h, --help        this text

Prints one line OQS-TAP-READY {"controller":…,"reader":…,"control":[…],"trace":…} once both sides
are open, then runs until SIGINT/SIGTERM/SIGHUP. Exit codes: 0 stopped, 1 an endpoint or the
control address could not be opened, 2 usage error.
`;

const NUMERIC = new Set(['nth', 'every', 'fraction', 'times', 'delayMs', 'bytes', 'seed']);
const TEXT = new Set(['direction', 'only', 'status']);

/** `drop,only=event,nth=2` → {fault: 'drop', only: 'event', nth: 2}; throws an Error saying what is wrong. */
export function parseRule(text: string): FaultRule {
  const [fault = '', ...pairs] = text.split(',');
  const rule: Record<string, unknown> = { fault };
  for (const pair of pairs) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
    if (!m || !(NUMERIC.has(m[1]!) || TEXT.has(m[1]!)))
      throw new Error(`in --fault "${text}": "${pair}" is not key=value with a key of ${[...NUMERIC, ...TEXT].join(', ')}`);
    const value = NUMERIC.has(m[1]!) ? Number(m[2]) : m[2];
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`in --fault "${text}": ${m[1]} must be a number`);
    rule[m[1]!] = value;
  }
  return rule as unknown as FaultRule;
}

/**
 * `oqs-reader tap`: resolves with the exit code once stopped (or at once on a usage error or an
 * endpoint that cannot be opened).
 */
export async function runTap(argv: string[], out: Write, err: Write = out): Promise<number> {
  const usageError = (message: string) => usageErrorOf('oqs-reader tap', message, USAGE, err);
  const parsed = parseOrUsage({
    args: argv,
    options: {
      reader: { type: 'string' },
      controller: { type: 'string' },
      trace: { type: 'string' },
      control: { type: 'string' },
      fault: { type: 'string', multiple: true },
      baud: { type: 'string', default: '115200' },
      'retry-ms': { type: 'string', default: '1000' },
      title: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if ('error' in parsed) return usageError(parsed.error);
  const { values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!values.reader || !values.controller) return usageError('--reader ENDPOINT and --controller ENDPOINT are both required');
  const baudRate = Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate <= 0) return usageError(`--baud must be a positive integer, got ${values.baud}`);
  const retryMs = Number(values['retry-ms']);
  if (!Number.isInteger(retryMs) || retryMs < 10) return usageError(`--retry-ms must be an integer >= 10, got ${values['retry-ms']}`);
  let specs: { reader: EndpointSpec; controller: EndpointSpec };
  let rules: FaultRule[];
  try {
    specs = { reader: parseEndpoint(values.reader), controller: parseEndpoint(values.controller) };
    rules = (values.fault ?? []).map((text) => tapRule(parseRule(text)));
  } catch (e) {
    return usageError((e as Error).message);
  }

  const clock = new RealClock(1);
  const opened: Endpoint[] = [];
  let fd: number | null = null;
  let control: ControlServer | null = null;
  let tap: Tap;
  try {
    const reader = await openEndpoint(specs.reader, { clock, baudRate, retryMs });
    opened.push(reader);
    const controller = await openEndpoint(specs.controller, { clock, baudRate, retryMs });
    opened.push(controller);
    if (values.trace) fd = openSync(values.trace, 'w');
    const file = fd;
    tap = new Tap({
      clock,
      reader,
      controller,
      title: values.title,
      onLine: file === null ? undefined : (line) => void writeSync(file, line + '\n'),
      onState: (side, up, why) => out(`tap: ${side} ${side === 'reader' ? reader.name : controller.name} ${up ? 'connected' : `gone (${why ?? '?'})`}`),
    });
    for (const rule of rules) tap.arm(rule);
    const t = tap;
    if (values.control) control = await ControlServer.listen([values.control], (op, args) => t.handle(op, args));
    out(
      `OQS-TAP-READY ${JSON.stringify({ controller: controller.name, reader: reader.name, control: control?.addresses ?? [], trace: values.trace ?? null })}`,
    );
  } catch (e) {
    await Promise.all(opened.map((o) => o.close().catch(() => undefined)));
    if (fd !== null) closeSync(fd);
    const { code, message } = e as { code?: string; message: string };
    err(`oqs-reader tap: ${code ?? 'error'}: ${message}`);
    return 1;
  }
  await new Promise<void>((resolve) => onStopSignals(() => resolve()));
  await control?.close();
  await tap.close();
  if (fd !== null) closeSync(fd);
  return 0;
}
