import { EventEmitter } from 'node:events';
import type { Clock } from '../time/clock';
import {
  FailReason,
  Method,
  ConsentChoice,
  screenById,
  type FailReasonName,
  type MethodName,
  type ModeName,
  type ScreenName,
} from '../protocol';
import type { Actor } from './accounts';
import { connectionPattern, type ConnectionPattern } from './connection-patterns';
import { displayDate, parseConfirmationDate, todayJst } from './dates';
import { OqsError } from './errors';
import { MODE_LABELS } from './labels';
import type { ReaderEvent, TraceEntry } from './link';
import type { ReaderClient, ReaderIdentity } from './reader-client';
import type { ConfirmationRecord, ModeChange } from './records';
import { MemoryStore, type TerminalStore } from './store';
import { VisualCheck, type VisualCheckView } from './visual-check';

export interface TerminalOptions {
  clock: Clock;
  store?: TerminalStore;
  /** 本人認証用カードリーダーソフト: without it there is no reader menu (P104-1). */
  readerSoftwareInstalled?: boolean;
  /** 汎用カードリーダー connected beside the face-auth reader(s). */
  generalReaders?: number;
}

export interface Alert {
  code: 'visualModeOn' | 'visualCheckNeeded' | 'staffCheckRequired' | 'readerRestarted' | 'readerDisconnected' | 'readerNotConnected' | 'visualModeReverted';
  message: string;
  /** The reader port it is about (connection alerts). */
  path?: string;
}

/** 《カードリーダー未接続》: a reader the terminal is configured for has never answered yet. */
const NOT_CONNECTED = 'カードリーダー未接続：顔認証付きカードリーダーが見つかりません。電源とケーブルを確認してください（つながり次第、自動で使えるようになります）';
const DISCONNECTED = '顔認証付きカードリーダーとの接続が切れました。ケーブルを確認してください（自動で再接続します）';
const DISCONNECTED_VOID = '顔認証付きカードリーダーとの接続が切れたため、進行中の目視確認は取り消されました。ケーブルを確認してください（自動で再接続します）。つながったら、もう一度目視確認をしてください';
const VISUAL_REVERTED = '顔認証付きカードリーダーが2台になったため、目視確認モードを終了して無人運転モードに戻しました（目視確認はリーダー1台のときだけ使えます）';

export type TerminalEvent =
  | { type: 'modeChanged'; change: ModeChange }
  | { type: 'readerConnected'; path: string; identity: ReaderIdentity }
  | { type: 'readerDisconnected'; path: string }
  | { type: 'readerEvent'; path: string; name: ReaderEvent['name']; fields: ReaderEvent['fields'] }
  | { type: 'frame'; path: string; frame: TraceEntry }
  | { type: 'record'; record: ConfirmationRecord }
  | { type: 'visualCheck'; view: VisualCheckView }
  | { type: 'alert'; alert: Alert | null };

interface Tx {
  startedAt: number;
  method: MethodName | null;
  recordId: string | null;
}

interface Connected {
  client: ReaderClient;
  identity: ReaderIdentity;
  screen: ScreenName | undefined;
  txs: Map<number, Tx>;
  /** The reader has not yet taken the terminal's mode (it was busy when attached). */
  modePending: boolean;
}

/**
 * The 資格確認端末's rules around its face-auth readers (chapter 7): the operating mode, who may
 * switch it, the visual check, and a record of every identity confirmation. Every change goes
 * out on one stream ('event') for the API's live feed, traces and logs.
 */
export class Terminal extends EventEmitter {
  readonly clock: Clock;
  readonly store: TerminalStore;
  readonly readerSoftwareInstalled: boolean;
  readonly generalReaders: number;
  private readonly readers = new Map<string, Connected>();
  /** Per reader port: why it is not attached now (not there yet, or gone). Cleared on attach. */
  private readonly linkAlerts = new Map<string, Alert>();
  /** Ports that were attached at least once: gone is then 'disconnected', not 'not connected'. */
  private readonly seen = new Set<string>();
  /** The terminal changed the mode by itself (visualModeReverted) until someone switches it. */
  private modeAlert: Alert | null = null;
  private readonly recordsById = new Map<string, ConfirmationRecord>();
  private currentMode: ModeName;
  private readerAlert: Alert | null = null;
  readonly visual: VisualCheck;

  constructor(opts: TerminalOptions) {
    super();
    this.clock = opts.clock;
    this.store = opts.store ?? new MemoryStore();
    this.readerSoftwareInstalled = opts.readerSoftwareInstalled ?? true;
    this.generalReaders = opts.generalReaders ?? 0;
    // 無人運転 is the mode after installation (P101-2); a restart keeps the last one.
    this.currentMode = this.store.loadMode() ?? 'unattended';
    for (const r of this.store.loadRecords()) this.recordsById.set(r.id, r);
    this.visual = new VisualCheck((view) => this.publish({ type: 'visualCheck', view }));
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

  records(): ConfirmationRecord[] {
    return [...this.recordsById.values()];
  }

  modeChanges(): ModeChange[] {
    return this.store.loadModeChanges();
  }

  alerts(): Alert[] {
    const out: Alert[] = [];
    if (this.currentMode === 'visual') {
      out.push({ code: 'visualModeOn', message: '目視確認モードです。目視確認が終わったら無人運転モードに戻してください（戻さないと職員の目視確認なしでは資格確認できません）' });
    }
    if (this.modeAlert) out.push(this.modeAlert);
    out.push(...this.linkAlerts.values());
    if (this.readerAlert) out.push(this.readerAlert);
    return out;
  }

  status() {
    const pattern = this.pattern;
    return {
      mode: this.currentMode,
      modeLabel: MODE_LABELS[this.currentMode],
      readerSoftwareInstalled: this.readerSoftwareInstalled,
      readers: [...this.readers.entries()].map(([path, r]) => ({ path, ...r.identity, screen: r.screen ?? null, modePending: r.modePending, link: { ...r.client.link.stats } })),
      /** How many events the terminal has published (the live stream's last event id). */
      published: this.published,
      connectionPattern: pattern,
      menu: {
        readerOperation: this.readerSoftwareInstalled,
        qualificationInquiry: this.readerSoftwareInstalled && pattern.qualificationInquiryMenu,
      },
      visualCheck: this.visual.view(),
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
    const onEvent = (e: ReaderEvent) => this.onReaderEvent(client.path, entry, e);
    const onFrame = (frame: TraceEntry) => this.publish({ type: 'frame', path: client.path, frame });
    const onClose = () => {
      if (this.readers.get(client.path) !== entry) return;
      this.readers.delete(client.path);
      // Only the visual check runs on one reader; the other readers carry on as they were.
      const voided = this.readers.size === 0 && this.visual.view().state !== 'idle';
      if (this.readers.size === 0) this.visual.reset();
      this.publish({ type: 'readerDisconnected', path: client.path });
      if (!this.closing) this.setLinkAlert(client.path, { code: 'readerDisconnected', message: voided ? DISCONNECTED_VOID : DISCONNECTED, path: client.path });
    };
    for (const f of client.openingFrames) onFrame(f);
    client.link.on('event', onEvent);
    client.link.on('frame', onFrame);
    client.link.on('close', onClose);
    try {
      const status = await client.getStatus();
      entry.screen = screenById(status.screen);
      await this.syncMode(entry);
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
    this.seen.add(client.path);
    this.setLinkAlert(client.path, null);
    this.publish({ type: 'readerConnected', path: client.path, identity: client.identity });
    if (this.currentMode === 'visual' && this.readers.size > 1) await this.revertVisual();
  }

  /**
   * The supervisor could not reach the reader on `path` (not there yet, switched off, unplugged):
   * staff see 《カードリーダー未接続》 until it attaches.
   */
  readerUnavailable(path: string, _why: OqsError): void {
    if (this.readers.has(path) || this.closing) return;
    if (this.seen.has(path)) this.setLinkAlert(path, { code: 'readerDisconnected', message: DISCONNECTED, path });
    else this.setLinkAlert(path, { code: 'readerNotConnected', message: NOT_CONNECTED, path });
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
    this.modeAlert = { code: 'visualModeReverted', message: VISUAL_REVERTED };
    this.publish({ type: 'alert', alert: this.modeAlert });
  }

  private setLinkAlert(path: string, alert: Alert | null): void {
    const now = this.linkAlerts.get(path);
    if (alert === null ? now === undefined : now?.code === alert.code) return;
    if (alert) this.linkAlerts.set(path, alert);
    else this.linkAlerts.delete(path);
    this.publish({ type: 'alert', alert });
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
      if (!(OqsError.is(e, 'OQS_ERR_READER_REFUSED') && (e as { status?: string }).status === 'busy')) throw e;
      entry.modePending = true;
    }
  }

  /** Null when `mode` is already in force: nothing changes and nothing is recorded. */
  async switchMode(actor: Actor, mode: string): Promise<ModeChange | null> {
    this.requireReaderMenu();
    if (actor.role !== 'admin') throw new OqsError('OQS_ERR_ADMIN_REQUIRED', 'switch the reader mode', actor.account, actor.role === 'general' ? '一般 (general)' : actor.role);
    if (mode !== 'unattended' && mode !== 'visual' && mode !== 'pinOnly') throw new OqsError('OQS_ERR_UNKNOWN_MODE', mode);
    if (mode === this.currentMode) return null;
    if (this.readers.size === 0) throw new OqsError('OQS_ERR_NO_READER');
    if (mode === 'visual') {
      if (this.readers.size !== 1) throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER', this.readers.size);
      if (!this.pattern.visualCheckAllowed) throw new OqsError('OQS_ERR_PATTERN_NOT_ALLOWED', this.pattern.id);
    }
    const from = this.currentMode;
    const done: Connected[] = [];
    try {
      for (const r of this.readers.values()) {
        await r.client.setMode(mode);
        done.push(r);
      }
    } catch (e) {
      // All readers or none: put every reader back, including one whose answer never came
      // (it may have switched anyway).
      void done;
      await Promise.allSettled([...this.readers.values()].map((r) => r.client.setMode(from)));
      if (OqsError.is(e, 'OQS_ERR_READER_REFUSED') && (e as { status?: string }).status === 'busy') throw new OqsError('OQS_ERR_READER_BUSY');
      throw e;
    }
    const change: ModeChange = { from, to: mode, by: actor.account, at: new Date(this.clock.now()).toISOString() };
    this.store.saveMode(mode, change);
    this.currentMode = mode;
    this.modeAlert = null;
    if (mode !== 'visual') this.visual.reset();
    this.publish({ type: 'modeChanged', change });
    this.publish({ type: 'alert', alert: null });
    return change;
  }

  /**
   * P106 steps 2–3: staff have looked at the patient, set 資格確認日 and ticked
   * 《目視で本人確認完了》; the reader now takes the patient's card for this check.
   */
  async beginVisualCheck(actor: Actor, input: { confirmationDate?: string; visuallyConfirmed: boolean }): Promise<VisualCheckView> {
    this.requireReaderMenu();
    if (this.currentMode !== 'visual') throw new OqsError('OQS_ERR_NOT_VISUAL_MODE', MODE_LABELS[this.currentMode]);
    const dateText = input.confirmationDate ?? todayJst(this.clock.now());
    const wireDate = parseConfirmationDate(dateText, this.clock.now());
    if (input.visuallyConfirmed !== true) throw new OqsError('OQS_ERR_NOT_VISUALLY_CONFIRMED');
    this.visual.requireState(['idle', 'awaitingCard'], 'starting a visual check');
    const reader = this.singleReader();
    const previous = this.visual.view().checkId;
    const checkId = this.visual.nextCheckId();
    // Armed before the command goes out: the reader may report a card already on it at once.
    this.visual.arm(checkId, displayDate(wireDate), actor.account);
    try {
      await reader.client.startVisualCheck(checkId, wireDate);
    } catch (e) {
      this.visual.disarm(previous);
      if (OqsError.is(e, 'OQS_ERR_READER_REFUSED') && (e as { status?: string }).status === 'busy') throw new OqsError('OQS_ERR_READER_BUSY');
      throw e;
    }
    this.setReaderAlert(null);
    return this.visual.view();
  }

  /** P106-5: OK on 「本人確認を実行する」; resolves once the reader has confirmed or failed. */
  async confirmVisualCheck(_actor: Actor): Promise<ConfirmationRecord> {
    this.visual.requireState(['awaitingConfirmation'], 'OK on 本人確認を実行する');
    const reader = this.singleReader();
    const outcome = this.visual.execute();
    try {
      await reader.client.executeVisualCheck(this.visual.view().checkId);
    } catch (e) {
      outcome.catch(() => undefined);
      this.visual.abortExecute();
      throw e;
    }
    return outcome;
  }

  /** P106-6: OK on 「本人確認を完了する」; back to the screen for the next patient (P106-7). */
  completeVisualCheck(_actor: Actor): VisualCheckView {
    this.visual.requireState(['completed'], 'OK on 本人確認を完了する');
    this.visual.reset();
    return this.visual.view();
  }

  async cancelVisualCheck(_actor: Actor): Promise<VisualCheckView> {
    if (this.visual.view().state !== 'idle') {
      const reader = this.readers.values().next().value as Connected | undefined;
      await reader?.client.cancelVisualCheck();
      this.visual.reset();
    }
    return this.visual.view();
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.readers.values()].map((r) => r.client.close()));
    this.readers.clear();
  }

  private singleReader(): Connected {
    if (this.readers.size !== 1) {
      if (this.readers.size === 0) throw new OqsError('OQS_ERR_NO_READER');
      throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER', this.readers.size);
    }
    return this.readers.values().next().value as Connected;
  }

  private onReaderEvent(path: string, r: Connected, e: ReaderEvent): void {
    this.publish({ type: 'readerEvent', path, name: e.name, fields: e.fields });
    const f = e.fields as Record<string, number>;
    const txId = f.txId ?? 0;
    switch (e.name) {
      case 'screenShown':
        r.screen = screenById(f.screen ?? 0);
        return;
      case 'cardPlaced':
        r.txs.set(txId, { startedAt: this.clock.now(), method: null, recordId: null });
        // A new patient clears the last patient's alert, not news about the reader itself.
        if (this.readerAlert?.code === 'visualCheckNeeded' || this.readerAlert?.code === 'staffCheckRequired') this.setReaderAlert(null);
        if (this.visual.view().state === 'awaitingCard') this.visual.cardPlaced(txId);
        return;
      case 'methodChosen': {
        const tx = r.txs.get(txId);
        if (tx) tx.method = (Method.nameOf(f.method ?? 0) as MethodName) ?? null;
        return;
      }
      case 'identityConfirmed': {
        const method = Method.nameOf(f.method ?? 0) as MethodName;
        const visual = method === 'visual' ? this.visual.view() : null;
        const record = this.record(r, txId, {
          outcome: 'confirmed',
          method,
          failReason: null,
          confirmationDate: visual?.confirmationDate ?? todayJst(this.clock.now()),
          operator: visual?.operator ?? null,
          cardId: String(e.fields.cardId),
        });
        if (method === 'visual' && record) this.visual.confirmed(record);
        return;
      }
      case 'identityFailed': {
        const reason = FailReason.nameOf(f.reason ?? 0) as FailReasonName;
        const tx = r.txs.get(txId);
        const record = this.record(r, txId, {
          outcome: 'failed',
          method: tx?.method ?? null,
          failReason: reason,
          confirmationDate: todayJst(this.clock.now()),
          operator: null,
          cardId: null,
        });
        this.visual.failed(reason, record);
        if (reason === 'faceMismatch' || reason === 'pinLocked' || reason === 'noPin') {
          this.setReaderAlert({ code: 'visualCheckNeeded', message: '患者の本人確認ができませんでした（照合エラー／暗証番号ロック）。目視確認が必要です' });
        } else if (reason === 'staffRequired') {
          this.setReaderAlert({ code: 'staffCheckRequired', message: '目視確認モードです。患者を目視で確認し、《目視で本人確認完了》をチェックしてください' });
        }
        return;
      }
      case 'consentGiven': {
        // By record id, which survives a restart of the terminal (the transaction map does not).
        const tx = r.txs.get(txId);
        const rec = this.recordsById.get(tx?.recordId ?? `${r.identity.serial}:${txId}`);
        if (rec) {
          rec.consent = (ConsentChoice.nameOf(f.choice ?? 0) as 'all' | 'individual') ?? null;
          this.store.saveRecord(rec);
          this.publish({ type: 'record', record: rec });
        }
        return;
      }
      case 'cardRemoved':
        r.txs.delete(txId);
        if (r.modePending) void this.syncMode(r).catch(() => undefined);
        return;
      case 'readerReset':
        // It lost its flow and its mode: give the mode back; a visual check in progress is void.
        r.txs.clear();
        this.visual.reset();
        this.setReaderAlert({ code: 'readerRestarted', message: '顔認証付きカードリーダーが再起動しました。患者にはもう一度カードを置いてもらってください' });
        void this.syncMode(r).catch(() => (r.modePending = true));
        return;
      default:
        return;
    }
  }

  private record(
    r: Connected,
    txId: number,
    fields: Pick<ConfirmationRecord, 'outcome' | 'method' | 'failReason' | 'confirmationDate' | 'operator' | 'cardId'>,
  ): ConfirmationRecord | null {
    let id = `${r.identity.serial}:${txId}`;
    const seen = this.recordsById.get(id);
    if (seen && seen.outcome === fields.outcome && seen.method === fields.method && seen.cardId === fields.cardId) {
      return null; // the same event again (retransmitted or replayed): recorded once
    }
    // A reader that reused a txId (against docs/protocol.md): keep both, never lose one.
    for (let n = 2; this.recordsById.has(id); n++) id = `${r.identity.serial}:${txId}~${n}`;
    const tx = r.txs.get(txId);
    const now = new Date(this.clock.now()).toISOString();
    const record: ConfirmationRecord = {
      id,
      ...fields,
      reader: { vendor: r.identity.vendor, model: r.identity.model, serial: r.identity.serial },
      consent: null,
      startedAt: tx ? new Date(tx.startedAt).toISOString() : now,
      finishedAt: now,
    };
    if (tx) tx.recordId = id;
    this.store.saveRecord(record);
    this.recordsById.set(id, record);
    this.publish({ type: 'record', record });
    return record;
  }

  private setReaderAlert(alert: Alert | null): void {
    if (this.readerAlert === alert) return;
    this.readerAlert = alert;
    this.publish({ type: 'alert', alert });
  }

  private published = 0;

  /**
   * Every event goes out numbered; raw frames share the number of the event before them, since the
   * live stream (SSE), which sends the number as its id, leaves frames out (they go to traces).
   */
  private publish(e: TerminalEvent): void {
    this.emit('event', e, e.type === 'frame' ? this.published : ++this.published);
  }
}
