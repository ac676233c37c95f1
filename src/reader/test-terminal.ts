/**
 * A Terminal over emulated readers, for the terminal's tests (not a test file itself): readers on
 * their own binding, a terminal over them, all on one virtual clock, with a restart on the same
 * store.
 */
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { VirtualClock } from '../time/virtual-clock';
import type { Actor } from './accounts';
import { ReaderClient } from './reader-client';
import { MemoryStore, type TerminalStore } from './store';
import { Terminal, type TerminalEvent, type TerminalOptions } from './terminal';

export const ADMIN: Actor = { account: 'admin', role: 'admin' };
export const STAFF: Actor = { account: 'staff', role: 'general' };

export type After = { after: (fn: () => Promise<void>) => void };

export interface Options {
  readers?: number;
  store?: TerminalStore;
  now?: number;
  terminal?: Partial<TerminalOptions>;
}

/** Emulated readers on their own binding, a terminal over them, all on one virtual clock. */
export async function setup(t: After, opts: Options = {}) {
  const clock = new VirtualClock(opts.now ?? Date.UTC(2026, 10, 24, 1, 0));
  const binding = new EmulatorBinding();
  const readers: EmulatedReader[] = [];
  for (let i = 0; i < (opts.readers ?? 1); i++) {
    // txIdSeed 0 keeps record ids readable here (EMU-0001:1); the default seeds from the clock.
    const reader = new EmulatedReader({ clock, txIdSeed: 0, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
    readers.push(reader);
    binding.addPort(`/dev/ttyEMU${i}`, reader);
  }
  const store = opts.store ?? new MemoryStore();
  /** As EmulatorTarget.settle: the promise, then everything it set going. */
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    const value = await clock.resolve(work);
    await clock.runUntilIdle();
    return value;
  };
  const act = (fn: () => void | Promise<void>) => settle(Promise.resolve().then(fn));
  const connect = async (terminalOpts: Partial<TerminalOptions> = {}) => {
    const terminal = new Terminal({ clock, store, ...opts.terminal, ...terminalOpts });
    const events: TerminalEvent[] = [];
    terminal.on('event', (e: TerminalEvent) => events.push(e));
    if (terminal.readerSoftwareInstalled) {
      for (let i = 0; i < readers.length; i++) {
        const client = await settle(ReaderClient.open({ path: `/dev/ttyEMU${i}`, binding, clock }));
        await settle(terminal.attachReader(client));
      }
    }
    return { terminal, events };
  };
  const { terminal, events } = await connect();
  let current = terminal;
  t.after(async () => {
    await settle(current.close());
  });
  /** Closes the terminal and starts a new one on the same store (a restart). */
  const restart = async () => {
    await settle(current.close());
    const next = await connect();
    current = next.terminal;
    return next;
  };
  const reader = readers[0]!;
  const readerMode = async (term = current) => (await settle(term.client()!.getStatus())).mode;
  /** A patient with a normal card up to the face result: placed, face chosen, face presented. */
  const faceAuth = async () => {
    await act(() => reader.placeCard('normal'));
    await act(() => reader.chooseMethod('face'));
    await act(() => reader.presentFace());
  };
  return { clock, binding, readers, reader, store, terminal, events, settle, act, restart, readerMode, faceAuth };
}

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
