import type { CommandName, CommandResponse, StatusName } from '../src/protocol';
import type { EmulatedReader } from './emulated-reader';
import type { Stimulus } from './stimulus';

/**
 * How an emulated reader reacts, as a stack of behaviours (after zwave-js's mock controller):
 * each input goes down the stack until a behaviour handles it. The defaults
 * (simulator/default-behaviors.ts) are one per command and one per patient act; a test, a step or
 * a scenario hook puts its override in front with `reader.defineBehavior(...)` and takes it away
 * with the function that returns. Faults on the wire stay below all of this (simulator/faults.ts):
 * a behaviour decides what the reader says, a fault what the cable does to it.
 */

/** A command from the host, decoded. */
export interface HostCommand {
  name: CommandName;
  seq: number;
  fields: Record<string, number | string>;
}

/** How a command behaviour answers: the link numbers, caches (for a repeat) and sends the response. */
export interface CommandReply {
  respond<N extends CommandName>(name: N, status: StatusName, fields?: CommandResponse<N>): void;
  /** After this answer, every event the host has not ACKed goes out again (a host said hello). */
  resendUnacked(): void;
}

export interface ReaderBehavior {
  /**
   * A command from the host. Returns true once it is handled: answered, or on purpose not (a
   * reader that never answers); false passes it to the next behaviour.
   */
  onCommand?(reader: EmulatedReader, cmd: HostCommand, reply: CommandReply): boolean;
  /**
   * A patient's act. Returns true once it is done, a promise while it is still under way (a face
   * capture, a PIN check), false to pass it on. A refusal is thrown (an EmulatorError).
   */
  onStimulus?(reader: EmulatedReader, s: Stimulus): boolean | Promise<void>;
}

/** The behaviours of one reader, first handler first. */
export class BehaviorStack {
  private readonly list: ReaderBehavior[];

  constructor(defaults: readonly ReaderBehavior[]) {
    this.list = [...defaults];
  }

  /** Puts `behaviors` in front (in the order given); returns what takes them away again. */
  define(...behaviors: ReaderBehavior[]): () => void {
    this.list.unshift(...behaviors);
    return () => {
      for (const b of behaviors) {
        const i = this.list.indexOf(b);
        if (i >= 0) this.list.splice(i, 1);
      }
    };
  }

  command(reader: EmulatedReader, cmd: HostCommand, reply: CommandReply): boolean {
    return this.list.some((b) => b.onCommand?.(reader, cmd, reply) === true);
  }

  stimulus(reader: EmulatedReader, s: Stimulus): void | Promise<void> {
    for (const b of this.list) {
      const done = b.onStimulus?.(reader, s);
      if (done === true) return;
      if (done instanceof Promise) return done;
    }
    throw new Error(`no behaviour handles the stimulus ${s.action}`);
  }
}
