/**
 * One run of benchmark 4 in a process of its own (spawned by bench/scale.ts with --expose-gc):
 *
 *   node --expose-gc -r ts-node/register bench/scale-worker.ts N ROUNDS [link|terminal|bare]
 *
 * N emulated readers on one shared VirtualClock, each with its own EmulatedReader, EmulatorBinding
 * port and ReaderClient (plus, with `terminal`, its own Terminal recording every confirmation).
 * `bare` is the memory baseline: N SerialPortStreams open on MockBinding, nothing of ours.
 * Every reader's patient does ROUNDS face confirmations back to back, all readers at once:
 * placeCard('normal') → chooseMethod('face') → presentFace() → answerConsent('all') → removeCard().
 * A confirmation counts when the controller side receives identityConfirmed.
 * Prints one JSON line: wall time, confirmations, memory before/after.
 */
import { MockBinding } from '@serialport/binding-mock';
import { SerialPortStream } from '@serialport/stream';
import { EmulatedReader, EmulatorBinding } from '../simulator';
import { assemble, type Assembly } from '../src/assembly';
import { MemoryStore } from '../src/reader/store';
import { facePatients } from './lib/patients';
import type * as VirtualClockModule from '../src/time/virtual-clock';

// OQS_BENCH_VIRTUAL_CLOCK=/path/to/virtual-clock.ts measures a candidate clock (a fix being tried)
// in place of the project's; every reader and client takes the clock by injection.
const { VirtualClock } = (
  process.env.OQS_BENCH_VIRTUAL_CLOCK ? require(process.env.OQS_BENCH_VIRTUAL_CLOCK) : require('../src/time/virtual-clock')
) as typeof VirtualClockModule;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

function memory(): { heapUsed: number; external: number; arrayBuffers: number; rss: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

const patient = facePatients;

/** N open serial streams and nothing else: what a port costs before any reader logic. */
async function bare(n: number): Promise<void> {
  const before = memory();
  const ports: SerialPortStream[] = [];
  for (let i = 0; i < n; i++) {
    MockBinding.createPort(`/dev/ttyBARE${i}`, { echo: false, record: false });
    const port = new SerialPortStream({ binding: MockBinding, path: `/dev/ttyBARE${i}`, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', () => undefined);
    ports.push(port);
  }
  await new Promise((r) => setTimeout(r, 10));
  const idle = memory();
  console.log(
    JSON.stringify({
      n,
      rounds: 0,
      mode: 'bare',
      confirmed: 0,
      expected: 0,
      wallMs: 0,
      cpuMs: 0,
      virtualMs: 0,
      openMs: 0,
      unacked: 0,
      records: 0,
      memory: { before, idle, after: idle },
    }),
  );
  await Promise.all(ports.map((p) => new Promise<void>((r) => p.close(() => r()))));
}

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const rounds = Number(process.argv[3]);
  const mode = process.argv[4] ?? 'link';
  if (mode === 'bare') return bare(n);
  const withTerminal = mode === 'terminal';
  const before = memory();

  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const binding = new EmulatorBinding();
  const readers: EmulatedReader[] = [];
  for (let i = 0; i < n; i++) {
    const reader = new EmulatedReader({ clock, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
    binding.addPort(`/dev/ttyEMU${i}`, reader);
    readers.push(reader);
  }
  const tOpen = performance.now();
  // Each reader on its own controller as the product assembles it (src/assembly.ts); `terminal`
  // mode also counts the records each one kept.
  const assemblies: Assembly[] = readers.map((_, i) =>
    assemble({ clock, store: new MemoryStore(), readers: [{ path: `/dev/ttyEMU${i}`, binding }], link: { heartbeatMs: 0 } }),
  );
  await clock.resolve(Promise.all(assemblies.map((a) => a.firstAttempts)));
  await clock.runUntilIdle();
  const openMs = performance.now() - tOpen;
  const terminals = withTerminal ? assemblies.map((a) => a.terminal) : [];
  let confirmed = 0;
  for (const a of assemblies) {
    a.terminal.client(0)!.link.on('event', (e: { name: string }) => {
      if (e.name === 'identityConfirmed') confirmed++;
    });
  }
  const idle = memory();

  // One untimed round warms up every code path.
  await clock.resolve(Promise.all(readers.map((r) => patient(r, 1))));
  await clock.runUntilIdle();
  confirmed = 0;
  const virtualStart = clock.now();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await clock.resolve(Promise.all(readers.map((r) => patient(r, rounds))), Number.MAX_SAFE_INTEGER);
  await clock.runUntilIdle();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const virtualMs = clock.now() - virtualStart;
  const after = memory();
  const unacked = readers.reduce((a, r) => a + r.link.unacked.size, 0);
  const records = terminals.reduce((a, t) => a + t.records().length, 0);

  console.log(
    JSON.stringify({
      n,
      rounds,
      mode,
      confirmed,
      expected: n * rounds,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      virtualMs,
      openMs,
      unacked,
      records,
      memory: { before, idle, after },
    }),
  );
  await Promise.all(assemblies.map((a) => a.close()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
