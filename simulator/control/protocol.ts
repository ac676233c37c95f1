/**
 * The emulator's control channel (docs/emulator.md): newline-delimited JSON over a unix socket or
 * loopback TCP. One request per line, `{"id":1,"op":"…", …args}`; one reply per request,
 * `{"id":1,"ok":true, …result}` or `{"id":1,"ok":false,"code":"EMU_ERR_…","message":"…"}`.
 * Replies may come out of order (ops on different readers run side by side); `id` pairs them.
 */
import type { ReaderIdentity } from '../../src/protocol';
import type { Stimulus } from '../stimulus';

export const CONTROL_PROTOCOL = 1;

/** Longest request or reply line accepted, in bytes. */
export const MAX_LINE_BYTES = 1 << 20;

export type ControlAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: '127.0.0.1'; port: number };

/** An error the control channel reports by code (emulator errors keep their own codes). */
export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** `unix:/path/to.sock` or `tcp:127.0.0.1:PORT` (loopback only; port 0 picks one when listening). */
export function parseAddress(address: string): ControlAddress {
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    if (!path) throw new ControlError('EMU_ERR_BAD_REQUEST', `empty unix socket path in "${address}"`);
    return { kind: 'unix', path };
  }
  const m = /^tcp:([^:]+):(\d{1,5})$/.exec(address);
  if (m) {
    const port = Number(m[2]);
    if (m[1] !== '127.0.0.1') throw new ControlError('EMU_ERR_BAD_REQUEST', `the control channel is loopback only (127.0.0.1), not ${m[1]}`);
    if (port > 65535) throw new ControlError('EMU_ERR_BAD_REQUEST', `port out of range in "${address}"`);
    return { kind: 'tcp', host: '127.0.0.1', port };
  }
  throw new ControlError('EMU_ERR_BAD_REQUEST', `control address must be unix:PATH or tcp:127.0.0.1:PORT, got "${address}"`);
}

export function formatAddress(a: ControlAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host}:${a.port}`;
}

// ---- ops ------------------------------------------------------------------------------------

/** An emulated reader's identity on the control channel: src/protocol's ReaderIdentity with capabilities as hello's bit mask. */
export type IdentityInfo = Omit<ReaderIdentity, 'protocolVersion' | 'capabilities'> & { capabilities: number };

export interface ReaderInfo {
  index: number;
  /** What a controller opens: the link when there is one, else the slave (or `memory:N`). */
  path: string;
  /** The pty slave (`/dev/pts/N`), or `memory:N` on the in-memory transport. */
  device: string;
  link?: string;
  /** Where the reader is also served on the network (`emulate --listen`): `tcp://…` or `rfc2217://…`. */
  listen?: string;
  identity: IdentityInfo;
}

export interface ReaderStatus {
  mode: string;
  state: string;
  screen: string;
  cardPresent: boolean;
  txId: number;
  framesOut: number;
  framesIn: number;
  /** Events sent but not yet ACKed by a host (the link keeps retransmitting them). */
  unacked: number;
}

/** One identity outcome the reader sent (the `confirmations` op): sent once, however often retransmitted. */
export interface SentOutcomeInfo {
  event: 'identityConfirmed' | 'identityFailed';
  txId: number;
  /** The frame's SEQ (an ACK names it). */
  seq: number;
  /** identityConfirmed: face, pin or visual. */
  method?: string;
  /** identityConfirmed: the card's one-way identifier. */
  cardId?: string;
  /** identityFailed: the FailReason name. */
  reason?: string;
  /** How often it went on the line (1 + retransmissions). */
  sends: number;
  /** A host ACKed it (so the host must have kept it). */
  acked: boolean;
  /** Not ACKed and still held by the reader, which will send it again. */
  held: boolean;
}

/** Every op with its arguments and its result (the reply without id/ok). */
export interface ControlOps {
  hello: { args: Record<string, never>; result: { readers: ReaderInfo[]; protocol: number; timeScale: number } };
  reset: {
    args: { identities?: Array<Partial<IdentityInfo>>; txIdSeed?: number };
    result: { readers: ReaderInfo[] };
  };
  stimulus: { args: Stimulus; result: { reader: number; framesOut: number } };
  status: { args: { reader?: number }; result: ReaderStatus & { reader: number } };
  fault: { args: Record<string, unknown>; result: { reader: number; armed: unknown[] } };
  reboot: { args: { reader?: number }; result: { reader: number } };
  /** The reader's line goes away (a pulled USB cable, or the reader switched off): the pty and its link vanish. */
  unplug: { args: { reader?: number }; result: { reader: number } };
  /** The line comes back on the same link path (a new pty); `reboot: true` if the reader was switched off. */
  replug: { args: { reader?: number; reboot?: boolean }; result: { reader: number; device: string } };
  confirmations: {
    args: { reader?: number; from?: number; limit?: number };
    result: {
      reader: number;
      serial: string;
      /** Outcomes sent in all; `confirmations` holds those from `from` (at most `limit`, default 1000). */
      total: number;
      /** Not ACKed by a host. */
      unacked: number;
      /** Of those, still held by the reader (it will send them again). */
      pending: number;
      /** `from` for the next page, or null. */
      next: number | null;
      confirmations: SentOutcomeInfo[];
    };
  };
  shutdown: { args: Record<string, never>; result: Record<string, never> };
}

export type OpName = keyof ControlOps;

export type Reply = { id: unknown; ok: true; [k: string]: unknown } | { id: unknown; ok: false; code: string; message: string };
