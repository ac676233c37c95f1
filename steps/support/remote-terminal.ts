import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Actor } from '../../src/reader/accounts';
import { OqsError } from '../../src/reader/errors';
import type { ConfirmationRecord, ModeChange } from '../../src/reader/records';
import type { ScreenView } from '../../src/reader/screen-view';
import type { Terminal, TerminalEvent } from '../../src/reader/terminal';
import type { VisualCheckView } from '../../src/reader/visual-check';
import type { Clock } from '../../src/time/clock';
import type { TraceFrame, TraceHeader } from '../../src/trace/format';

type Status = ReturnType<Terminal['status']>;

/** How the suite reaches a running `oqs-reader start`: its URL and an administrator's password. */
export interface RemoteOptions {
  url: string;
  adminPassword: string;
  /** The product's live trace (start --trace), tailed for the scenario's trace and wire checks. */
  trace: string;
  clock: Clock;
  /** The reader on `path` answers getStatus itself (the emulator behind the port). */
  askReader: (path: string) => Promise<{ mode: number; screen: number; cardPresent: number; txId: number }>;
}

const basic = (account: string, password: string) => 'Basic ' + Buffer.from(`${account}:${password}`).toString('base64');
/** Accounts the scenarios log in with get this password in the product (synthetic, per run). */
const passwordOf = (account: string) => `suite-${account}-password`;

/**
 * The shipped controller, seen from outside as the screen and a レセコン see it: its HTTP API (Basic
 * auth per account), its live event stream (SSE) and its frame log. It offers the terminal's
 * surface the steps use, answered from a snapshot that `refresh()` takes after every settle; a
 * staff action is an API call, and a refusal comes back as the same coded OqsError.
 */
export class RemoteTerminal extends EventEmitter {
  private snapshot: Status | null = null;
  private recordList: ConfirmationRecord[] = [];
  private changes: ModeChange[] = [];
  private lastEventId = 0;
  private waiters: Array<() => void> = [];
  private stream: AbortController | null = null;
  private frameOffset = 0;
  private traceStart = 0;
  private readonly accounts = new Set<string>(['admin']);

  constructor(private readonly opts: RemoteOptions) {
    super();
  }

  /** Opens the live event stream; resolves once its first message (the status) has arrived. */
  async connect(): Promise<void> {
    this.stream = new AbortController();
    const res = await fetch(`${this.opts.url}/api/events`, { headers: { authorization: basic('admin', this.opts.adminPassword) }, signal: this.stream.signal });
    if (!res.ok || !res.body) throw new Error(`GET /api/events: ${res.status}`);
    const first = new Promise<void>((resolve) => this.waiters.push(resolve));
    void this.read(res.body).catch(() => undefined);
    await first;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of body) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let id: number | null = null;
        let event = '';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (event && event !== 'status' && data) this.emit('event', JSON.parse(data) as TerminalEvent);
        if (event === 'status' && data) this.lastEventId = Math.max(this.lastEventId, (JSON.parse(data) as Status).published ?? 0);
        if (id !== null) this.lastEventId = id;
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }

  /** Re-reads status, records and mode changes, after every event published so far has arrived here. */
  async refresh(): Promise<void> {
    this.tailFrames();
    const status = await this.get<Status>('/api/status');
    const deadline = Date.now() + 10_000;
    while (this.lastEventId < status.published) {
      if (Date.now() > deadline) throw new Error(`the live event stream stopped at ${this.lastEventId} of ${status.published}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    const [records, changes] = await Promise.all([
      this.all<ConfirmationRecord>('/api/records', 'records'),
      this.all<ModeChange>('/api/mode-changes', 'changes'),
    ]);
    this.snapshot = status;
    this.recordList = records;
    this.changes = changes;
    this.tailFrames();
  }

  /** Frames the product appended to its live trace since the last look, as the terminal's 'frame' events. */
  private tailFrames(): void {
    let text: string;
    try {
      text = readFileSync(this.opts.trace, 'utf8');
    } catch {
      return;
    }
    const end = text.lastIndexOf('\n') + 1;
    const fresh = text.slice(this.frameOffset, end);
    this.frameOffset = end;
    for (const line of fresh.split('\n')) {
      if (!line) continue;
      const v = JSON.parse(line) as Partial<TraceFrame> & Partial<TraceHeader>;
      if (v.startedAt !== undefined) {
        this.traceStart = Date.parse(v.startedAt);
        continue;
      }
      const f = v as TraceFrame;
      const frame = {
        dir: f.dir === 'h2r' ? 'out' : 'in',
        at: this.traceStart + f.t,
        bytes: f.hex,
        ...(f.msg ? { message: f.msg } : {}),
        ...(f.error ? { error: f.error } : {}),
      } as const;
      this.emit('event', { type: 'frame', path: f.path, frame } satisfies TerminalEvent);
    }
  }

  close(): void {
    this.stream?.abort();
  }

  // ---- the terminal's surface, as the steps use it ------------------------------------------

  get clock(): Clock {
    return this.opts.clock;
  }

  status(): Status {
    if (!this.snapshot) throw new Error('refresh() first');
    return this.snapshot;
  }
  alerts(): Status['alerts'] {
    return this.status().alerts;
  }
  get mode(): Status['mode'] {
    return this.status().mode;
  }
  get pattern(): Status['connectionPattern'] {
    return this.status().connectionPattern;
  }
  get visual(): { view(): VisualCheckView } {
    return { view: () => this.status().visualCheck };
  }
  records(): ConfirmationRecord[] {
    return this.recordList;
  }
  modeChanges(): ModeChange[] {
    return this.changes;
  }
  /** Reader `which` (connection order, or its port): its own status, and the product's link counters for it. */
  client(which: number | string = 0) {
    const readers = this.status().readers;
    const r = typeof which === 'string' ? readers.find((x) => x.path === which) : readers[which];
    if (!r) return undefined;
    return { getStatus: () => this.opts.askReader(r.path), link: { stats: r.link } };
  }

  requireQualificationInquiry(): void {
    const s = this.status();
    if (!s.menu.qualificationInquiry) throw new OqsError('OQS_ERR_MENU_PATTERN', s.connectionPattern.id);
  }

  async switchMode(actor: Actor, mode: string): Promise<unknown> {
    const r = await this.call(actor, 'PUT', '/api/mode', { mode });
    await this.refresh();
    return r;
  }

  /** PUT /api/visual-password: the facility's 目視モード用パスワード (reader-side 目視確認). */
  async setVisualPassword(actor: Actor, input: { password: string; maxWrong?: number; lockMinutes?: number }): Promise<unknown> {
    const r = await this.call(actor, 'PUT', '/api/visual-password', input);
    await this.refresh();
    return r;
  }

  /** The operation screen for `actor`, served by the product (GET /api/screen, POST /api/screen/actions). */
  async screen(actor: Actor): Promise<RemoteScreen> {
    const screen = new RemoteScreen(this, actor);
    await screen.load();
    return screen;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async ensureAccount(actor: Actor): Promise<void> {
    if (this.accounts.has(actor.account)) return;
    await this.request(basic('admin', this.opts.adminPassword), 'POST', '/api/accounts', {
      account: actor.account,
      password: passwordOf(actor.account),
      role: actor.role,
    });
    this.accounts.add(actor.account);
  }

  /** A request as `actor` (the account is made in the product the first time). */
  async call<T>(actor: Actor, method: string, path: string, body?: unknown): Promise<T> {
    await this.ensureAccount(actor);
    const password = actor.account === 'admin' ? this.opts.adminPassword : passwordOf(actor.account);
    return this.request<T>(basic(actor.account, password), method, path, body);
  }

  /** Every row of a paged list (docs/api.md: records and mode changes come a page at a time). */
  private async all<T>(path: string, key: 'records' | 'changes'): Promise<T[]> {
    const rows: T[] = [];
    for (let next: string | null = null; ;) {
      const page: Record<string, unknown> = await this.get(`${path}?limit=1000${next ? `&cursor=${next}` : ''}`);
      rows.push(...(page[key] as T[]));
      next = page.next as string | null;
      if (!next) return rows;
    }
  }

  private get<T>(path: string): Promise<T> {
    return this.request<T>(basic('admin', this.opts.adminPassword), 'GET', path);
  }

  private async request<T>(auth: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.opts.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) {
      if (typeof json.code === 'string') throw OqsError.fromBody(json as { code: string; message: string });
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    }
    return json as T;
  }
}

/**
 * 《顔認証付きカードリーダー操作》 as the product serves it to one account: the same OperationScreen
 * model, driven by the actions the browser sends. Getters read the last view.
 */
export class RemoteScreen {
  private last: ScreenView | null = null;

  constructor(
    private readonly terminal: RemoteTerminal,
    private readonly actor: Actor,
  ) {}

  async load(): Promise<void> {
    this.last = await this.terminal.call<ScreenView>(this.actor, 'GET', '/api/screen');
  }

  private get view(): ScreenView {
    if (!this.last) throw new Error('load() first');
    return this.last;
  }

  private async act(action: Record<string, unknown>): Promise<void> {
    this.last = await this.terminal.call<ScreenView>(this.actor, 'POST', '/api/screen/actions', action);
  }

  buttons(): ScreenView['buttons'] {
    return this.view.buttons;
  }
  get dialog(): ScreenView['dialog'] {
    return this.view.dialog;
  }
  get error(): ScreenView['error'] {
    return this.view.error;
  }
  get dateText(): string {
    return this.view.visualItems.date;
  }
  get visuallyConfirmed(): boolean {
    return this.view.visualItems.visuallyConfirmed;
  }
  clickMode(mode: string): Promise<void> {
    return this.act({ action: 'clickMode', mode });
  }
  clickOk(): Promise<void> {
    return this.act({ action: 'ok' });
  }
  clickCancel(): Promise<void> {
    return this.act({ action: 'cancel' });
  }
  setDate(text: string): Promise<void> {
    return this.act({ action: 'setDate', text });
  }
  setVisuallyConfirmed(value: boolean): Promise<void> {
    return this.act({ action: 'setVisuallyConfirmed', value });
  }
}
