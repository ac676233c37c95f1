/**
 * Shapes both ends of the link use, defined once: the controller (src/reader) and the emulator
 * (simulator/) import them from here. Imports nothing outside src/protocol.
 */
/**
 * A reader as it describes itself: the fields of its hello response (docs/protocol.md §3.3
 * hello), with the capability bits as their names (§4.9: capabilityNames; capabilityBits turns
 * them back and drops a name it does not know, e.g. from a trace of a later version).
 */
export interface ReaderIdentity {
  protocolVersion: number;
  vendor: string;
  model: string;
  firmware: string;
  /** Unique per reader: the host keys its records on it. */
  serial: string;
  capabilities: string[];
}

/**
 * What one end of the link counted since it was opened. Both ends keep the same shape; a counter
 * for something only the other end can see stays 0 (the host never receives an ACK, the reader
 * never retries a command).
 */
export interface LinkStats {
  /** Frames received whole (any kind, ACKs included). */
  framesIn: number;
  /** Frames written (any kind, ACKs and repeats included). */
  framesOut: number;
  /** Frames dropped by the decoder (bad CRC, oversized) or that did not decode. */
  badFrames: number;
  /** Host end: commands sent again (same SEQ and bytes) because no response came in time. */
  commandRetries: number;
  /** Host end: events the reader sent again that were already handled: ACKed again, not handled twice. */
  duplicateEvents: number;
  /** Reader end: ACKs received. */
  acksIn: number;
  /** Reader end: events sent again because no ACK came in time. */
  retransmits: number;
  /** Reader end: commands the host repeated (same SEQ and bytes), answered from the cache, not run again. */
  duplicateCommands: number;
}

/**
 * Whose fault an error is, on either side's error table: `peer` the other end of the link
 * misbehaved or refused, `caller` whoever asked gave bad input or credentials, `transport` the
 * serial line, port or a connection, `internal` this program failed (a bug, or its own disk).
 */
export type Fault = 'peer' | 'caller' | 'transport' | 'internal';

export function emptyLinkStats(): LinkStats {
  return { framesIn: 0, framesOut: 0, badFrames: 0, commandRetries: 0, duplicateEvents: 0, acksIn: 0, retransmits: 0, duplicateCommands: 0 };
}
