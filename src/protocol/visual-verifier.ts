import { scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * The verifier of a facility's 目視モード用パスワード (docs/protocol.md §3.3, setVisualPassword):
 * scrypt(password as UTF-8, salt, 16 bytes, N=2^14, r=8, p=1). The terminal keeps only this and
 * the salt, and sends the reader only these; the password itself never crosses the link.
 */
export const VISUAL_VERIFIER_SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
export const VISUAL_VERIFIER_BYTES = 16;

/** The verifier as 32 lowercase hex digits (an id16 field); `salt` is 32 hex digits too. */
export function visualVerifier(password: string, saltHex: string): string {
  return scryptSync(Buffer.from(password, 'utf8'), Buffer.from(saltHex, 'hex'), VISUAL_VERIFIER_BYTES, VISUAL_VERIFIER_SCRYPT).toString('hex');
}

/** Whether `password` matches the verifier, in constant time. */
export function matchesVisualVerifier(password: string, saltHex: string, verifierHex: string): boolean {
  return timingSafeEqual(Buffer.from(visualVerifier(password, saltHex), 'hex'), Buffer.from(verifierHex, 'hex'));
}
