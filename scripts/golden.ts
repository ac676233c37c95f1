/**
 * Golden protocol traces (docs/traces.md): fixed flows run against the emulator, recorded, and
 * compared after normalisation with the files in features/golden/.
 *
 *   npx ts-node scripts/golden.ts record   rewrite every golden file from the flows below
 *   npx ts-node scripts/golden.ts check    re-record and fail with the differences
 *
 * `npm test` runs the check through scripts/golden.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatedReader, EmulatorBinding } from '../simulator';
import { assemble } from '../src/assembly';
import type { Actor } from '../src/reader/accounts';
import { MemoryStore } from '../src/reader/store';
import type { Terminal } from '../src/reader/terminal';
import { VirtualClock } from '../src/time/virtual-clock';
import { parseTrace, serializeTrace, type Trace } from '../src/trace/format';
import { diffTraces } from '../src/trace/normalise';
import { TraceRecorder } from '../src/trace/recorder';

export const GOLDEN_DIR = join(__dirname, '..', 'features', 'golden');
const PATH = '/dev/ttyEMU0';
/** 2026/11/24 10:00 in Japan. */
const START = Date.UTC(2026, 10, 24, 1, 0);
const ADMIN: Actor = { account: 'admin', role: 'admin' };
const STAFF: Actor = { account: 'staff', role: 'general' };

/** What a flow can do: the patient at the emulated reader, the staff at the terminal. */
export interface FlowContext {
  reader: EmulatedReader;
  terminal: Terminal;
  /** The promise, then everything it set going (device time on the virtual clock). */
  settle<T>(work: Promise<T>): Promise<T>;
  /** A patient action at the reader, and everything it set going. */
  act(fn: () => void | Promise<void>): Promise<void>;
}

export interface GoldenFlow {
  /** File name in features/golden/ without .ndjson. */
  name: string;
  title: string;
  run(c: FlowContext): Promise<void>;
}

/** A patient puts a card of `profile` on the reader, chooses face authentication and shows their face. */
async function faceAuth({ reader, act }: FlowContext, profile: string): Promise<void> {
  await act(() => reader.placeCard(profile));
  await act(() => reader.chooseMethod('face'));
  await act(() => reader.presentFace());
}

export const GOLDEN_FLOWS: GoldenFlow[] = [
  {
    name: 'face-auth-unattended',
    title: '無人運転: 顔認証で本人確認、全て同意する、カードを取る',
    async run(c) {
      await faceAuth(c, 'normal');
      await c.act(() => c.reader.answerConsent('all'));
      await c.act(() => c.reader.removeCard());
    },
  },
  {
    name: 'match-error-pin-fallback',
    title: '無人運転: 照合エラー → 暗証番号（1回誤り、2回目で本人確認）、全て同意する',
    async run(c) {
      await faceAuth(c, 'faceChangedSurgery');
      const { reader, act } = c;
      await act(() => reader.enterWrongPin());
      await act(() => reader.enterCorrectPin());
      await act(() => reader.answerConsent('all'));
      await act(() => reader.removeCard());
    },
  },
  {
    name: 'visual-check',
    title: '目視確認: 目視確認モードに切替、目視で本人確認完了、カード、本人確認を実行する、本人確認を完了する、無人運転に戻す',
    async run({ reader, terminal, settle, act }) {
      await settle(terminal.switchMode(ADMIN, 'visual'));
      await settle(terminal.beginVisualCheck(STAFF, { confirmationDate: '2026/11/24', visuallyConfirmed: true }));
      await act(() => reader.placeCard('infant'));
      await settle(terminal.confirmVisualCheck(STAFF));
      await act(() => reader.answerConsent('all'));
      await act(() => reader.removeCard());
      terminal.completeVisualCheck(STAFF);
      await settle(terminal.switchMode(ADMIN, 'unattended'));
    },
  },
];

/** Runs a flow on a fresh emulator, terminal and virtual clock; returns what crossed the link. */
export async function recordFlow(flow: GoldenFlow): Promise<Trace> {
  const clock = new VirtualClock(START);
  const binding = new EmulatorBinding();
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  binding.addPort(PATH, reader);
  let recorder!: TraceRecorder;
  // The controller as it ships (src/assembly.ts); no heartbeat, so a flow's idle seconds add no
  // getStatus frames to the golden trace.
  const assembly = assemble({
    clock,
    store: new MemoryStore(),
    readers: [{ path: PATH, binding }],
    link: { heartbeatMs: 0 },
    observe: (terminal) => (recorder = new TraceRecorder({ clock, terminal, title: flow.title })),
  });
  const { terminal } = assembly;
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    const value = await clock.resolve(work);
    await clock.runUntilIdle();
    return value;
  };
  const act = (fn: () => void | Promise<void>) => settle(Promise.resolve().then(fn));
  try {
    if (!(await settle(assembly.firstAttempts))[0]) throw new Error('the emulated reader did not connect');
    await flow.run({ reader, terminal, settle, act });
  } finally {
    recorder.detach();
    await settle(assembly.close());
  }
  return recorder.trace();
}

export function goldenFile(name: string): string {
  return join(GOLDEN_DIR, `${name}.ndjson`);
}

/** Names of the golden files on disk. */
export function goldenNames(): string[] {
  if (!existsSync(GOLDEN_DIR)) return [];
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => f.slice(0, -'.ndjson'.length))
    .sort();
}

/** Re-records one golden flow and compares it with its file: the diffTraces lines, empty when equal. */
export async function checkGolden(name: string): Promise<string[]> {
  const flow = GOLDEN_FLOWS.find((f) => f.name === name);
  if (!flow) return [`features/golden/${name}.ndjson has no flow in scripts/golden.ts (delete it, or define the flow)`];
  const file = goldenFile(name);
  if (!existsSync(file)) return [`features/golden/${name}.ndjson is missing: run npx ts-node scripts/golden.ts record`];
  let expected: Trace;
  try {
    expected = parseTrace(readFileSync(file, 'utf8'));
  } catch (e) {
    return [`features/golden/${name}.ndjson: ${(e as Error).message}`];
  }
  return diffTraces(expected, await recordFlow(flow));
}

export async function recordAll(): Promise<string[]> {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const written: string[] = [];
  for (const flow of GOLDEN_FLOWS) {
    const trace = await recordFlow(flow);
    writeFileSync(goldenFile(flow.name), serializeTrace(trace));
    written.push(goldenFile(flow.name));
  }
  return written;
}

/** Checks every flow and every golden file; returns the problems, empty when all match. */
export async function checkAll(): Promise<string[]> {
  const names = [...new Set([...GOLDEN_FLOWS.map((f) => f.name), ...goldenNames()])].sort();
  const problems: string[] = [];
  for (const name of names) {
    const diff = await checkGolden(name);
    if (diff.length) problems.push(`${name}:`, ...diff.map((l) => `  ${l}`));
  }
  return problems;
}

async function main(mode: string | undefined): Promise<number> {
  if (mode === 'record') {
    for (const f of await recordAll()) console.log(`wrote ${f}`);
    return 0;
  }
  if (mode === 'check') {
    const problems = await checkAll();
    if (problems.length === 0) {
      console.log(`golden traces: ${GOLDEN_FLOWS.length} flows match`);
      return 0;
    }
    console.error(problems.join('\n'));
    console.error('\nif the change is intended: npx ts-node scripts/golden.ts record, and review the diff of features/golden/');
    return 1;
  }
  console.error('usage: npx ts-node scripts/golden.ts record|check');
  return 2;
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
