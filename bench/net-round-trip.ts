/**
 * Benchmark: command round trip over network reader ports (docs/network-links.md).
 *
 *   tcp        the controller (assemble + readerBinding, as `oqs-reader start --reader-port`) on
 *              tcp:// to `oqs-reader emulate --no-pty --listen tcp://… --listen rfc2217://…`
 *   rfc2217    the same controller on rfc2217:// to the same emulator process (its second reader)
 * Baseline, measured in the same run: a raw TCP echo on loopback — a node process that answers
 * every 7 bytes with 17, and a bare node:net socket as the client (nothing of ours in the path).
 * One untimed pass of each, then two interleaved rounds (echo, tcp, rfc2217, echo, tcp, rfc2217);
 * figures are the mean of the two.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { assemble } from '../src/assembly';
import { readerBinding } from '../src/net/port-binding';
import { MemoryStore } from '../src/reader/store';
import { RealClock } from '../src/time/clock';
import { WatchedProcess } from '../src/util/child-lines';
import { figure, machine, round, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs } from './lib/stats';
import { chart, COLORS, type Group } from './lib/svg';
import { LINE_TIME_MS, REQUEST, RESPONSE, both, rawRoundTrip, timeLoop, type Summary } from './round-trip';

const BIN = join(__dirname, '..', 'bin', 'oqs-reader.js');
const RUN = { warmup: 300, samples: 3000 };

/** The raw TCP floor: answers every REQUEST-sized run of bytes with RESPONSE. */
const ECHO_CHILD = `
const net = require('node:net');
const reply = Buffer.from(process.argv[1], 'hex');
const reqLen = Number(process.argv[2]);
const server = net.createServer((s) => {
  s.setNoDelay(true);
  let pending = 0;
  s.on('data', (b) => { pending += b.length; while (pending >= reqLen) { pending -= reqLen; s.write(reply); } });
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write('NET-ECHO-READY ' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

async function echoFloor(port: number): Promise<Summary> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const once = rawRoundTrip(socket, REQUEST, RESPONSE.length);
  const { summary } = await timeLoop(RUN.warmup, RUN.samples, once);
  socket.destroy();
  return summary;
}

/** The controller as `start` builds it on one network reader port; also how long attaching took. */
async function overNetwork(url: string): Promise<Summary & { attachMs: number }> {
  const clock = new RealClock(1);
  const t0 = nowMs();
  const a = assemble({ clock, store: new MemoryStore(), readers: [{ path: url, binding: readerBinding({ clock }) }], link: { heartbeatMs: 0 } });
  try {
    const [ok] = await a.firstAttempts;
    if (!ok) throw new Error(`could not attach the reader at ${url}: ${a.supervisors[0]!.lastError?.message}`);
    const attachMs = nowMs() - t0;
    const client = a.terminal.client(0)!;
    return { ...(await timeLoop(RUN.warmup, RUN.samples, () => client.getStatus())).summary, attachMs };
  } finally {
    await a.close();
  }
}

export async function runNetRoundTripBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const echo = WatchedProcess.node(['-e', ECHO_CHILD, RESPONSE.toString('hex'), String(REQUEST.length)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const emulator = WatchedProcess.node(
    [BIN, 'emulate', '--no-pty', '--listen', 'tcp://127.0.0.1:0', '--listen', 'rfc2217://127.0.0.1:0', '--control', 'tcp:127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const echoPort = Number((await echo.line(/^NET-ECHO-READY (\d+)$/, 15_000))[1]);
    const ready = JSON.parse((await emulator.line(/^OQS-EMULATOR-READY (.*)$/, 30_000))[1]!) as { listen: string[] };
    const [tcpUrl, rfcUrl] = ready.listen as [string, string];
    // One untimed pass each first: the controller's code is compiled by then for both schemes,
    // so neither pays the JIT for the other (the first timed run was always the slowest).
    await echoFloor(echoPort);
    await overNetwork(tcpUrl);
    await overNetwork(rfcUrl);
    const runs: Array<{ echo: Summary; tcp: Summary & { attachMs: number }; rfc2217: Summary & { attachMs: number } }> = [];
    for (let r = 0; r < 2; r++) {
      runs.push({ echo: await echoFloor(echoPort), tcp: await overNetwork(tcpUrl), rfc2217: await overNetwork(rfcUrl) });
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const floor = both(a.echo, b.echo);
    const target = round((LINE_TIME_MS + 2) * 1000, 0);
    const figures: Figure[] = [];
    for (const scheme of ['tcp', 'rfc2217'] as const) {
      const s = both(a[scheme], b[scheme]);
      for (const p of ['p50', 'p99'] as const) {
        figures.push(
          figure({
            id: `${scheme}.${p}`,
            label: `getStatus round trip over ${scheme}:// on loopback, ${p}`,
            value: s[p],
            unit: 'µs',
            baseline: { label: `raw TCP echo of 17 B for 7 B on loopback, ${p}`, value: floor[p], unit: 'µs' },
            ratioMeaning: '× the raw TCP echo (lower is better)',
            detail: { attachMs: Math.round(median([a[scheme].attachMs, b[scheme].attachMs])) },
            ...(p === 'p99'
              ? { target: { op: '<=' as const, value: target, text: `p99 ≤ line time ${round(LINE_TIME_MS, 2)} ms + 2 ms, as over a pty` } }
              : {}),
          }),
        );
      }
    }
    return {
      bench: 'net-round-trip',
      title: 'Command round trip over tcp:// and rfc2217:// (getStatus, loopback)',
      method: `Sequential getStatus requests through the controller assembly with readerBinding, ${RUN.warmup} warm-up then ${RUN.samples} timed per run, to oqs-reader emulate --no-pty --listen (its own process); the raw TCP echo baseline moves the same bytes between two node processes with nothing of ours in the path. One untimed pass of each first (JIT), then two interleaved rounds; figures are the mean of the two.`,
      machine: machine(),
      startedAt,
      wallMs: Math.round(nowMs() - started),
      figures,
      notes: [
        'Loopback only: a LAN adds its own latency (typically 0.1–1 ms per round trip) that this does not measure.',
        'rfc2217:// doubles 0xFF in both directions and reads every byte through the Telnet decoder; attaching also negotiates (BINARY, SGA, COM-PORT-OPTION) and sets the line, which the attach time in detail shows.',
        'The emulator process serves both readers; its RFC 2217 side is src/net/rfc2217.ts ComPortServer, so both ends of rfc2217:// are ours here (ser2net is in the ser2net profile, not in this figure).',
      ],
      data: { runs },
    };
  } finally {
    await emulator.stop();
    await echo.stop();
  }
}

/** The chart for bench/run.ts: p50 and p99 over tcp:// and rfc2217:// beside the raw TCP echo. */
export function netRoundTripChart(r: BenchResult): string {
  const get = (id: string) => r.figures.find((f) => f.id === id)!;
  const groups = ['p50', 'p99'].map((p): Group => ({
    label: p,
    bars: [
      { label: 'raw TCP echo', value: get(`tcp.${p}`).baseline!.value, color: COLORS.baseline },
      { label: 'tcp://', value: get(`tcp.${p}`).value, color: COLORS.ours, note: `×${get(`tcp.${p}`).ratio}` },
      { label: 'rfc2217://', value: get(`rfc2217.${p}`).value, color: COLORS.ours2, note: `×${get(`rfc2217.${p}`).ratio}` },
    ],
  }));
  const missed = r.figures.filter((f) => f.met === false).map((f) => f.label);
  return chart({
    title: 'getStatus round trip over network reader ports (lower is better)',
    subtitle: `${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.machine.commit}`,
    panels: [{ title: 'loopback, emulator in its own process', yLabel: 'µs', log: false, groups }],
    legend: [
      { label: 'raw TCP echo (baseline)', color: COLORS.baseline },
      { label: 'tcp://', color: COLORS.ours },
      { label: 'rfc2217://', color: COLORS.ours2 },
    ],
    footnote: missed.length ? `MISSED: ${missed.join('; ')}` : 'All targets met.',
  });
}

runAsScript(module, runNetRoundTripBench);
