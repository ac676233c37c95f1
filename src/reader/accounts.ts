import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { STATE_FILE_MODE, syncDirectory, tightenModes, type PlatformOptions } from './store';

export type Role = 'admin' | 'general';

/** Who is acting on the terminal: an OqsComApp account. */
export interface Actor {
  account: string;
  role: Role;
}

interface StoredAccount {
  role: Role;
  salt: Buffer;
  hash: Buffer;
}

const KEYLEN = 32;
// N=2^14: about 30 ms a login here, and 16 MiB of memory per attempt, which is what makes
// guessing expensive; the suite's accounts are created once per file, not per scenario.
const SCRYPT = { N: 1 << 14, r: 8, p: 1 };
const ACCOUNT_NAME = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * The terminal's accounts (管理者 and 一般). Passwords are kept only as scrypt hashes with a salt
 * each; with a file, every change is written atomically (temp file, fsync, rename, directory fsync)
 * and the file is the owner's only (0600, tightened on load if it was left looser).
 */
export class AccountDirectory {
  private readonly accounts = new Map<string, StoredAccount>();
  private readonly platform: NodeJS.Platform;

  constructor(
    private readonly file?: string,
    opts: PlatformOptions = {},
  ) {
    this.platform = opts.platform ?? process.platform;
    if (file && existsSync(file)) {
      tightenModes(file, this.platform);
      const data = JSON.parse(readFileSync(file, 'utf8')) as { accounts: Array<{ account: string; role: Role; salt: string; hash: string }> };
      for (const a of data.accounts) {
        this.accounts.set(a.account, { role: a.role, salt: Buffer.from(a.salt, 'base64'), hash: Buffer.from(a.hash, 'base64') });
      }
    }
  }

  hasAdmin(): boolean {
    return [...this.accounts.values()].some((a) => a.role === 'admin');
  }

  list(): Actor[] {
    return [...this.accounts.entries()].map(([account, a]) => ({ account, role: a.role }));
  }

  add(account: string, password: string, role: Role): Actor {
    if (!ACCOUNT_NAME.test(account)) throw new TypeError('account names are 1–32 of A-Z a-z 0-9 . _ -');
    if (password.length < 8) throw new TypeError('passwords have at least 8 characters');
    if (role !== 'admin' && role !== 'general') throw new TypeError('role is admin or general');
    const salt = randomBytes(16);
    this.accounts.set(account, { role, salt, hash: scryptSync(password, salt, KEYLEN, SCRYPT) });
    this.save();
    return { account, role };
  }

  has(account: string): boolean {
    return this.accounts.has(account);
  }

  verify(account: string, password: string): Actor | null {
    const a = this.accounts.get(account);
    // Hash even for an unknown account, so timing does not tell which names exist.
    const salt = a?.salt ?? Buffer.alloc(16);
    const hash = scryptSync(password, salt, KEYLEN, SCRYPT);
    if (!a || !timingSafeEqual(hash, a.hash)) return null;
    return { account, role: a.role };
  }

  private save(): void {
    if (!this.file) return;
    const data = {
      accounts: [...this.accounts.entries()].map(([account, a]) => ({
        account,
        role: a.role,
        salt: a.salt.toString('base64'),
        hash: a.hash.toString('base64'),
      })),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', STATE_FILE_MODE);
    try {
      writeSync(fd, JSON.stringify(data, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    syncDirectory(dirname(this.file), this.platform);
  }
}
