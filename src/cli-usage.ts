// What every `oqs-reader` command does the same way (README "Command line"): usage errors go to
// stderr with the command's usage and exit 2; output goes to stdout; SIGINT, SIGTERM and SIGHUP
// (the terminal window closed, an ssh session dropped) all stop a long-running command cleanly.
// Loads nothing but node:util, so `--help` and `--version` stay fast.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One or more whole lines, without the final newline. */
export type Write = (lines: string) => void;

export const EXIT_USAGE = 2;

/** A Write onto a stream, adding the final newline. */
export const writeLines =
  (stream: NodeJS.WritableStream): Write =>
  (text) =>
    void stream.write(text.endsWith('\n') ? text : text + '\n');

/** Writes "<command>: <message>", a blank line and the usage to `err`; returns exit code 2. */
export function usageError(command: string, message: string, usage: string, err: Write): number {
  err(`${command}: ${message}\n\n${usage.trimEnd()}`);
  return EXIT_USAGE;
}

/**
 * node:util parseArgs, strict: an unknown option, a missing value or (unless allowed) a word is a
 * usage error, returned as its message instead of a raw ERR_PARSE_ARGS_* exception.
 */
export function parseOrUsage<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> | { error: string } {
  try {
    return parseArgs(config); // strict unless the config says otherwise
  } catch (e) {
    // Node's advice on '--' after an unknown option is noise here: the first sentence says it.
    return { error: (e as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, '') };
  }
}

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `stop` on the first stop signal; returns a function that removes the handlers. While it
 * stops, a repeated SIGTERM or SIGHUP is ignored (a hang-up reaches a process both directly and
 * through a wrapper such as scripts/with-node.cjs), and a second SIGINT (Ctrl-C again) ends the
 * process at once, as Node's default would.
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      stop(signal);
    } else if (signal === 'SIGINT') {
      off();
      process.kill(process.pid, 'SIGINT');
    }
  };
  const off = () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return off;
}
