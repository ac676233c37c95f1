import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorControlClient } from '../../simulator/control/client';
import { SYNTHETIC_FACILITY_PASSWORDS } from '../../simulator/reader-visual';
import type { Stimulus } from '../../simulator/stimulus';
import type { Prompt, Robot } from './prompts';
import { WatchedProcess } from '../../src/util/child-lines';

const BIN = join(__dirname, '..', '..', 'bin', 'oqs-reader.js');

/** Not a patient's act: a reset, or the emulator's line ops (docs/emulator.md), as a switchable USB hub would do. */
export type LineOp = { op: 'reset' } | { op: 'unplug'; reader: number } | { op: 'replug'; reader: number; reboot: boolean };

/** A prompt as the emulator's control channel does it: a patient's act (simulator/stimulus.ts) or a line op. */
export function stimulusFor(prompt: Prompt): Stimulus | LineOp {
  const reader = prompt.args.reader;
  switch (prompt.id) {
    case 'PROMPT-CARD-PLACE':
      return { reader, action: 'placeCard', profile: prompt.args.profile };
    case 'PROMPT-METHOD-FACE':
      return { reader, action: 'chooseMethod', method: 'face' };
    case 'PROMPT-METHOD-PIN':
      return { reader, action: 'chooseMethod', method: 'pin' };
    case 'PROMPT-FACE-PRESENT':
      return { reader, action: 'presentFace', ...(prompt.args.condition ? { condition: prompt.args.condition } : {}) };
    case 'PROMPT-PIN-CORRECT':
      return { reader, action: 'enterCorrectPin' };
    case 'PROMPT-PIN-WRONG':
      return { reader, action: 'enterWrongPin' };
    case 'PROMPT-CONSENT-ALL':
      return { reader, action: 'answerConsent', choice: 'all' };
    case 'PROMPT-CONSENT-INDIVIDUAL':
      return { reader, action: 'answerConsent', choice: 'individual' };
    case 'PROMPT-CARD-REMOVE':
      return { reader, action: 'removeCard' };
    // The staff's acts of the reader-side 目視確認: the password goes over the emulator's control
    // channel only (never the reader link, never a prompt's text).
    case 'PROMPT-VISUAL-CHOOSE':
      return { reader, action: 'chooseVisualCheck' };
    case 'PROMPT-VISUAL-PASSWORD-RIGHT':
      return { reader, action: 'enterFacilityPassword', password: SYNTHETIC_FACILITY_PASSWORDS.right };
    case 'PROMPT-VISUAL-PASSWORD-WRONG':
      return { reader, action: 'enterFacilityPassword', password: SYNTHETIC_FACILITY_PASSWORDS.wrong };
    case 'PROMPT-VISUAL-CONFIRM':
      return { reader, action: 'confirmVisually' };
    case 'PROMPT-SCENARIO-START':
      return { op: 'reset' };
    case 'PROMPT-CABLE-UNPLUG':
    case 'PROMPT-POWER-OFF':
      return { reader, op: 'unplug' };
    case 'PROMPT-CABLE-REPLUG':
      return { reader, op: 'replug', reboot: false };
    case 'PROMPT-POWER-ON':
      return { reader, op: 'replug', reboot: true };
  }
}

/**
 * `oqs-reader emulate` as a child process (the pty profile's reader), or a connection to one that
 * is already running (a robot in an answers file). Talks to it over its control channel.
 */
export class EmulatorProcess implements Robot {
  private constructor(
    readonly control: EmulatorControlClient,
    readonly paths: string[],
    private readonly child?: ChildProcess,
    private readonly dir?: string,
  ) {}

  /** `listen`: no ptys, each reader on its own loopback listener of that kind (`emulate --no-pty --listen`); the paths are its URLs. */
  static async start(opts: { readers: number; listen?: 'tcp' | 'rfc2217' }): Promise<EmulatorProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'oqs-pty-'));
    const address = `unix:${join(dir, 'control.sock')}`;
    const lines = opts.listen
      ? ['--no-pty', ...Array.from({ length: opts.readers }, () => ['--listen', `${opts.listen}://127.0.0.1:0`]).flat()]
      : ['--link-dir', dir];
    // A pty answers in well under a millisecond: a short ACK wait keeps lost-frame scenarios quick.
    const emulate = WatchedProcess.node([BIN, 'emulate', '--readers', String(opts.readers), ...lines, '--control', address, '--ack-timeout-ms', '50'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const child = emulate.proc;
    const ready = JSON.parse((await emulate.line(/^OQS-EMULATOR-READY (.*)$/, 30_000, 'oqs-reader emulate ready'))[1]!) as {
      readers: string[];
      control: string;
    };
    const control = await EmulatorControlClient.connect(ready.control);
    return new EmulatorProcess(control, ready.readers, child, dir);
  }

  /** A robot for an answers file: the emulator already running at `address`. */
  static async robot(address: string): Promise<EmulatorProcess> {
    const control = await EmulatorControlClient.connect(address);
    const hello = (await control.call('hello', {})) as { readers: Array<{ path: string }> };
    return new EmulatorProcess(
      control,
      hello.readers.map((r) => r.path),
    );
  }

  async reset(): Promise<void> {
    await this.control.call('reset', {});
  }

  async framesOut(reader: number): Promise<number> {
    return Number(((await this.control.call('status', { reader })) as { framesOut: number }).framesOut);
  }

  /** Events the reader still waits to have ACKed (a lost one is on its way again). */
  async unacked(reader: number): Promise<number> {
    return Number(((await this.control.call('status', { reader })) as { unacked: number }).unacked);
  }

  async perform(prompt: Prompt): Promise<{ framesOut?: number }> {
    const s = stimulusFor(prompt);
    if ('op' in s) {
      const { op, ...args } = s;
      if (op === 'reset') await this.reset();
      else await this.control.call(op, args);
      return {};
    }
    const reply = await this.control.call('stimulus', s);
    return { framesOut: reply.framesOut };
  }

  async close(): Promise<void> {
    await this.control.close();
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child!.once('exit', r));
      await this.control.call('shutdown', {}).catch(() => this.child!.kill('SIGTERM'));
      // unref: a pending grace timer must not keep the test process alive once the child is gone.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    await this.control.close().catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
