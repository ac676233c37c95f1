import { EventEmitter } from 'node:events';
import type { Clock } from '../src/time/clock';
import {
  CardKind,
  ConsentChoice,
  ConsentItem,
  FailReason,
  Method,
  Mode,
  ReaderState,
  SCREENS,
  type EventFields,
  type EventName,
  type FailReasonName,
  type MethodName,
  type ModeName,
  type ReaderStateName,
  type ScreenName,
  type StatusName,
} from '../src/protocol';
import { CardWallet, type Card, FACE_CONDITIONS, certificateState, refusalOnPlacement, type FaceCondition } from './cards';
import { EmulatorError } from './errors';
import { FaceMatcher } from './face-matcher';
import { VisualPasswordLock, type VisualPasswordSetting } from './reader-visual';
import { DEFAULT_TIMING, type ReaderTiming } from './timing';

export interface ModelOptions {
  clock: Clock;
  faceThreshold?: number;
  /**
   * The txId before the first transaction. A reader must never reuse a txId (the host keys records
   * on it), so by default the emulator starts from the clock's seconds, as if a counter had run
   * since 1970 at one transaction per second at most.
   */
  txIdSeed?: number;
  /** Face attempts per visit before the reader gives up on the face path. */
  maxFaceAttempts?: number;
  timing?: Partial<ReaderTiming>;
}

/** What the model sends out; the link device turns it into frames. */
export type Outbound = <N extends EventName>(name: N, fields: EventFields<N>) => void;

const BUSY_STATES: ReadonlySet<ReaderStateName> = new Set([
  'methodSelect',
  'faceCapture',
  'pinEntry',
  'consent',
  'awaitingStaff',
  'visualPassword',
  'visualConfirm',
]);

/**
 * The patient-facing behaviour of a 顔認証付きカードリーダー: card slot, method choice, camera,
 * PIN pad, consent and screens, under the three operating modes. It knows nothing of bytes;
 * stimuli are what a patient does, commands are what the terminal asks.
 */
export class ReaderModel extends EventEmitter {
  readonly wallet = new CardWallet();
  readonly matcher: FaceMatcher;
  readonly timing: ReaderTiming;
  /** The facility's 目視モード用パスワード, as a verifier only (reader-side 目視確認). */
  readonly visualPassword = new VisualPasswordLock();
  private readonly clock: Clock;
  private readonly maxFaceAttempts: number;

  mode: ModeName = 'unattended';
  state: ReaderStateName = 'idle';
  screen: ScreenName = 'placeCard';
  card: Card | null = null;
  txId = 0;
  private faceAttempts = 0;
  private armed: { checkId: number; date: string } | null = null;
  private haltReason: FailReasonName | null = null;
  /** Powered on and not yet told the mode: a card placed now is read after the first setMode. */
  private unread = false;
  private out: Outbound = () => undefined;

  constructor(opts: ModelOptions) {
    super();
    this.clock = opts.clock;
    this.matcher = new FaceMatcher(opts.faceThreshold ?? 70);
    this.maxFaceAttempts = opts.maxFaceAttempts ?? 1;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.txId = (opts.txIdSeed ?? Math.floor(opts.clock.now() / 1000)) >>> 0;
  }

  attach(out: Outbound): void {
    this.out = out;
  }

  // ---- stimuli: what the patient does -------------------------------------------------------

  placeCard(profile: string): void {
    if (this.card) throw new EmulatorError('EMU_ERR_CARD_PRESENT');
    const card = this.wallet.get(profile);
    this.card = card;
    if (!this.unread) this.beginTransaction();
  }

  chooseMethod(method: 'face' | 'pin'): void {
    const card = this.requireCard();
    if (this.state !== 'methodSelect') throw new EmulatorError('EMU_ERR_NOT_OFFERED', method, this.state);
    if (method === 'face') {
      this.faceAttempts = 0;
      this.emitEvent('methodChosen', { txId: this.txId, method: Method.face });
      this.go('faceCapture', 'lookAtCamera');
      return;
    }
    if (card.profile.pin === null) throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'pin', this.state);
    this.emitEvent('methodChosen', { txId: this.txId, method: Method.pin });
    this.startPinEntry(card);
  }

  /** Face in front of the camera; resolves once the reader has shown the outcome. */
  async presentFace(condition?: string): Promise<void> {
    const card = this.requireCard();
    if (this.state !== 'faceCapture') throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'face capture', this.state);
    const cond = (condition ?? card.profile.defaultCondition) as FaceCondition;
    if (!Object.hasOwn(FACE_CONDITIONS, cond)) {
      throw new EmulatorError('EMU_ERR_UNKNOWN_CONDITION', String(condition), Object.keys(FACE_CONDITIONS).join(', '));
    }
    if (!(await this.still('face capture', this.timing.faceCaptureMs, 'faceCapture'))) return;
    const tx = this.txId;
    const score = this.matcher.score(card, cond);
    const matched = this.matcher.matches(score);
    this.faceAttempts++;
    this.emitEvent('faceResult', { txId: tx, matched: matched ? 1 : 0, score, attempt: this.faceAttempts });
    if (matched) return this.confirm('face', 0);
    this.showScreen('matchError');
    if (!(await this.still('match error screen', this.timing.transientScreenMs, 'faceCapture'))) return;
    if (this.faceAttempts < this.maxFaceAttempts) return this.showScreen('lookAtCamera');
    if (this.mode === 'unattended' && card.pinUsable) {
      // 無人運転: the patient may fall back to the PIN (P101-7).
      this.emitEvent('methodChosen', { txId: tx, method: Method.pin });
      return this.startPinEntry(card);
    }
    this.fail('faceMismatch', card.pinLocked ? 'pinLocked' : 'callStaff');
  }

  /** Digits on the PIN pad; resolves once the chip has answered. */
  async enterPin(pin: string): Promise<void> {
    const card = this.requireCard();
    if (this.state !== 'pinEntry') throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'PIN entry', this.state);
    if (!/^\d{4}$/.test(pin)) throw new EmulatorError('EMU_ERR_BAD_PIN_FORMAT');
    if (!(await this.still('PIN verify', this.timing.pinVerifyMs, 'pinEntry'))) return;
    const ok = card.verifyPin(pin);
    this.emitEvent('pinResult', { txId: this.txId, ok: ok ? 1 : 0, triesLeft: card.triesLeft });
    if (ok) return this.confirm('pin', 0);
    if (card.pinLocked) return this.fail('pinLocked', 'pinLocked');
    this.showScreen('pinWrong');
    if (await this.still('PIN wrong screen', this.timing.transientScreenMs, 'pinEntry')) this.showScreen('enterPin');
  }

  /**
   * Staff choose 目視確認 on the 本人確認 screen (the 2025 flow): offered while the patient chooses a
   * method, once the terminal has set a 目視モード用パスワード, and not while wrong entries lock it.
   * The caller checks the readerVisualCheck capability.
   */
  chooseVisualCheck(): void {
    this.requireCard();
    if (this.state !== 'methodSelect' || !this.visualPassword.configured || this.visualPassword.locked(this.clock.now())) {
      throw new EmulatorError('EMU_ERR_NOT_OFFERED', '目視確認 (reader-side)', this.state);
    }
    this.emitEvent('methodChosen', { txId: this.txId, method: Method.visualOnReader });
    this.go('visualPassword', 'visualPassword');
  }

  /** Staff type the facility password; the reader checks it against its verifier only. */
  enterFacilityPassword(password: string): void {
    this.requireCard();
    if (this.state !== 'visualPassword') throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'password entry', this.state);
    const r = this.visualPassword.enter(password, this.clock.now());
    this.emitEvent('visualPasswordResult', { txId: this.txId, ok: r.ok ? 1 : 0, triesLeft: r.triesLeft, lockMinutes: r.lockMinutes });
    if (r.ok) return this.go('visualConfirm', 'visualConfirm');
    // Locked: back to the method choice, where face and PIN still work for this patient.
    if (r.lockMinutes > 0) return this.go('methodSelect', 'visualPasswordLocked');
    this.showScreen('visualPasswordWrong');
  }

  /** Staff have checked the patient by sight and press confirm: confirmed, method visualOnReader. */
  confirmVisually(): void {
    this.requireCard();
    if (this.state !== 'visualConfirm') throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'visual confirmation', this.state);
    this.confirm('visualOnReader', 0);
  }

  answerConsent(choice: string, items = 0): void {
    this.requireCard();
    if (this.state !== 'consent') throw new EmulatorError('EMU_ERR_NOT_OFFERED', 'consent', this.state);
    if (choice !== 'all' && choice !== 'individual') throw new EmulatorError('EMU_ERR_BAD_CONSENT');
    const all = ConsentItem.medication | ConsentItem.checkups | ConsentItem.highCost;
    this.emitEvent('consentGiven', { txId: this.txId, choice: ConsentChoice[choice], items: choice === 'all' ? all : items & all });
    // A certificate near or just past its expiry still confirms, with the renewal notice (§1.2).
    const cert = certificateState(this.card!.profile, this.clock.now());
    this.go('complete', cert === 'renewSoon' ? 'doneCertRenewal' : cert === 'grace' ? 'doneCertGrace' : 'done');
  }

  removeCard(): void {
    this.requireCard();
    const tx = this.txId;
    if (BUSY_STATES.has(this.state) && this.state !== 'consent') {
      this.emitEvent('identityFailed', { txId: tx, reason: FailReason.cardRemoved });
    }
    this.card = null;
    this.haltReason = null;
    this.emitEvent('cardRemoved', { txId: tx });
    this.go('idle', 'placeCard');
  }

  // ---- commands: what the terminal asks -----------------------------------------------------

  setMode(mode: number): StatusName {
    const name = Mode.nameOf(mode) as ModeName | undefined;
    if (!name) return 'badArgument';
    // The mode already in force: nothing changes, so nothing conflicts with a patient's flow
    // (a host re-sending its mode after a reconnect or a retry must not be refused).
    if (name === this.mode) return this.configured();
    if (BUSY_STATES.has(this.state)) return 'busy';
    this.mode = name;
    if (name !== 'visual') this.armed = null;
    if (!this.card) this.showScreen('placeCard');
    return this.configured();
  }

  /** After a power cycle the first setMode tells the reader its mode: a card left on it is read then. */
  private configured(): 'ok' {
    if (this.unread) {
      this.unread = false;
      // After the setMode response, like every event a command causes.
      if (this.card) queueMicrotask(() => this.card && this.state === 'idle' && this.beginTransaction());
    }
    return 'ok';
  }

  /** A new 目視モード用パスワード verifier and rule from the terminal (any state: no patient is affected). */
  setVisualPassword(setting: VisualPasswordSetting): StatusName {
    if (setting.maxWrong < 1 || setting.lockMinutes < 1) return 'badArgument';
    this.visualPassword.set(setting);
    return 'ok';
  }

  startVisualCheck(checkId: number, date: string): StatusName {
    if (this.mode !== 'visual') return 'badState';
    if (BUSY_STATES.has(this.state)) return 'busy';
    this.armed = { checkId, date };
    // The patient may already have put the card down and been told to call staff.
    // Deferred so the terminal sees the command's response before the card event.
    if (this.card && this.haltReason === 'staffRequired') queueMicrotask(() => this.beginTransaction());
    return 'ok';
  }

  executeVisualCheck(checkId: number): StatusName {
    if (this.state !== 'awaitingStaff' || !this.armed || this.armed.checkId !== checkId) return 'badState';
    const card = this.card!;
    const tx = this.txId;
    this.armed = null;
    void this.clock.sleep('certificate read', this.timing.certReadMs).then(() => {
      if (tx === this.txId && this.card === card) this.confirm('visual', checkId);
    });
    return 'ok';
  }

  cancelVisualCheck(): StatusName {
    this.armed = null;
    // Deferred like startVisualCheck's: the response goes out before the events it causes.
    queueMicrotask(() => {
      if (this.state === 'awaitingStaff') this.fail('cancelled', 'callStaff');
    });
    return 'ok';
  }

  reset(): StatusName {
    this.armed = null;
    this.faceAttempts = 0;
    const tx = this.txId;
    const open = this.card !== null && BUSY_STATES.has(this.state) && this.state !== 'consent';
    if (this.card) {
      this.haltReason = 'cancelled';
      this.state = 'halted';
      // Every transaction ends with one outcome (the events after the response).
      queueMicrotask(() => {
        if (open) this.emitEvent('identityFailed', { txId: tx, reason: FailReason.cancelled });
        this.showScreen('callStaff');
      });
    } else this.go('idle', 'placeCard');
    return 'ok';
  }

  /**
   * Power cycle: the flow, the mode and any armed visual check are gone (the mode is the factory
   * default until the terminal sets it again); the host is told with readerReset. A card still on
   * the reader is read again as a new transaction once the host has set the mode (setMode).
   */
  powerOn(bootId: number): void {
    this.mode = 'unattended';
    this.armed = null;
    this.faceAttempts = 0;
    this.haltReason = null;
    this.state = 'idle';
    this.screen = 'placeCard';
    this.emitEvent('readerReset', { bootId: bootId >>> 0 });
    this.emitEvent('screenShown', { screen: SCREENS.placeCard.id });
    // Not read in the factory mode: the host gives the mode back first (setMode), then it is.
    this.unread = true;
  }

  // ---- flow ---------------------------------------------------------------------------------

  /**
   * A device delay in the middle of an act: true if, after it, the same transaction is still in
   * `state`. The patient may have taken the card, or the terminal reset the reader, meanwhile; the
   * act then ends there, silently.
   */
  private async still(delay: string, ms: number, state: ReaderStateName): Promise<boolean> {
    const tx = this.txId;
    await this.clock.sleep(delay, ms);
    return tx === this.txId && this.state === state;
  }

  private beginTransaction(): void {
    const card = this.card!;
    this.txId = (this.txId + 1) >>> 0;
    this.haltReason = null;
    this.faceAttempts = 0;
    this.emitEvent('cardPlaced', { txId: this.txId, cardKind: CardKind[card.profile.kind] });
    const refused = refusalOnPlacement(card.profile, this.clock.now());
    if (refused) return this.fail(refused, refused === 'cardUnreadable' ? 'cardUnreadable' : refused === 'notMyNumberCard' ? 'notMyNumberCard' : 'certExpired');
    if (this.mode === 'visual') {
      if (this.armed) return this.go('awaitingStaff', 'staffChecking');
      // 目視確認 left on with no staff check (P101-6): nobody is confirmed unattended.
      return this.fail('staffRequired', 'callStaff');
    }
    if (this.mode === 'pinOnly') {
      if (card.profile.pin === null) return this.fail('noPin', 'callStaff');
      if (!card.pinUsable) return this.fail('pinLocked', 'pinLocked');
      this.emitEvent('methodChosen', { txId: this.txId, method: Method.pin });
      return this.startPinEntry(card);
    }
    this.go('methodSelect', 'chooseMethod');
  }

  private startPinEntry(card: Card): void {
    if (!card.pinUsable) return this.fail('pinLocked', 'pinLocked');
    this.go('pinEntry', 'enterPin');
  }

  private confirm(method: MethodName | 'visualOnReader', checkId: number): void {
    const card = this.card!;
    this.emitEvent('identityConfirmed', { txId: this.txId, method: Method[method], cardId: card.cardId, checkId });
    this.go('consent', 'consent');
  }

  private fail(reason: FailReasonName, screen: ScreenName): void {
    this.haltReason = reason;
    this.emitEvent('identityFailed', { txId: this.txId, reason: FailReason[reason] });
    if (screen !== 'callStaff' && screen !== 'notMyNumberCard' && screen !== 'certExpired' && screen !== 'cardUnreadable') this.showScreen(screen);
    this.go('halted', screen === 'pinLocked' ? 'callStaff' : screen);
  }

  private go(state: ReaderStateName, screen: ScreenName): void {
    this.state = state;
    this.showScreen(screen);
  }

  private showScreen(screen: ScreenName): void {
    if (this.screen === screen && screen !== 'matchError' && screen !== 'pinWrong' && screen !== 'visualPasswordWrong') return;
    this.screen = screen;
    this.emitEvent('screenShown', { screen: SCREENS[screen].id });
  }

  private emitEvent<N extends EventName>(name: N, fields: EventFields<N>): void {
    this.out(name, fields);
    this.emit('event', name, fields);
  }

  private requireCard(): Card {
    if (!this.card) throw new EmulatorError('EMU_ERR_NO_CARD');
    return this.card;
  }

  status() {
    return {
      mode: Mode[this.mode],
      state: ReaderState[this.state],
      cardPresent: this.card ? 1 : 0,
      screen: SCREENS[this.screen].id,
      txId: this.txId,
    };
  }
}
