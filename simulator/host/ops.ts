import { capabilityNames, type ReaderIdentity } from '../../src/protocol';
import type { Clock } from '../../src/time/clock';
import { ControlError, CONTROL_PROTOCOL, type ReaderInfo, type ReaderStatus } from '../control/protocol';
import type { EmulatedReader } from '../emulated-reader';
import type { FaultRule } from '../faults';
import { Type, type Static, type TProperties } from 'typebox';
import { Compile } from 'typebox/compile';
import { schemaProblem } from '../schema-problem';
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
  isClosing(): boolean;
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

// The arguments of the ops that check theirs (docs/emulator.md), as TypeBox schemas; the stimulus
// has its own (simulator/stimulus.ts). `reader` is any index: one the host lacks is EMU_ERR_UNKNOWN_READER.
const reader = Type.Optional(Type.Integer({ minimum: 0 }));
const text = Type.Optional(Type.String({ maxLength: 64 }));
const args = <P extends TProperties>(props: P) => Type.Object(props, { additionalProperties: false });
const IdentityPatch = args({
  vendor: text,
  model: text,
  firmware: text,
  serial: text,
  capabilities: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff })),
});
const ARGS = {
  reset: args({ identities: Type.Optional(Type.Array(IdentityPatch)), txIdSeed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })) }),
  status: args({ reader }),
  replug: args({ reader, reboot: Type.Optional(Type.Boolean()) }),
  confirmations: args({ reader, from: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })) }),
  /** The ops that take nothing else (extra fields are let through, as before). */
  any: Type.Object({ reader }),
};
const CHECK = Object.fromEntries(Object.entries(ARGS).map(([op, schema]) => [op, Compile(schema)])) as { [K in keyof typeof ARGS]: ReturnType<typeof Compile> };

/** `args` as op `op` takes them, or EMU_ERR_BAD_REQUEST saying what is wrong. */
function checked<K extends keyof typeof ARGS>(op: K, value: Record<string, unknown>, name: string = op): Static<(typeof ARGS)[K]> {
  const problem = schemaProblem(CHECK[op], value, name);
  if (problem) throw bad(problem);
  return value as Static<(typeof ARGS)[K]>;
}

/** The control ops of docs/emulator.md, on a host's readers. */
export class ControlOps<S extends OpsSlot> {
  constructor(private readonly host: OpsHost<S>) {}

  /** Runs one control op (what the control server calls; usable in-process too). */
  async handle(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.host.isClosing()) throw new ControlError('EMU_ERR_SHUTTING_DOWN', 'the emulator host is shutting down');
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
        const slot = this.slotOf(args, op);
        await this.host.enqueue(slot, async () => {
          slot.reader.reboot();
          await this.host.idle(slot);
        });
        return { reader: slot.index };
      }
      case 'confirmations':
        return this.confirmations(args);
      case 'unplug': {
        const slot = this.slotOf(args, op);
        await this.host.enqueue(slot, () => this.host.unplug(slot));
        return { reader: slot.index };
      }
      case 'replug':
        return this.replug(args);
      case 'shutdown':
        this.host.shutdown();
        return {};
      default:
        throw new ControlError(
          'EMU_ERR_UNKNOWN_OP',
          `unknown op "${op}"; expected hello, reset, stimulus, status, fault, reboot, unplug, replug, confirmations or shutdown`,
        );
    }
  }

  private slotOf(args: Record<string, unknown>, op: string): S {
    return this.host.slot(checked('any', args, op).reader ?? 0);
  }

  /**
   * The line comes back: a new pty on the same link path (its /dev/pts number may differ), as a
   * USB adapter re-enumerates. With `reboot`, the reader was switched off meanwhile: it starts
   * afresh (readerReset), its unACKed events kept for the next hello.
   */
  private async replug(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { reboot } = checked('replug', args);
    const slot = this.slotOf(args, 'replug');
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
    const { identities = [], txIdSeed } = checked('reset', args);
    const slots = this.host.slots;
    if (identities.length > slots.length) throw bad(`${identities.length} identities for ${slots.length} readers`);
    const parsed = identities.map(({ capabilities, ...id }): Partial<ReaderIdentity> => ({
      ...id,
      ...(capabilities === undefined ? {} : { capabilities: capabilityNames(capabilities) }),
    }));
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
    const slot = this.slotOf(args, s.action);
    return this.host.enqueue(slot, async () => {
      const reader = slot.reader;
      await this.host.run(slot, () => reader.stimulate(s));
      return { reader: slot.index, framesOut: reader.link.framesDelivered };
    });
  }

  /** Arms a fault rule on a reader's link (simulator/faults.ts), or clears them with {clear: true}. */
  private async fault(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { reader: _r, clear, ...rule } = args;
    const slot = this.slotOf(args, 'fault');
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
    const slot = this.slotOf(checked('status', args), 'status');
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
    const { from = 0, limit = 1000 } = checked('confirmations', args);
    const slot = this.slotOf(args, 'confirmations');
    await slot.work;
    return { reader: slot.index, serial: slot.reader.identity.serial, ...slot.outcomes.page(from, limit) };
  }
}
