import { parseArgs } from 'node:util';
import { EmulatorControlClient } from './control/client';
import { FAULTS } from './faults';

const USAGE = `oqs-reader fault --control ADDR [--reader N] FAULT [--nth N | --every N | --fraction F] [options]
oqs-reader fault --control ADDR [--reader N] --clear
oqs-reader fault --control ADDR [--reader N] --reboot

Arms a fault on a running \`oqs-reader emulate\` (ADDR as it printed: unix:PATH or tcp:127.0.0.1:PORT).
FAULT is one of: ${Object.entries(FAULTS)
  .map(([k, v]) => `\n  ${k.padEnd(12)} ${v}`)
  .join('')}
options: --direction toHost|toReader  --only event|response|command|ack  --times N
         --delay-ms N  --bytes N  --status NAME  --seed N
`;

/** `oqs-reader fault`: the emulator's fault injection from a shell (docs/emulator.md). */
export async function runFault(argv: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      control: { type: 'string' },
      reader: { type: 'string', default: '0' },
      clear: { type: 'boolean' },
      reboot: { type: 'boolean' },
      nth: { type: 'string' },
      every: { type: 'string' },
      fraction: { type: 'string' },
      times: { type: 'string' },
      direction: { type: 'string' },
      only: { type: 'string' },
      'delay-ms': { type: 'string' },
      bytes: { type: 'string' },
      status: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.control || (!values.clear && !values.reboot && positionals.length !== 1)) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const client = await EmulatorControlClient.connect(values.control);
  try {
    const reader = Number(values.reader);
    if (values.reboot) {
      await client.call('reboot', { reader });
      out(`reader ${reader} rebooted`);
      return 0;
    }
    const rule = values.clear
      ? { reader, clear: true }
      : Object.fromEntries(
          Object.entries({
            reader,
            fault: positionals[0],
            nth: num(values.nth),
            every: num(values.every),
            fraction: num(values.fraction),
            times: num(values.times),
            direction: values.direction,
            only: values.only,
            delayMs: num(values['delay-ms']),
            bytes: num(values.bytes),
            status: values.status,
            seed: num(values.seed),
          }).filter(([, v]) => v !== undefined),
        );
    const reply = (await client.call('fault', rule)) as { armed: unknown[] };
    out(`reader ${reader}: ${reply.armed.length} fault rule(s) armed ${JSON.stringify(reply.armed)}`);
    return 0;
  } catch (e) {
    out(`${(e as { code?: string }).code ?? 'error'}: ${(e as Error).message}`);
    return 1;
  } finally {
    await client.close();
  }
}
