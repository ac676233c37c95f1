import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseTrace } from './format';
import { prettyHeader, prettyTrace } from './pretty';

export const TRACE_USAGE = `usage: oqs-reader trace FILE [--raw] [--no-color]

Pretty-prints a protocol trace (NDJSON, docs/traces.md): one line per frame with the time in ms,
the direction (H→R host to reader, R→H reader to host), the sender's SEQ, the message and its fields.

  --raw        also print each frame's bytes as hex
  --no-color   no ANSI colours (also when the environment sets NO_COLOR)
  -h, --help   this text
`;

/**
 * `oqs-reader trace FILE [--raw] [--no-color]`; `argv` is what follows the word `trace`.
 * Returns the exit code: 0 printed, 1 the file could not be read or is not a valid trace,
 * 2 bad usage. Everything, errors included, goes to `out` (each call one or more whole lines,
 * without the final newline).
 */
export async function runTrace(argv: string[], out: (s: string) => void): Promise<number> {
  let values: { raw?: boolean; 'no-color'?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        raw: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    out(`oqs-reader trace: ${(e as Error).message}`);
    out(TRACE_USAGE);
    return 2;
  }
  if (values.help) {
    out(TRACE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    out(`oqs-reader trace: ${positionals.length === 0 ? 'a trace FILE is required' : 'give exactly one trace FILE'}`);
    out(TRACE_USAGE);
    return 2;
  }
  const file = positionals[0]!;
  let trace;
  try {
    trace = parseTrace(await readFile(file, 'utf8'));
  } catch (e) {
    out(`oqs-reader trace: ${file}: ${(e as Error).message}`);
    return 1;
  }
  const color = !values['no-color'] && !process.env.NO_COLOR;
  out(prettyHeader(trace));
  if (trace.frames.length > 0) out(prettyTrace(trace, { color, raw: values.raw ?? false }));
  return 0;
}
