import { AfterAll, BeforeAll } from '@cucumber/cucumber';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import { loadDeclaration, portCountProblem, type Declaration } from './declaration';
import { EmulatorProcess } from './emulator-process';
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
  if (target === 'pty' || target === 'product') ctx.emulator = await EmulatorProcess.start({ readers: 2 });
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
  await run?.emulator?.stop();
  run = null;
});

export type { Prompt };
