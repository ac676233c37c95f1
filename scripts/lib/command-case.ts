/**
 * One command as one node:test case, so the checks that are not test runners (tsc, the build, the
 * coverage thresholds, the privacy scan, the protocol rule matrix) count in the totals line
 * through node's reporters like every other test:
 *
 *   sh scripts/lib/node-test.sh NAME scripts/lib/command-case.ts 'CASE NAME' -- COMMAND [ARGS…]
 *
 * The command's output goes straight through; when it exits non-zero, the case fails with its
 * last 40 lines.
 */
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { splitLines } from '../../src/util/lines';

const TAIL = 40;

/** Runs `command`, echoing its output; resolves with its exit code (or signal) and last lines. */
export function runCommand(
  command: string[],
  echo: (text: string) => void = (t) => process.stdout.write(t),
): Promise<{ code: number | null; signal: NodeJS.Signals | null; tail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    // One splitter per stream, so a line half-written on one is not glued to the other's; blank lines are left out.
    const flushes = [child.stdout, child.stderr].map((stream) => {
      const keep = splitLines((line) => {
        if (line.trim() === '') return;
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
      });
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        echo(text);
        keep(text);
      });
      return () => keep('\n'); // a last line without its newline
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      for (const flush of flushes) flush();
      resolve({ code, signal, tail });
    });
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const [name] = args;
  const command = args.slice(2);
  if (!name || args[1] !== '--' || command.length === 0) {
    process.stderr.write("usage: node -r ts-node/register scripts/lib/command-case.ts 'CASE NAME' -- COMMAND [ARGS…]\n");
    process.exit(2);
  }
  test(name, async () => {
    const r = await runCommand(command);
    if (r.code !== 0) throw new Error(`${command.join(' ')} exited with ${r.code ?? r.signal}:\n${r.tail.join('\n')}`);
  });
}
