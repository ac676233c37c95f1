import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { packageRoot } from '../package-root';
import { MANIFEST } from './manifest';

/**
 * The bundle's signature: Ed25519 (node:crypto) over the bytes of manifest.json, which holds the
 * SHA-256 of every other file. The public key travels in the bundle; whether to trust it is the
 * verifier's decision (`certify --verify DIR --trust <fingerprint or public key file>`), never the
 * bundle's. docs/certification.md says where keys live.
 */
export const SIGNATURE = 'manifest.sig.json';

export interface SignatureFile {
  signature: 1;
  algorithm: 'ed25519';
  signed: typeof MANIFEST;
  publicKey: string;
  fingerprint: string;
  value: string;
}

const ROOT = packageRoot(__dirname);

/** `sha256:` and the hex SHA-256 of the key's DER SubjectPublicKeyInfo (what openssl prints too). */
export function fingerprintOf(key: KeyObject | string): string {
  const k = typeof key === 'string' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

export function generateKeys(): { privatePem: string; publicPem: string; fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  };
}

/** Whether `path` is `dir` or below it, after symbolic links (of the parts that exist). */
function inside(path: string, dir: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return dirname(p) === p ? p : join(real(dirname(p)), basename(p));
    }
  };
  const rel = relative(real(dir), real(resolve(path)));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Refuses a private key kept in the repository or in the bundle it would sign. */
export function checkKeyPlace(path: string, bundle?: string): void {
  if (inside(path, ROOT)) {
    throw new Error(
      `秘密鍵 ${path} がリポジトリの中にあります。リポジトリの外（例 ~/.oqs-reader/）に置いてください。\nthe private key ${path} is inside the repository; keep it outside (e.g. ~/.oqs-reader/certify-key.pem)`,
    );
  }
  if (bundle && inside(path, bundle)) throw new Error(`the private key ${path} is inside the bundle ${bundle}`);
}

/** `certify keygen`: a new Ed25519 pair; the private key readable by its owner only. */
export function keygen(path: string): { privatePath: string; publicPath: string; fingerprint: string } {
  const privatePath = resolve(path);
  checkKeyPlace(privatePath);
  if (existsSync(privatePath)) throw new Error(`${privatePath} exists; a key is never overwritten (remove it yourself, or choose another --out)`);
  const keys = generateKeys();
  writeFileSync(privatePath, keys.privatePem, { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  const publicPath = privatePath.replace(/(\.pem)?$/, '.pub.pem');
  writeFileSync(publicPath, keys.publicPem);
  return { privatePath, publicPath, fingerprint: keys.fingerprint };
}

export function signBundle(dir: string, privatePem: string): SignatureFile {
  const key = createPrivateKey(privatePem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key is ${key.asymmetricKeyType}; certify signs with Ed25519 (certify keygen)`);
  const pub = createPublicKey(key);
  const s: SignatureFile = {
    signature: 1,
    algorithm: 'ed25519',
    signed: MANIFEST,
    publicKey: pub.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(pub),
    value: sign(null, readFileSync(join(dir, MANIFEST)), key).toString('base64'),
  };
  writeFileSync(join(dir, SIGNATURE), JSON.stringify(s, null, 2) + '\n');
  return s;
}

/** A --trust argument: a fingerprint as printed by keygen, or a public key PEM file. */
export function trustedFingerprint(arg: string): string {
  if (/^sha256:[0-9a-f]{64}$/i.test(arg.trim())) return arg.trim().toLowerCase();
  if (!existsSync(arg)) throw new Error(`--trust ${arg}: neither a fingerprint (sha256:<64 hex>) nor a public key file`);
  return fingerprintOf(readFileSync(arg, 'utf8'));
}

/** Problems with the signature of `dir` (none: signed by a trusted key over this manifest). */
export function checkSignature(dir: string, trust: string[]): { problems: string[]; fingerprint: string | null } {
  let s: SignatureFile;
  try {
    s = JSON.parse(readFileSync(join(dir, SIGNATURE), 'utf8')) as SignatureFile;
  } catch (e) {
    return { problems: [`${SIGNATURE}: no readable signature (${(e as Error).message}); the bundle is unsigned`], fingerprint: null };
  }
  if (s.signature !== 1 || s.algorithm !== 'ed25519' || s.signed !== MANIFEST)
    return { problems: [`${SIGNATURE}: not a version-1 Ed25519 signature of ${MANIFEST}`], fingerprint: null };
  let pub: KeyObject;
  try {
    pub = createPublicKey(s.publicKey);
  } catch (e) {
    return { problems: [`${SIGNATURE}: bad public key (${(e as Error).message})`], fingerprint: null };
  }
  const fingerprint = fingerprintOf(pub);
  const problems: string[] = [];
  if (fingerprint !== s.fingerprint) problems.push(`${SIGNATURE}: the stated fingerprint is not that of the enclosed key`);
  let good: boolean;
  try {
    good = verify(null, readFileSync(join(dir, MANIFEST)), pub, Buffer.from(s.value, 'base64'));
  } catch {
    good = false;
  }
  if (!good) problems.push(`${SIGNATURE}: the signature does not match ${MANIFEST} (changed after signing)`);
  if (!trust.length) problems.push(`signed by ${fingerprint}, but no key is trusted: pass --trust <fingerprint or public key file> (docs/certification.md)`);
  else if (!trust.includes(fingerprint)) problems.push(`signed by ${fingerprint}, which is not trusted (trusted: ${trust.join(', ')})`);
  return { problems, fingerprint };
}
