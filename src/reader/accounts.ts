import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

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
// N=2^14 keeps a login near 30 ms here; the suite creates accounts per scenario.
const SCRYPT = { N: 1 << 14, r: 8, p: 1 };

/** Accounts of the terminal; passwords are kept only as scrypt hashes. */
export class AccountDirectory {
  private readonly accounts = new Map<string, StoredAccount>();

  add(account: string, password: string, role: Role): Actor {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(account)) throw new TypeError('account names are 1–32 of A-Z a-z 0-9 . _ -');
    if (password.length < 8) throw new TypeError('passwords have at least 8 characters');
    const salt = randomBytes(16);
    this.accounts.set(account, { role, salt, hash: scryptSync(password, salt, KEYLEN, SCRYPT) });
    return { account, role };
  }

  verify(account: string, password: string): Actor | null {
    const a = this.accounts.get(account);
    const salt = a?.salt ?? Buffer.alloc(16);
    const hash = scryptSync(password, salt, KEYLEN, SCRYPT);
    if (!a || !timingSafeEqual(hash, a.hash)) return null;
    return { account, role: a.role };
  }
}
