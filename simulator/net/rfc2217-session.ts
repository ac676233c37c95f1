import { ComPortServer } from '../../src/net/rfc2217';
import type { WireSession } from './net-line';

/** Bad Telnet input logged per connection; more is counted, not logged (a storm must not flood the log). */
const LOGGED_FAULTS = 3;

/**
 * One RFC 2217 connection to an emulated reader: the access server's side (src/net/rfc2217.ts's
 * ComPortServer) offers BINARY, SGA and COM-PORT-OPTION at once, answers every option the client
 * negotiates, and acknowledges every COM-PORT command with its code + 100 and the value now in
 * force (an emulated reader has no UART: baud, parity, DTR/RTS are kept only to be reported).
 * Bad Telnet input is logged and skipped; the decoder holds at most one bounded subnegotiation.
 */
export function rfc2217Session(send: (bytes: Buffer) => void, log: (line: string) => void = () => undefined): WireSession {
  const server = new ComPortServer();
  let faults = 0;
  send(server.greeting());
  return {
    receive(bytes) {
      const step = server.receive(bytes);
      for (const r of step.reply) send(r);
      for (const e of step.errors) {
        faults++;
        if (faults <= LOGGED_FAULTS)
          log(`bad Telnet input (${e.fault}): ${e.detail}${faults === LOGGED_FAULTS ? '; further faults on this connection are not logged' : ''}`);
      }
      return step.data.length === 1 ? step.data[0]! : Buffer.concat(step.data);
    },
    encode: (bytes) => server.encodeData(bytes),
  };
}
