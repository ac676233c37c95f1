import { spawn, type ChildProcess } from 'node:child_process';

/** A child process whose output lines we watch (and keep the tail of, for diagnostics). */
export class Child {
  readonly proc: ChildProcess;
  /** Every line it printed (a controller or the emulator prints a handful). */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    this.exited = new Promise((res) =>
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        res(this.exit);
      }),
    );
  }

  get tail(): string[] {
    return this.lines.slice(-30);
  }

  private onLine(line: string): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      const m = w.re.exec(line);
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  /** The first line matching re (printed already, or from now on); null on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    if (this.exit) return Promise.resolve(null);
    return new Promise((res) => {
      const w = { re, resolve: (m: RegExpMatchArray | null) => done(m) };
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (m: RegExpMatchArray | null) => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        res(m);
      };
      this.waiters.push(w);
      void this.exited.then(() => done(null));
    });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.exit) this.proc.kill(signal);
    await this.exited;
  }
}
