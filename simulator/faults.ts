import { CRC_SIZE, RESPONSE_BIT, Status, type StatusName } from '../src/protocol';
import type { ReaderBehavior } from './behaviors';
import type { Clock } from '../src/time/clock';
import { prng } from '../src/util/prng';

/**
 * Named, scriptable faults on the reader's link, like a bad USB-serial cable. Each rule picks
 * frames in one direction (the Nth from now, every Nth, or a random fraction, seeded) and does
 * one thing to them. Steps, the control channel and the CLI all arm the same rules. One rule is
 * not the cable's: `wrongStatus` picks commands the reader answers, and the reader's behaviour
 * stack asks for it (`wrongStatusRule`), so the reader really says no and does nothing.
 */
export const FAULTS = {
  drop: 'the frame is lost',
  corrupt: 'one byte of the CRC is flipped, so the receiver must drop it',
  duplicate: 'the frame arrives twice',
  delay: 'the frame arrives `delayMs` later',
  garbage: '`bytes` of noise arrive before the frame',
  fragment: 'the frame arrives one byte at a time',
  wrongStatus: 'the reader answers a command with status `status` instead of doing it (a behaviour in front, not a change on the wire)',
} as const;

export type FaultName = keyof typeof FAULTS;
export type FaultDirection = 'toHost' | 'toReader';

export interface FaultRule {
  fault: FaultName;
  /** toHost: frames the reader sends (default); toReader: frames the host sends (drop, delay only). */
  direction?: FaultDirection;
  /** The Nth matching frame from now (1 = the next one). */
  nth?: number;
  /** Every Nth matching frame. */
  every?: number;
  /** This fraction of matching frames, chosen with a seeded generator. */
  fraction?: number;
  /** Only frames of this kind. */
  only?: 'event' | 'response' | 'command' | 'ack';
  /** How many frames the rule affects before it is spent (default 1 with nth, unlimited otherwise). */
  times?: number;
  delayMs?: number;
  bytes?: number;
  status?: StatusName;
  seed?: number;
}

export class FaultError extends Error {
  readonly code = 'EMU_ERR_BAD_FAULT';
}

interface Armed {
  rule: FaultRule;
  seen: number;
  used: number;
  random: () => number;
}

export interface FaultStats {
  applied: Record<FaultName, number>;
}

export function validateRule(rule: FaultRule): FaultRule {
  if (!rule || !(rule.fault in FAULTS)) throw new FaultError(`fault must be one of ${Object.keys(FAULTS).join(', ')}`);
  const dir = rule.direction ?? 'toHost';
  if (dir !== 'toHost' && dir !== 'toReader') throw new FaultError('direction is toHost or toReader');
  if (dir === 'toReader' && rule.fault !== 'drop' && rule.fault !== 'delay') throw new FaultError('toward the reader only drop and delay are modelled');
  const picks = [rule.nth, rule.every, rule.fraction].filter((v) => v !== undefined).length;
  if (picks > 1) throw new FaultError('give one of nth, every or fraction');
  for (const k of ['nth', 'every', 'times', 'bytes'] as const) {
    if (rule[k] !== undefined && !(Number.isInteger(rule[k]) && rule[k]! >= 1)) throw new FaultError(`${k} must be an integer >= 1`);
  }
  if (rule.fraction !== undefined && !(rule.fraction > 0 && rule.fraction <= 1)) throw new FaultError('fraction must be in (0, 1]');
  if (rule.fault === 'delay' && !(Number(rule.delayMs) > 0)) throw new FaultError('delay needs delayMs > 0');
  if (rule.fault === 'wrongStatus' && !(rule.status && rule.status in Status)) throw new FaultError('wrongStatus needs a status name');
  return { ...rule, direction: dir };
}

function kindOf(frame: Buffer): FaultRule['only'] {
  const type = frame[4]!;
  if (type === 0x01) return 'ack';
  if (type & RESPONSE_BIT) return 'response';
  return type >= 0x40 ? 'event' : 'command';
}

/** Applies armed rules to whole frames in each direction. */
export class FaultInjector {
  private rules: Armed[] = [];
  readonly stats: FaultStats = { applied: { drop: 0, corrupt: 0, duplicate: 0, delay: 0, garbage: 0, fragment: 0, wrongStatus: 0 } };

  constructor(private readonly clock: Clock) {}

  arm(rule: FaultRule): void {
    const r = validateRule(rule);
    this.rules.push({ rule: r, seen: 0, used: 0, random: prng(r.seed ?? 1) });
  }

  clear(): void {
    this.rules = [];
  }

  get armed(): FaultRule[] {
    return this.rules.map((a) => a.rule);
  }

  /** A frame on its way in `direction`; `deliver` gets whatever should arrive, when it should. */
  pass(direction: FaultDirection, frame: Buffer, deliver: (bytes: Buffer) => void): void {
    const hit = this.match(direction, frame);
    if (!hit) return deliver(frame);
    this.stats.applied[hit.fault]++;
    switch (hit.fault) {
      case 'drop':
        return;
      case 'corrupt': {
        const bad = Buffer.from(frame);
        bad[bad.length - CRC_SIZE] = bad[bad.length - CRC_SIZE]! ^ 0xff;
        return deliver(bad);
      }
      case 'duplicate':
        deliver(frame);
        return deliver(Buffer.from(frame));
      case 'delay':
        this.clock.setTimer('fault delay', hit.delayMs!, () => deliver(frame));
        return;
      case 'garbage': {
        // Noise without a start byte, so it cannot swallow the frame behind it.
        const noise = Buffer.alloc(hit.bytes ?? 16, 0);
        for (let i = 0; i < noise.length; i++) noise[i] = (i * 37 + 11) % 0xa5;
        deliver(noise);
        return deliver(frame);
      }
      case 'fragment':
        for (let i = 0; i < frame.length; i++) deliver(frame.subarray(i, i + 1));
        return;
      case 'wrongStatus':
        return deliver(frame); // never picked here: see statusFor
    }
  }

  /**
   * A command the reader is about to answer: the status an armed `wrongStatus` rule makes it
   * answer instead (counting commands as the rule counts frames), or null to answer as it would.
   */
  statusFor(): StatusName | null {
    const hit = this.pick((r) => r.fault === 'wrongStatus' && (!r.only || r.only === 'response'));
    if (!hit) return null;
    this.stats.applied.wrongStatus++;
    return hit.status!;
  }

  private match(direction: FaultDirection, frame: Buffer): FaultRule | null {
    const kind = kindOf(frame);
    return this.pick((r) => r.fault !== 'wrongStatus' && r.direction === direction && (!r.only || r.only === kind));
  }

  /** The first armed rule that `applies` and chooses this one (its count goes on either way). */
  private pick(applies: (r: FaultRule) => boolean): FaultRule | null {
    for (const a of this.rules) {
      const r = a.rule;
      if (!applies(r)) continue;
      a.seen++;
      const limit = r.times ?? (r.nth !== undefined ? 1 : Infinity);
      if (a.used >= limit) continue;
      const chosen =
        r.nth !== undefined ? a.seen >= r.nth : r.every !== undefined ? a.seen % r.every === 0 : r.fraction !== undefined ? a.random() < r.fraction : true;
      if (!chosen) continue;
      a.used++;
      return r;
    }
    return null;
  }
}

/**
 * The behaviour an armed `wrongStatus` rule stands for, in front of every reader's defaults: the
 * command is answered with the rule's status and not done; without a rule it passes.
 */
export const wrongStatusRule: ReaderBehavior = {
  onCommand(reader, cmd, reply) {
    const status = reader.link.faults.statusFor();
    if (!status) return false;
    reply.respond(cmd.name, status);
    return true;
  },
};
