import { capabilityNames, type ReaderIdentity } from '../../src/protocol';
import type { Clock } from '../../src/time/clock';
import { ControlError, CONTROL_PROTOCOL, type ReaderInfo, type ReaderStatus } from '../control/protocol';
import type { EmulatedReader } from '../emulated-reader';
import type { FaultRule } from '../faults';
import { stimulusProblem, type Stimulus } from '../stimulus';
import type { OutcomeLog } from './outcome-log';

/** What an op may do with one reader: its current device, its line state and its outcome log. */
export interface OpsSlot {
  readonly index: number;
  readonly clock: Clock;
  readonly reader: EmulatedReader;
  readonly device: string;
  readonly unplugged: boolean;
  readonly outcomes: OutcomeLog;
  /** Everything done to this reader, one after the other; never rejects. */
  readonly work: Promise<void>;
}

/**
 * What the control ops need of the host: its readers, each with its one-at-a-time work queue, and
 * the line and device changes only the host can make. The ops decide what a request means; the
 * host owns the lines, clocks and pacing.
 */
export interface OpsHost<S extends OpsSlot = OpsSlot> {
  readonly timeScale: number;
  readonly slots: readonly S[];
  readonly closing: boolean;
  info(): ReaderInfo[];
  slot(index: number): S;
  /** Runs `fn` after everything queued for this reader. */
  enqueue<T>(slot: S, fn: () => Promise<T>): Promise<T>;
  /** Lets the reader finish reacting: its virtual clock run to idle, or its paced bytes sent. */
  idle(slot: S): Promise<void>;
  /** Queues an `idle` (later inputs share one that has not started). */
  settle(slot: S): Promise<void>;
  /** Runs the act on the reader's clock until it has settled. */
  run(slot: S, act: () => void | Promise<void>): Promise<void>;
  unplug(slot: S): Promise<void>;
  plugIn(slot: S): Promise<void>;
  /** A fresh device on the slot's line: the host's identity for it with `identity` over it. */
  replace(slot: S, identity: Partial<ReaderIdentity>, txIdSeed: number): void;
  shutdown(): void;
}

const bad = (message: string) => new ControlError('EMU_ERR_BAD_REQUEST', message);
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function extraFields(op: string, args: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(args).filter((k) => !allowed.includes(k));
  if (extra.length) throw bad(`unknown field(s) for ${op}: ${extra.join(', ')}`);
}

/** The control ops of docs/emulator.md, on a host's readers. */
export class ControlOps<S extends OpsSlot> {
  constructor(private readonly host: OpsHost<S>) {}

  /** Runs one control op (what the control server calls; usable in-process too). */
  async handle(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.host.closing) throw new ControlError('EMU_ERR_SHUTTING_DOWN', 'the emulator host is shutting down');
    switch (op) {
      case 'hello':
        return { readers: this.host.info(), protocol: CONTROL_PROTOCOL, timeScale: this.host.timeScale };
      case 'reset':
        return this.reset(args);
      case 'stimulus':
        return this.stimulus(args);
      case 'status':
        return this.status(args);
      case 'fault':
        return this.fault(args);
      case 'reboot': {
        const slot = this.slotOf(args);
        await this.host.enqueue(slot, async () => {
          slot.reader.reboot();
          await this.host.idle(slot);
        });
        return { reader: slot.index };
      }
      case 'confirmations':
        return this.confirmations(args);
      case 'unplug': {
        const slot = this.slotOf(args);
        await this.host.enqueue(slot, () => this.host.unplug(slot));
        return { reader: slot.index };
      }
      case 'replug':
        return this.replug(args);
      case 'shutdown':
        this.host.shutdown();
        return {};
      default:
        throw new ControlError('EMU_ERR_UNKNOWN_OP', `unknown op "${op}"; expected hello, reset, stimulus, status, fault, reboot, unplug, replug, confirmations or shutdown`);
    }
  }

  private slotOf(args: Record<string, unknown>): S {
    const r = args.reader ?? 0;
    if (!isInt(r, 0, Number.MAX_SAFE_INTEGER)) throw bad(`"reader" must be an integer >= 0, got ${JSON.stringify(r)}`);
    return this.host.slot(r);
  }

  /**
   * The line comes back: a new pty on the same link path (its /dev/pts number may differ), as a
   * USB adapter re-enumerates. With `reboot`, the reader was switched off meanwhile: it starts
   * afresh (readerReset), its unACKed events kept for the next hello.
   */
  private async replug(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    extraFields('replug', args, ['reader', 'reboot']);
    const { reboot } = args;
    if (reboot !== undefined && typeof reboot !== 'boolean') throw bad('"reboot" must be true or false');
    const slot = this.slotOf(args);
    return this.host.enqueue(slot, async () => {
      await this.host.plugIn(slot);
      if (reboot) {
        slot.reader.reboot();
        await this.host.idle(slot);
      }
      return { reader: slot.index, device: slot.device };
    });
  }

  private async reset(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    extraFields('reset', args, ['identities', 'txIdSeed']);
    const { identities, txIdSeed } = args;
    const slots = this.host.slots;
    if (txIdSeed !== undefined && !isInt(txIdSeed, 0, 0xffffffff)) throw bad('"txIdSeed" must be an integer 0..4294967295');
    if (identities !== undefined && !Array.isArray(identities)) throw bad('"identities" must be an array, one entry per reader');
    const ids = (identities ?? []) as unknown[];
    if (ids.length > slots.length) throw bad(`${ids.length} identities for ${slots.length} readers`);
    const parsed = ids.map((id, i) => parseIdentity(id, i));
    for (const slot of slots) {
      // A scenario that ended with a cable pulled leaves the next one a plugged-in reader.
      if (slot.unplugged) await this.host.enqueue(slot, () => this.host.plugIn(slot));
      // A reader never reuses a txId (the host keys records on it): without a seed, carry on counting.
      const seed = txIdSeed ?? Math.max(slot.reader.model.txId, Math.floor(slot.clock.now() / 1000) >>> 0);
      this.host.replace(slot, parsed[slot.index] ?? {}, seed);
    }
    await Promise.all(slots.map((s) => this.host.settle(s)));
    return { readers: this.host.info() };
  }

  private async stimulus(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const problem = stimulusProblem(args);
    if (problem) throw bad(problem);
    const s = args as Stimulus;
    const slot = this.slotOf(args);
    return this.host.enqueue(slot, async () => {
      const reader = slot.reader;
      await this.host.run(slot, () => reader.stimulate(s));
      return { reader: slot.index, framesOut: reader.link.framesDelivered };
    });
  }

  /** Arms a fault rule on a reader's link (simulator/faults.ts), or clears them with {clear: true}. */
  private async fault(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { reader: _r, clear, ...rule } = args;
    const slot = this.slotOf(args);
    await slot.work;
    if (clear === true) slot.reader.link.faults.clear();
    else {
      try {
        slot.reader.link.faults.arm(rule as unknown as FaultRule);
      } catch (e) {
        throw new ControlError('EMU_ERR_BAD_FAULT', (e as Error).message);
      }
    }
    return { reader: slot.index, armed: slot.reader.link.faults.armed };
  }

  private async status(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    extraFields('status', args, ['reader']);
    const slot = this.slotOf(args);
    await slot.work;
    const { model, link } = slot.reader;
    const status: ReaderStatus = {
      mode: model.mode,
      state: model.state,
      screen: model.screen,
      cardPresent: model.card !== null,
      txId: model.txId,
      framesOut: link.framesDelivered,
      unacked: link.unacked.size,
      framesIn: link.stats.framesIn,
    };
    return { reader: slot.index, ...status };
  }

  /**
   * Every identityConfirmed / identityFailed the reader put on the line (retransmissions counted,
   * not listed twice) and whether a host ACKed it, in the order first sent; paged by `from`/`limit`
   * so a long run's list fits a reply line. For durability tests: what a host ACKed it must have kept.
   */
  private async confirmations(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    extraFields('confirmations', args, ['reader', 'from', 'limit']);
    const { from = 0, limit = 1000 } = args;
    if (!isInt(from, 0, Number.MAX_SAFE_INTEGER)) throw bad('"from" must be an integer >= 0');
    if (!isInt(limit, 1, 5000)) throw bad('"limit" must be an integer 1..5000');
    const slot = this.slotOf(args);
    await slot.work;
    return { reader: slot.index, serial: slot.reader.identity.serial, ...slot.outcomes.page(from, limit) };
  }
}

function parseIdentity(v: unknown, i: number): Partial<ReaderIdentity> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`identities[${i}] must be an object`);
  const out: Partial<ReaderIdentity> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'vendor' || k === 'model' || k === 'firmware' || k === 'serial') {
      if (typeof val !== 'string' || val.length > 64) throw bad(`identities[${i}].${k} must be a string of at most 64 characters`);
      out[k] = val;
    } else if (k === 'capabilities') {
      if (!isInt(val, 0, 0xffff)) throw bad(`identities[${i}].capabilities must be an integer 0..65535`);
      out.capabilities = capabilityNames(val);
    } else throw bad(`identities[${i}] has an unknown field "${k}"`);
  }
  return out;
}
