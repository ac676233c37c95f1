import { readFile } from 'node:fs/promises';
import { parseOrUsage, usageError, type Write } from '../cli-usage';
import { runTraceDiff } from './diff-main';
import { parseTrace } from './format';
import { colorWanted, prettyHeader, prettyTrace } from './pretty';
import { runToScenario } from './to-scenario-main';

export const TRACE_USAGE = `usage: oqs-reader trace FILE [--raw] [--no-color]
       oqs-reader trace diff A B [--tolerance T] [--with-polls] [--json]   (trace diff --help)
       oqs-reader trace to-scenario FILE [-o OUT]                          (trace to-scenario --help)

Pretty-prints a protocol trace (NDJSON, docs/traces.md): one line per frame with the time in ms,
the direction (H→R host to reader, R→H reader to host), the sender's SEQ, the message and its fields.

  --raw        also print each frame's bytes as hex
  --no-color   no ANSI colours. Without it, colours only on a terminal, as Node decides for
               stdout: NO_COLOR or TERM=dumb turn them off, FORCE_COLOR (1–3; 0 = off) forces
  -h, --help   this text
`;

/**
 * `oqs-reader trace FILE [--raw] [--no-color]`; `argv` is what follows the word `trace`.
 * Returns the exit code: 0 printed, 1 the file could not be read or is not a valid trace,
 * 2 bad usage. The trace goes to `out`, errors to `err` (the CLI's stderr; `out` if not given);
 * each call one or more whole lines, without the final newline. `stream` is where `out` ends up,
 * for the colour decision.
 */
export async function runTrace(argv: string[], out: Write, err: Write = out, stream: NodeJS.WriteStream = process.stdout): Promise<number> {
  if (argv[0] === 'diff') return runTraceDiff(argv.slice(1), out, err);
  if (argv[0] === 'to-scenario') return runToScenario(argv.slice(1), out, err);
  const parsed = parseOrUsage({
    args: argv,
    allowPositionals: true,
    options: {
      raw: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if ('error' in parsed) return usageError('oqs-reader trace', parsed.error, TRACE_USAGE, err);
  const { values, positionals } = parsed;
  if (values.help) {
    out(TRACE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    return usageError('oqs-reader trace', positionals.length === 0 ? 'a trace FILE is required' : 'give exactly one trace FILE', TRACE_USAGE, err);
  }
  const file = positionals[0]!;
  let trace;
  try {
    trace = parseTrace(await readFile(file, 'utf8'));
  } catch (e) {
    err(`oqs-reader trace: ${file}: ${(e as Error).message}`);
    return 1;
  }
  const color = !values['no-color'] && colorWanted(stream);
  out(prettyHeader(trace));
  if (trace.frames.length > 0) out(prettyTrace(trace, { color, raw: values.raw ?? false }));
  return 0;
}
