export interface SplitOptions {
  /** A line still without its '\n' may hold at most this many bytes (UTF-8); beyond, it is dropped and `onOverflow` called. */
  maxBytes?: number;
  onOverflow?: () => void;
}

/**
 * The one line splitter for text that arrives in chunks (a child's stdout, a socket): returns the
 * function to feed each chunk to; `onLine` gets every whole line without its '\n' (or '\r\n'). A
 * last line without its '\n' is held until one comes. Decode before feeding (`setEncoding('utf8')`),
 * so a character split across two chunks stays whole.
 */
export function splitLines(onLine: (line: string) => void, opts: SplitOptions = {}): (chunk: string) => void {
  let held = '';
  return (chunk) => {
    const text = held + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = text.slice(start, end);
      start = nl + 1;
      onLine(line);
    }
    held = text.slice(start);
    if (opts.maxBytes !== undefined && Buffer.byteLength(held) > opts.maxBytes) {
      held = '';
      opts.onOverflow?.();
    }
  };
}
