/**
 * A terminal under a TraceRecorder, for the trace and replay tests (not a test file itself): a
 * device on an EmulatorBinding, a terminal attached to it and a recorder on the terminal, all on
 * one virtual clock; and the emulator flows the trace tests record.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import type { Actor } from '../reader/accounts';
import { ReaderClient } from '../reader/reader-client';
import { Terminal } from '../reader/terminal';
import { VirtualClock } from '../time/virtual-clock';
import type { TraceFrame } from './format';
import { TraceRecorder } from './recorder';

export type After = { after: (fn: () => Promise<void>) => void };

export const ADMIN: Actor = { account: 'admin', role: 'admin' };
export const PATH = '/dev/ttyEMU0';

/**
 * A terminal on port `path` of `binding`, recorded from attach on. `warmup` getStatus round trips
 * happen before the terminal attaches, so they are not recorded: they shift both SEQ counters.
 */
export async function attachRecorded(t: After, opts: { clock: VirtualClock; binding: BindingInterface; path: string; title: string; warmup?: number }) {
  const { clock } = opts;
  const terminal = new Terminal({ clock });
  const recorder = new TraceRecorder({ clock, title: opts.title, terminal });
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    const value = await clock.resolve(work);
    await clock.runUntilIdle();
    return value;
  };
  const act = (fn: () => void | Promise<void>) => settle(Promise.resolve().then(fn));
  const client = await settle(ReaderClient.open({ path: opts.path, binding: opts.binding, clock }));
  for (let i = 0; i < (opts.warmup ?? 0); i++) await settle(client.getStatus());
  await settle(terminal.attachReader(client));
  t.after(() => settle(terminal.close()));
  return { clock, terminal, recorder, settle, act };
}

interface Options {
  now?: number;
  /** The emulator's txId counter before the first card (default 0); 'clock' seeds it from the clock. */
  txIdSeed?: number | 'clock';
  /** getStatus round trips before the terminal attaches (not recorded): shifts both SEQ counters. */
  warmup?: number;
}

/** An emulated reader, a terminal over it and a recorder on the terminal, on one virtual clock. */
export async function recording(t: After, opts: Options = {}) {
  const clock = new VirtualClock(opts.now ?? Date.UTC(2026, 10, 24, 1, 0));
  const binding = new EmulatorBinding();
  const reader = new EmulatedReader({ clock, ...(opts.txIdSeed === 'clock' ? {} : { txIdSeed: opts.txIdSeed ?? 0 }) });
  binding.addPort(PATH, reader);
  return { reader, ...(await attachRecorded(t, { clock, binding, path: PATH, title: 'test flow', warmup: opts.warmup })) };
}

export type Rec = Awaited<ReturnType<typeof recording>>;

/** hello (in ReaderClient.open), a face-auth patient with consent, then 目視確認 by an administrator. */
export async function faceFlow(r: Rec, consent: 'all' | 'individual' = 'all'): Promise<void> {
  await r.act(() => r.reader.placeCard('normal'));
  await r.act(() => r.reader.chooseMethod('face'));
  await r.act(() => r.reader.presentFace());
  await r.act(() => r.reader.answerConsent(consent, 1));
  await r.act(() => r.reader.removeCard());
  await r.settle(r.terminal.switchMode(ADMIN, 'visual'));
}

/** 照合エラー in 無人運転, then the PIN fallback. */
export async function matchErrorFlow(r: Rec): Promise<void> {
  await r.act(() => r.reader.placeCard('faceChangedSurgery'));
  await r.act(() => r.reader.chooseMethod('face'));
  await r.act(() => r.reader.presentFace());
  await r.act(() => r.reader.enterWrongPin());
  await r.act(() => r.reader.enterCorrectPin());
  await r.act(() => r.reader.answerConsent('all'));
  await r.act(() => r.reader.removeCard());
}

export const names = (frames: TraceFrame[]) =>
  frames.map((f) => (f.msg?.kind === 'ack' ? 'ack' : `${f.dir}:${f.msg?.kind === 'response' ? 'resp:' : ''}${f.msg && 'name' in f.msg ? f.msg.name : '?'}`));
