import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorProcess } from './emulator-process';
import { EmulatorControlClient } from '../../simulator/control/client';
import type { FaultRule } from '../../simulator/faults';
import { WatchedProcess } from '../../src/util/child-lines';

const BIN = join(__dirname, '..', '..', 'bin', 'oqs-reader.js');

/**
 * `oqs-reader tap` (docs/tap.md) between the controller and one reader of the pty emulator, as
 * its own process: the controller opens the tap's pty (`path`); line faults are armed on the tap
 * over its control channel, as a vendor would on real hardware.
 */
export class TapProcess {
  private constructor(
    readonly path: string,
    private readonly control: EmulatorControlClient,
    private readonly proc: WatchedProcess,
  ) {}

  /** Starts a tap in front of `reader`; its pty link, control socket and trace go into `dir`. */
  static async start(reader: string, dir: string, index: number): Promise<TapProcess> {
    const control = `unix:${join(dir, `tap${index}.sock`)}`;
    const proc = WatchedProcess.node(
      [
        BIN,
        'tap',
        '--reader',
        reader,
        '--controller',
        `pty:${join(dir, `ttyTAP${index}`)}`,
        '--control',
        control,
        '--trace',
        join(dir, `tap${index}.ndjson`),
        '--retry-ms',
        '100',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = JSON.parse((await proc.line(/^OQS-TAP-READY (.*)$/, 30_000, 'oqs-reader tap ready'))[1]!) as { controller: string };
    return new TapProcess(ready.controller, await EmulatorControlClient.connect(control), proc);
  }

  /**
   * How many more reader frames reached the controller than the reader sent, so far: the
   * emulator counts what its own faults drop and duplicate, not what the tap's do.
   */
  async framesAdded(): Promise<number> {
    const { toHost } = (await this.control.call('status', {})) as unknown as { toHost: { faults: Partial<Record<string, number>> } };
    return (toHost.faults.duplicate ?? 0) - (toHost.faults.drop ?? 0);
  }

  async fault(rule: FaultRule | 'clear'): Promise<void> {
    await this.control.call('fault', rule === 'clear' ? { clear: true } : { ...rule });
  }

  async stop(): Promise<void> {
    await this.control.close().catch(() => undefined);
    await this.proc.stop();
  }
}

/**
 * The pty profile's emulator with a tap in front of each reader (the `tap` profile): the
 * controller opens the taps' ptys; line faults are armed on the taps, `wrongStatus` (the reader's
 * behaviour) and everything else go to the emulator; a reset clears the taps' rules too.
 */
export async function behindTaps(emulator: EmulatorProcess): Promise<EmulatorProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-taps-'));
  const taps: TapProcess[] = [];
  for (const [i, path] of emulator.paths.entries()) taps.push(await TapProcess.start(path, dir, i));
  const real = emulator.control;
  const call = async (op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const tap = taps[Number(args.reader ?? 0)];
    if (op === 'reset') for (const t of taps) await t.fault('clear');
    if (op === 'fault' && tap && args.clear === true) await tap.fault('clear');
    else if (op === 'fault' && tap && args.fault !== 'wrongStatus') {
      const { reader: _reader, ...rule } = args;
      await tap.fault(rule as unknown as FaultRule);
      return { reader: args.reader ?? 0, armed: [rule] };
    }
    const reply = await real.call(op, args);
    // What the controller can receive: the emulator's count of frames delivered, as the tap changed it.
    if ((op === 'status' || op === 'stimulus') && tap && typeof reply.framesOut === 'number') reply.framesOut += await tap.framesAdded();
    return reply;
  };
  const control = Object.assign(Object.create(real) as EmulatorControlClient, { call });
  return Object.assign(Object.create(emulator) as EmulatorProcess, {
    paths: taps.map((t) => t.path),
    control,
    stop: async () => {
      for (const t of taps) await t.stop();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
