import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseOrUsage, usageError, type Write } from '../cli-usage';
import { parseTrace } from './format';
import { traceToScenario } from './to-scenario';

export const TO_SCENARIO_USAGE = `usage: oqs-reader trace to-scenario FILE [-o OUT]

Turns a recorded session (a trace from oqs-reader tap, the hardware profile or start --trace;
docs/traces.md) into an editable Japanese scenario for the emulator: the patient's and the staff's
acts in the documented steps (docs/steps.md), with the card profile and face condition that
reproduce the reader's answers. Choices and what cannot be reproduced are # comments in it.

  -o, --output OUT  write the .feature to OUT (default: stdout)
  -h, --help        this text

Exit codes: 0 written, 1 the file cannot be read or is not a valid trace, 2 bad usage. What the
scenario leaves out is also listed on stderr.
`;

/** `oqs-reader trace to-scenario FILE [-o OUT]`; `argv` is what follows `to-scenario`. */
export async function runToScenario(argv: string[], out: Write, err: Write = out): Promise<number> {
  const parsed = parseOrUsage({
    args: argv,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  const usage = (message: string) => usageError('oqs-reader trace to-scenario', message, TO_SCENARIO_USAGE, err);
  if ('error' in parsed) return usage(parsed.error);
  const { values, positionals } = parsed;
  if (values.help) {
    out(TO_SCENARIO_USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usage(positionals.length === 0 ? 'a trace FILE is required' : 'give exactly one trace FILE');
  const file = positionals[0]!;
  let scenario;
  try {
    scenario = traceToScenario(parseTrace(await readFile(file, 'utf8')), { source: basename(file) });
  } catch (e) {
    err(`oqs-reader trace to-scenario: ${file}: ${(e as Error).message}`);
    return 1;
  }
  if (values.output) {
    try {
      await writeFile(values.output, scenario.text);
    } catch (e) {
      err(`oqs-reader trace to-scenario: ${values.output}: ${(e as Error).message}`);
      return 1;
    }
  } else out(scenario.text);
  for (const s of scenario.skipped) err(`oqs-reader trace to-scenario: not reproduced: ${s}`);
  return 0;
}
