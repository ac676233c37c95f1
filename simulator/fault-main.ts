import { parseOrUsage, usageError as usageErrorOf, type Write } from '../src/cli-usage';
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

/**
 * `oqs-reader fault`: the emulator's fault injection from a shell (docs/emulator.md). Exit code 0
 * armed, 1 the emulator refused or could not be reached, 2 usage error; errors go to `err`.
 */
export async function runFault(argv: string[], out: Write, err: Write = out): Promise<number> {
  const usageError = (message: string) => usageErrorOf('oqs-reader fault', message, USAGE, err);
  const parsed = parseOrUsage({
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
  if ('error' in parsed) return usageError(parsed.error);
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!values.control) return usageError('--control ADDR is required');
  if (values.clear && values.reboot) return usageError('give --clear or --reboot, not both');
  const wanted = values.clear || values.reboot ? 0 : 1;
  if (positionals.length !== wanted) {
    return usageError(
      wanted === 0
        ? `--${values.clear ? 'clear' : 'reboot'} takes no FAULT; unexpected "${positionals[0]}"`
        : positionals.length === 0
          ? 'a FAULT is required'
          : `give exactly one FAULT; unexpected "${positionals[1]}"`,
    );
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  let client: EmulatorControlClient;
  try {
    client = await EmulatorControlClient.connect(values.control);
  } catch (e) {
    err(`oqs-reader fault: cannot reach the emulator at ${values.control}: ${(e as Error).message}`);
    return 1;
  }
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
    err(`oqs-reader fault: ${(e as { code?: string }).code ?? 'error'}: ${(e as Error).message}`);
    return 1;
  } finally {
    await client.close();
  }
}
