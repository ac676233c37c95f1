import type { Write } from '../cli-usage';

/** Runs a `oqs-reader trace …` entry point with its stdout and stderr captured (tests). */
export async function runCaptured(
  main: (argv: string[], out: Write, err: Write) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}
