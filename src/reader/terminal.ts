import { EventEmitter } from 'node:events';
import type { Clock } from '../time/clock';
import { screenById, type ModeName } from '../protocol';
import type { Actor } from './accounts';
import { connectionPattern, type ConnectionPattern } from './connection-patterns';
import { OqsError } from './errors';
import { MODE_LABELS } from './labels';
import type { ReaderEvent, TraceEntry } from './link';
import type { ReaderClient } from './reader-client';
import type { ConfirmationRecord, ModeChange } from './records';
import { MemoryStore, type RecordRange, type TerminalStore } from './store';
import { AlertBoard, type Alert } from './terminal-alerts';
import { RecordBook } from './terminal-records';
import { onReaderEvent, readerBusy, type Connected, type TerminalCore, type TerminalEvent } from './terminal-readers';
import * as visualFlow from './terminal-visual';
import { VisualCheck, type VisualCheckView } from './visual-check';
import { newVisualPassword, visualPasswordView, type VisualPasswordInput, type VisualPasswordView } from './visual-password';

export type { Alert } from './terminal-alerts';
export type { TerminalEvent } from './terminal-readers';

export interface TerminalOptions {
  clock: Clock;
  store?: TerminalStore;
  /** 本人認証用カードリーダーソフト: without it there is no reader menu (P104-1). */
  readerSoftwareInstalled?: boolean;
  /** 汎用カードリーダー connected beside the face-auth reader(s). */
  generalReaders?: number;
}

/**
 * The 資格確認端末's rules around its face-auth readers (chapter 7): the operating mode, who may
 * switch it, the visual check, and a record of every identity confirmation. Every change goes
 * out on one stream ('event') for the API's live feed, traces and logs.
 */
export class Terminal extends EventEmitter {
  readonly clock: Clock;
  readonly store: TerminalStore;
  readonly visual: VisualCheck;
  readonly readerSoftwareInstalled: boolean;
  readonly generalReaders: number;
  private currentMode: ModeName;
  private readonly readers = new Map<string, Connected>();
  private readonly alertBoard = new AlertBoard((alert) => this.publish({ type: 'alert', alert }));
  private readonly book: RecordBook;
  /** The parts in terminal-*.ts work on this. */
  private readonly core: TerminalCore;
  private closing = false;
  private published = 0;

  constructor(opts: TerminalOptions) {
    super();
    this.clock = opts.clock;
    this.store = opts.store ?? new MemoryStore();
    this.readerSoftwareInstalled = opts.readerSoftwareInstalled ?? true;
    this.generalReaders = opts.generalReaders ?? 0;
    // 無人運転 is the mode after installation (P101-2); a restart keeps the last one.
    this.currentMode = this.store.loadMode() ?? 'unattended';
    this.book = new RecordBook(
      this.store,
      this.clock,
      (record) => this.publish({ type: 'record', record }),
      (error) => this.alertBoard.recordSaved(error),
    );
    this.visual = new VisualCheck((view) => this.publish({ type: 'visualCheck', view }));
    this.core = {
      clock: this.clock,
      visual: this.visual,
      alerts: this.alertBoard,
      book: this.book,
      readers: this.readers,
      mode: () => this.currentMode,
      requireReaderMenu: () => this.requireReaderMenu(),
      publish: (e) => this.publish(e),
      syncMode: (r) => this.syncMode(r),
    };
  }

  get mode(): ModeName {
    return this.currentMode;
  }

  get pattern(): ConnectionPattern {
    return connectionPattern(this.readers.size, this.generalReaders);
  }

  /** The reader client on port `path`, or connected `index`-th (diagnostics, the conformance suite). */
  client(which: number | string = 0): ReaderClient | undefined {
    if (typeof which === 'string') return this.readers.get(which)?.client;
    return [...this.readers.values()][which]?.client;
  }

  /** Records in `range` (default: all of them) as one array: tests and small ranges; the API pages (store.recordsPage). */
  records(range: RecordRange = {}): ConfirmationRecord[] {
    return [...this.store.records(range)];
  }

  /** Today's records (the Japanese day), oldest first: held in memory, so as cheap as today's work. */
  todayRecords(): ConfirmationRecord[] {
    return this.book.today();
  }

  /** The audit trail in `range` (default: all of it) as one array; the API pages (store.modeChangesPage). */
  modeChanges(range: RecordRange = {}): ModeChange[] {
    return [...this.store.modeChanges(range)];
  }

  alerts(): Alert[] {
    return this.alertBoard.list(this.currentMode, this.clock.now());
  }

  status() {
    const pattern = this.pattern;
    return {
      mode: this.currentMode,
      modeLabel: MODE_LABELS[this.currentMode],
      readerSoftwareInstalled: this.readerSoftwareInstalled,
      readers: [...this.readers.entries()].map(([path, r]) => ({
        path,
        ...r.identity,
        screen: r.screen ?? null,
        modePending: r.modePending,
        link: { ...r.client.link.stats },
      })),
      /** How many events the terminal has published (the live stream's last event id). */
      published: this.published,
      connectionPattern: pattern,
      menu: {
        readerOperation: this.readerSoftwareInstalled,
        qualificationInquiry: this.readerSoftwareInstalled && pattern.qualificationInquiryMenu,
      },
      visualCheck: this.visual.view(),
      visualPassword: this.visualPassword(),
      alerts: this.alerts(),
    };
  }

  /** 《顔認証付きカードリーダー操作》 is reachable only with the reader software (P104-1). */
  requireReaderMenu(): void {
    if (!this.readerSoftwareInstalled) throw new OqsError('OQS_ERR_READER_SOFTWARE_MISSING');
  }

  /** 資格情報照会（マイナンバーカード） from the menu: pattern 2 only (P102-4). */
  requireQualificationInquiry(): void {
    const p = this.pattern;
    if (!p.qualificationInquiryMenu) throw new OqsError('OQS_ERR_MENU_PATTERN', p.id);
  }

  async attachReader(client: ReaderClient): Promise<void> {
    this.requireReaderMenu();
    if (!client.identity) throw new TypeError('attachReader needs an identified ReaderClient');
    const entry: Connected = { client, identity: client.identity, screen: undefined, txs: new Map(), modePending: false };
    const onEvent = (e: ReaderEvent) => {
      try {
        onReaderEvent(this.core, client.path, entry, e);
      } catch (err) {
        // Not recorded, so not ACKed (ReaderLink): whatever stopped it, staff hear of it. A store
        // failure has said so already (RecordBook); anything else is a fault of ours.
        if (!OqsError.is(err, 'OQS_ERR_STORE_WRITE')) this.alertBoard.recordSaved(new OqsError('OQS_ERR_INTERNAL'));
        throw err;
      }
    };
    const onFrame = (frame: TraceEntry) => this.publish({ type: 'frame', path: client.path, frame });
    const onClose = () => {
      if (this.readers.get(client.path) !== entry) return;
      this.readers.delete(client.path);
      // Only the visual check runs on one reader; the other readers carry on as they were.
      const voided = this.readers.size === 0 && this.visual.view().state !== 'idle';
      if (this.readers.size === 0) this.visual.reset();
      this.publish({ type: 'readerDisconnected', path: client.path });
      if (!this.closing) this.alertBoard.detached(client.path, voided);
    };
    for (const f of client.openingFrames) onFrame(f);
    client.link.on('event', onEvent);
    client.link.on('frame', onFrame);
    client.link.on('close', onClose);
    try {
      const status = await client.getStatus();
      entry.screen = screenById(status.screen);
      await this.syncMode(entry);
      await this.sendVisualPassword(entry);
      // A visual check the terminal no longer has (the link dropped, or the terminal restarted, with
      // the check armed or the patient waiting for staff): the reader would wait for staff forever.
      // Cancel it there too; a waiting patient is told to call staff (identityFailed cancelled).
      if (this.currentMode === 'visual' && this.visual.view().state === 'idle') await client.cancelVisualCheck();
    } catch (e) {
      // Not attached at all rather than half: no listeners, not counted in the connection pattern.
      client.link.off('event', onEvent);
      client.link.off('frame', onFrame);
      client.link.off('close', onClose);
      throw e;
    }
    this.readers.set(client.path, entry);
    this.alertBoard.attached(client.path);
    this.publish({ type: 'readerConnected', path: client.path, identity: client.identity });
    if (this.currentMode === 'visual' && this.readers.size > 1) await this.revertVisual();
  }

  /**
   * The supervisor could not reach the reader on `path` (not there yet, switched off, unplugged):
   * staff see 《カードリーダー未接続》 until it attaches, and why (the error's Japanese text and code).
   */
  readerUnavailable(path: string, why: OqsError): void {
    if (this.readers.has(path) || this.closing) return;
    this.alertBoard.unavailable(path, why);
  }

  /**
   * A second reader appeared while in 目視確認 (a replug, or a restart with two readers): P.102
   * allows 目視確認 only with one reader, so the terminal goes back to 無人運転, the mode every
   * patient can use on their own, records the change as the system's, and says so.
   */
  private async revertVisual(): Promise<void> {
    const from = this.currentMode;
    this.currentMode = 'unattended';
    this.visual.reset();
    const change: ModeChange = { from, to: 'unattended', by: 'system', at: new Date(this.clock.now()).toISOString() };
    this.store.saveMode('unattended', change);
    this.publish({ type: 'modeChanged', change });
    await Promise.allSettled([...this.readers.values()].map((r) => this.syncMode(r)));
    this.alertBoard.visualReverted();
  }

  /**
   * Puts the reader in the terminal's mode. A reader busy with a patient (say, the terminal
   * restarted mid-check) keeps its mode until that patient is done, then gets it.
   */
  private async syncMode(entry: Connected): Promise<void> {
    try {
      await entry.client.setMode(this.currentMode);
      entry.modePending = false;
    } catch (e) {
      if (!readerBusy(e)) throw e;
      entry.modePending = true;
    }
  }

  /** Whether a 目視モード用パスワード is set, and its rule (never the verifier). */
  visualPassword(): VisualPasswordView {
    return visualPasswordView(this.store.loadVisualPassword());
  }

  /**
   * An administrator sets the facility's 目視モード用パスワード: the terminal keeps only its verifier
   * and sends that to every reader that offers 目視確認 itself (now, and at each attach).
   */
  async setVisualPassword(actor: Actor, input: VisualPasswordInput): Promise<VisualPasswordView> {
    this.requireReaderMenu();
    const v = newVisualPassword(actor, input, this.clock.now());
    this.store.saveVisualPassword(v);
    const sent = await Promise.allSettled([...this.readers.values()].map((r) => this.sendVisualPassword(r)));
    const failed = sent.find((s) => s.status === 'rejected');
    // Kept all the same: a reader that missed it gets it when it attaches again.
    if (failed) throw failed.reason;
    return visualPasswordView(v);
  }

  private async sendVisualPassword(entry: Connected): Promise<void> {
    const v = this.store.loadVisualPassword();
    if (v && entry.identity.capabilities.includes('readerVisualCheck')) await entry.client.setVisualPassword(v);
  }

  /** Null when `mode` is already in force: nothing changes and nothing is recorded. */
  async switchMode(actor: Actor, mode: string): Promise<ModeChange | null> {
    this.requireReaderMenu();
    if (actor.role !== 'admin')
      throw new OqsError('OQS_ERR_ADMIN_REQUIRED', 'switch the reader mode', actor.account, actor.role === 'general' ? '一般 (general)' : actor.role);
    if (mode !== 'unattended' && mode !== 'visual' && mode !== 'pinOnly') throw new OqsError('OQS_ERR_UNKNOWN_MODE', mode);
    if (mode === this.currentMode) return null;
    if (this.readers.size === 0) throw new OqsError('OQS_ERR_NO_READER');
    if (mode === 'visual') {
      if (this.readers.size !== 1) throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER', this.readers.size);
      if (!this.pattern.visualCheckAllowed) throw new OqsError('OQS_ERR_PATTERN_NOT_ALLOWED', this.pattern.id);
    }
    const from = this.currentMode;
    try {
      for (const r of this.readers.values()) await r.client.setMode(mode);
    } catch (e) {
      // All readers or none: put every reader back, including one whose answer never came
      // (it may have switched anyway).
      await Promise.allSettled([...this.readers.values()].map((r) => r.client.setMode(from)));
      if (readerBusy(e)) throw new OqsError('OQS_ERR_READER_BUSY');
      throw e;
    }
    const change: ModeChange = { from, to: mode, by: actor.account, at: new Date(this.clock.now()).toISOString() };
    try {
      this.store.saveMode(mode, change);
    } catch (e) {
      // Not saved, not done: the readers go back, as when one of them refused.
      await Promise.allSettled([...this.readers.values()].map((r) => r.client.setMode(from)));
      throw OqsError.is(e) ? e : new OqsError('OQS_ERR_STORE_WRITE', { en: 'the mode', ja: '運転モード' }, String((e as Error)?.message ?? e));
    }
    this.currentMode = mode;
    this.alertBoard.modeSwitched();
    if (mode !== 'visual') this.visual.reset();
    this.publish({ type: 'modeChanged', change });
    this.publish({ type: 'alert', alert: null });
    return change;
  }

  /** P106 steps 2–3: the reader takes the patient's card for a visual check (terminal-visual.ts). */
  beginVisualCheck(actor: Actor, input: { confirmationDate?: string; visuallyConfirmed: boolean }): Promise<VisualCheckView> {
    return visualFlow.begin(this.core, actor, input);
  }

  /** P106-5: OK on 「本人確認を実行する」; resolves once the reader has confirmed or failed. */
  confirmVisualCheck(_actor: Actor): Promise<ConfirmationRecord> {
    return visualFlow.confirm(this.core);
  }

  /** P106-6: OK on 「本人確認を完了する」; back to the screen for the next patient (P106-7). */
  completeVisualCheck(_actor: Actor): VisualCheckView {
    return visualFlow.complete(this.core);
  }

  cancelVisualCheck(_actor: Actor): Promise<VisualCheckView> {
    return visualFlow.cancel(this.core);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.readers.values()].map((r) => r.client.close()));
    this.readers.clear();
  }

  /**
   * Every event goes out numbered; raw frames share the number of the event before them, since the
   * live stream (SSE), which sends the number as its id, leaves frames out (they go to traces).
   */
  private publish(e: TerminalEvent): void {
    this.emit('event', e, e.type === 'frame' ? this.published : ++this.published);
  }
}
