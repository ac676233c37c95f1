import { AfterAll, BeforeAll } from '@cucumber/cucumber';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import { loadDeclaration, portCountProblem, type Declaration } from './declaration';
import { EmulatorProcess } from './emulator-process';
import { behindTaps } from './tap-process';
import { startSer2net, type Ser2net } from './ser2net';
import type { BindingInterface } from '@serialport/bindings-interface';
import { readerBinding } from '../../src/net/port-binding';
import { RealClock } from '../../src/time/clock';
import { AnswersFileAnswerer, loadAnswersFile, OperatorAnswerer, type Answerer, type Prompt } from './prompts';

/** Profile settings (cucumber.js worldParameters); environment variables fill the hardware ones. */
export interface WorldParameters {
  target?: 'emulator' | 'pty' | 'product' | 'hardware';
  /** The capability declaration; the emulator's own when left out. */
  declaration?: string;
  /** Reader ports for `hardware`, comma-separated (READER_PORT). */
  ports?: string;
  baudRate?: number;
  /** Answers file for prompts (OQS_ANSWERS); without it a person answers at the terminal. */
  answers?: string;
  /** In-process pacing of the reader's bytes (emulator target only). */
  pacing?: { baudRate?: number; latencyTimerMs?: number; maxChunk?: number; seed?: number };
  /** Overrides the declaration's command timeout (the pty answers in well under a millisecond). */
  commandTimeoutMs?: number;
  /** Where each scenario's protocol trace is written as NDJSON (it is attached to the report too). */
  traceDir?: string;
  /** pty target: reach the emulator's readers through a ser2net this run starts, by rfc2217:// or tcp://. */
  ser2net?: 'rfc2217' | 'tcp';
  /** pty target: the emulator serves its readers on loopback listeners of this kind instead of ptys (`emulate --no-pty --listen`). */
  listen?: 'rfc2217' | 'tcp';
  /** pty target: put `oqs-reader tap` (docs/tap.md) in front of each emulated reader; line faults are the taps'. */
  tap?: boolean;
}

/**
 * What lives for a whole cucumber run (one process): the declaration, the out-of-process
 * emulator of the pty profile, and whoever answers prompts. Device state stays per scenario.
 */
export interface RunContext {
  parameters: WorldParameters;
  declaration: Declaration;
  emulator?: EmulatorProcess;
  hands?: Answerer;
  /** The answers file's robot, when it can also say how many frames the reader sent. */
  robot?: EmulatorProcess;
  /** The ser2net in front of the emulator's readers (the ser2net profiles); its URLs are the reader ports. */
  relay?: Ser2net;
  /** The reader ports' binding for the whole run (tcp://, rfc2217://, local): it remembers what a server never acknowledges (ser2net: DTR/RTS) and waits for that once, not per scenario. */
  netBinding?: BindingInterface;
}

let run: RunContext | null = null;

export function currentRun(): RunContext {
  if (!run) throw new Error('the run context is set up in BeforeAll; is steps/support/run.ts loaded?');
  return run;
}

// From the package root: these steps also run compiled, from dist/steps/support (the mutant check).
export const DEFAULT_DECLARATION = join(packageRoot(__dirname), 'declarations', 'emulator.json');

BeforeAll({ timeout: 60_000 }, async function (this: { parameters: WorldParameters }) {
  const parameters = { ...this.parameters };
  const target = parameters.target ?? 'emulator';
  const loaded = loadDeclaration(parameters.declaration || DEFAULT_DECLARATION);
  const declaration = parameters.commandTimeoutMs ? { ...loaded, timing: { ...loaded.timing, commandTimeoutMs: parameters.commandTimeoutMs } } : loaded;
  const ctx: RunContext = { parameters: { ...parameters, target }, declaration };
  if (target === 'pty' || target === 'product')
    ctx.emulator = await EmulatorProcess.start({ readers: 2, ...(parameters.listen ? { listen: parameters.listen } : {}) });
  if (parameters.tap) ctx.emulator = await behindTaps(ctx.emulator!);
  ctx.netBinding = readerBinding({ clock: new RealClock() });
  if (parameters.ser2net) {
    run = ctx; // AfterAll stops what started, even if the relay fails to
    ctx.relay = await startSer2net(ctx.emulator!.paths.map((device) => ({ device, accepter: parameters.ser2net! })));
  }
  if (target === 'hardware') {
    if (!parameters.ports) throw new Error('the hardware profile needs READER_PORT=/dev/ttyUSB0 (comma-separate several)');
    const mismatch = portCountProblem(
      declaration,
      parameters.ports
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    if (mismatch) throw new Error(mismatch);
    if (parameters.answers) {
      const file = loadAnswersFile(parameters.answers);
      const robot = file.robot ? await EmulatorProcess.robot(file.robot.emulatorControl) : undefined;
      ctx.hands = new AnswersFileAnswerer(file, robot);
      ctx.robot = robot;
    } else {
      ctx.hands = new OperatorAnswerer(declaration.timing.promptTimeoutS);
    }
  }
  run = ctx;
});

AfterAll({ timeout: 30_000 }, async function () {
  await run?.hands?.close?.();
  await run?.relay?.stop();
  await run?.emulator?.stop();
  run = null;
});

export type { Prompt };
