import { matchesVisualVerifier } from '../src/protocol';

/**
 * The conformance suite's synthetic 目視モード用パスワード (a right one and a wrong one): the suite
 * sets the right one on the terminal and types either on the reader. Test data, no facility's; the
 * privacy scan (scripts/privacy-scan.ts) reports either wherever it is written down.
 */
export const SYNTHETIC_FACILITY_PASSWORDS = { right: 'Mokushi-Shisetsu-2026', wrong: 'Mokushi-Machigai-9999' } as const;

/** What setVisualPassword gives the reader: a verifier and the wrong-entry rule, never the password. */
export interface VisualPasswordSetting {
  salt: string;
  verifier: string;
  /** Wrong entries in a row that lock the reader-side 目視確認. */
  maxWrong: number;
  /** How long the lock lasts, on the reader's clock. */
  lockMinutes: number;
}

/** The outcome of one entry, as visualPasswordResult carries it. */
export interface PasswordEntry {
  ok: boolean;
  triesLeft: number;
  /** > 0 when this entry locked the visual check. */
  lockMinutes: number;
}

/**
 * The reader's memory of the facility's 目視モード用パスワード (docs/protocol.md PR-3.3-8): only the
 * verifier, and the count of wrong entries in a row. `maxWrong` wrong entries lock it for
 * `lockMinutes`; a right entry, or the end of a lock, starts the count again. A new setting does too.
 * Like the txId counter, it is what a real reader keeps in non-volatile memory: a power cycle keeps it.
 */
export class VisualPasswordLock {
  private setting: VisualPasswordSetting | null = null;
  private wrong = 0;
  private lockedUntil = 0;

  set(setting: VisualPasswordSetting): void {
    this.setting = { ...setting };
    this.wrong = 0;
    this.lockedUntil = 0;
  }

  get configured(): boolean {
    return this.setting !== null;
  }

  locked(now: number): boolean {
    return now < this.lockedUntil;
  }

  enter(password: string, now: number): PasswordEntry {
    const s = this.setting;
    if (!s) throw new Error('no 目視モード用パスワード is set');
    if (this.lockedUntil !== 0 && now >= this.lockedUntil) {
      this.lockedUntil = 0;
      this.wrong = 0;
    }
    if (matchesVisualVerifier(password, s.salt, s.verifier)) {
      this.wrong = 0;
      return { ok: true, triesLeft: s.maxWrong, lockMinutes: 0 };
    }
    this.wrong++;
    if (this.wrong < s.maxWrong) return { ok: false, triesLeft: s.maxWrong - this.wrong, lockMinutes: 0 };
    this.lockedUntil = now + s.lockMinutes * 60_000;
    this.wrong = 0;
    return { ok: false, triesLeft: 0, lockMinutes: s.lockMinutes };
  }
}
