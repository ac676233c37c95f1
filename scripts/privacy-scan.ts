/**
 * Privacy scan (issue 5, "Privacy"): looks through what a run produced — logs, reports, traces,
 * the journal and result files — for what must never be written down:
 *
 * - **個人番号**: a 12-digit number whose check digit is right (weights 6,5,4,3,2,7,6,5,4,3,2 over
 *   the first 11 digits; r = Σ mod 11; check = 0 if r ≤ 1 else 11 − r), not part of a longer digit
 *   run and not the fraction of a decimal; also written 4-4-4 with one space or hyphen.
 * - **PIN echoes**: 4 digits as the value of a key with the word "pin" in it (`"pin":"1234"`,
 *   `enteredPin=1234`, `PIN: 1234`, `暗証番号: 1234`), and any of the emulator's synthetic PINs
 *   (simulator/cards.ts) as a quoted value on its own (`"4729"`).
 * - **目視モード用パスワード**: the suite's synthetic facility passwords (simulator/reader-visual.ts
 *   SYNTHETIC_FACILITY_PASSWORDS) anywhere, as bytes or decoded: the terminal and the reader keep only
 *   a verifier, the stimulus that types one goes over the emulator's control channel only.
 * - **image bytes**: PNG (89 50 4E 47 0D 0A 1A 0A), JPEG (FF D8 FF and a marker byte ≥ C0, which
 *   every JPEG has and random bytes seldom do), JPEG 2000 (00 00 00 0C 6A 50 20 20, or the bare
 *   codestream FF 4F FF 51).
 *
 * Each file is scanned as bytes (any file, text or binary), as text, and through every hex run
 * (≥ 8 digits: trace frames) and base64 run (≥ 16 characters: attachments, data: URIs) it
 * contains, decoded, at any depth of JSON-in-JSON (escaped quotes are allowed for). Findings say
 * file, byte offset, line and what was found, with the value masked (the report must not be the
 * leak). False positives avoided on purpose: digits inside UUIDs and long hex runs (trace frames,
 * card ids, hashes) are not read as decimal numbers — the hex is decoded and scanned instead; a UUID
 * is not decoded at all (an identifier, not data: one starting ffd8ffe9 once read as a JPEG).
 *
 *   node -r ts-node/register scripts/privacy-scan.ts [--all] [PATH...]
 *
 * PATHs are files or directories (default: reports .oqs-reader). While walking, directories named
 * in SKIPPED_DIRS are skipped (and listed) unless --all: c8's `coverage/` and `.c8-tmp/` reproduce
 * our own source, test fixtures included, so they are not generated output; `screenshots/` holds
 * the browser tests' PNGs of the operation screen. Exit status 1 on any finding, 0 when clean,
 * 2 on a usage error.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CARD_PROFILES } from '../simulator/cards';
import { SYNTHETIC_FACILITY_PASSWORDS } from '../simulator/reader-visual';

export type FindingKind = 'myNumber' | 'pin' | 'image' | 'facilityPassword';

export interface Finding {
  file: string;
  /** Byte offset in the file (of the encoded run, for a finding inside hex or base64). */
  offset: number;
  /** 1-based line of that offset. */
  line: number;
  kind: FindingKind;
  /** Where it was: 'bytes' or 'text' of the file itself, or the decoded run: 'hex', 'base64', 'base64 > hex', … */
  encoding: string;
  /** What was found, with the value masked. */
  what: string;
}

/**
 * Directories skipped by name while walking (a path given explicitly is always scanned): not
 * generated data about patients, and full of what the rules look for by design.
 */
export const SKIPPED_DIRS: Readonly<Record<string, string>> = {
  coverage: "c8's HTML and lcov: our own source code, test fixtures included",
  '.c8-tmp': "c8's raw V8 coverage: the same source code, in source maps",
  screenshots: "the browser tests' PNG screenshots of the operation screen: images by design",
  node_modules: 'dependencies',
  '.git': 'the repository',
};

export interface ScanOptions {
  /** Walk into the SKIPPED_DIRS too (default false). */
  all?: boolean;
}

/** The emulator's synthetic PINs: a quoted value equal to one of these is an echo. */
export const SYNTHETIC_PINS: readonly string[] = [
  ...new Set(
    Object.values(CARD_PROFILES)
      .map((p) => p.pin as string | null)
      .filter((p): p is string => p !== null),
  ),
];

// ---- 個人番号 --------------------------------------------------------------------------------------

const WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/** The 12th digit of a 個人番号 for its first 11 digits. */
export function myNumberCheckDigit(first11: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += Number(first11[i]) * WEIGHTS[i]!;
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isMyNumber(digits: string): boolean {
  return /^\d{12}$/.test(digits) && myNumberCheckDigit(digits.slice(0, 11)) === Number(digits[11]);
}

const mask = (digits: string) => `${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;

// ---- image signatures -------------------------------------------------------------------------------

const SIGNATURES: Array<{ name: string; bytes: Buffer; ok?: (buf: Buffer, at: number) => boolean }> = [
  { name: 'PNG signature', bytes: Buffer.from('89504e470d0a1a0a', 'hex') },
  { name: 'JPEG signature', bytes: Buffer.from('ffd8ff', 'hex'), ok: (buf, at) => (buf[at + 3] ?? 0) >= 0xc0 && buf[at + 3] !== 0xff },
  { name: 'JPEG 2000 signature (jP box)', bytes: Buffer.from('0000000c6a502020', 'hex') },
  { name: 'JPEG 2000 codestream (SOC SIZ)', bytes: Buffer.from('ff4fff51', 'hex') },
];

function imagesIn(buf: Buffer): Array<{ at: number; what: string }> {
  const out: Array<{ at: number; what: string }> = [];
  for (const sig of SIGNATURES) {
    for (let at = buf.indexOf(sig.bytes); at >= 0; at = buf.indexOf(sig.bytes, at + 1)) {
      if (!sig.ok || sig.ok(buf, at)) out.push({ at, what: sig.name });
    }
  }
  return out;
}

// ---- text rules -------------------------------------------------------------------------------------

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
/** A hex run with at least one letter, long enough to be data rather than a word or a number. */
const HEX_RUN = /[0-9a-fA-F]{8,}/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const TWELVE = /(?<![0-9])(\d{12}|\d{4}([ -])\d{4}\2\d{4})(?![0-9])/g;
/** "key": "1234" / key=1234 / 'key': 1234, quotes possibly backslash-escaped (JSON in JSON). */
const KEY_VALUE = /(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\\*["']?\s*[:=]\s*\\*["']?(\d{4})(?![0-9])/g;
/** 暗証番号 (as the latin1 view of its UTF-8 bytes, since text is scanned byte for byte). */
const ANSHO = Buffer.from('暗証番号', 'utf8')
  .toString('latin1')
  .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ANSHO_VALUE = new RegExp(`${ANSHO}\\s*(?::|=|\\xef\\xbc\\x9a)?\\s*(\\d{4})(?![0-9])`, 'g');
const QUOTED_PIN = SYNTHETIC_PINS.length ? new RegExp(`(?<![A-Za-z0-9])\\\\*"(${SYNTHETIC_PINS.join('|')})\\\\*"`, 'g') : null;

const FACILITY_PASSWORD = new RegExp(Object.values(SYNTHETIC_FACILITY_PASSWORDS).join('|'), 'g');

/** "pin", "PIN", "pinCode", "entered_pin", "userPin" — not "spinner" or "pinned". */
function isPinKey(key: string): boolean {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .some((w) => w.toLowerCase() === 'pin');
}

interface Hit {
  at: number;
  kind: FindingKind;
  encoding: string;
  what: string;
}

/** Marks where digits are not a decimal number (UUIDs, hex data). */
function maskedRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const m of text.matchAll(UUID)) ranges.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(HEX_RUN)) {
    if (m[0].length >= 16 && /[a-fA-F]/.test(m[0])) ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function inRanges(ranges: Array<[number, number]>, at: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = ranges[mid]!;
    if (at < s) hi = mid - 1;
    else if (at >= e) lo = mid + 1;
    else return true;
  }
  // Ranges may overlap (a UUID inside a hex run's reach): fall back to a linear look nearby.
  return ranges.some(([s, e]) => s <= at && at < e);
}

/** Rules over text (a latin1 view: one character per byte, so indexes are byte offsets). */
function textHits(text: string, encoding: string, masked: Array<[number, number]>): Hit[] {
  const hits: Hit[] = [];
  for (const m of text.matchAll(TWELVE)) {
    const at = m.index;
    if (inRanges(masked, at)) continue;
    if (at >= 2 && text[at - 1] === '.' && /[0-9]/.test(text[at - 2]!)) continue; // a decimal's fraction
    const digits = m[0].replace(/[ -]/g, '');
    if (isMyNumber(digits))
      hits.push({ at, kind: 'myNumber', encoding, what: `check-digit-valid 12-digit number ${mask(digits)}${m[2] ? ` (written with "${m[2]}")` : ''}` });
  }
  for (const m of text.matchAll(KEY_VALUE)) {
    if (isPinKey(m[1]!)) hits.push({ at: m.index, kind: 'pin', encoding, what: `4-digit value **** of key "${m[1]}"` });
  }
  for (const m of text.matchAll(ANSHO_VALUE)) hits.push({ at: m.index, kind: 'pin', encoding, what: '4 digits **** after 暗証番号' });
  if (QUOTED_PIN)
    for (const m of text.matchAll(QUOTED_PIN)) hits.push({ at: m.index, kind: 'pin', encoding, what: "the emulator's synthetic PIN as a quoted value" });
  for (const m of text.matchAll(FACILITY_PASSWORD))
    hits.push({ at: m.index, kind: 'facilityPassword', encoding, what: "the suite's synthetic 目視モード用パスワード (masked)" });
  return hits;
}

/** How deep hex/base64 runs are decoded inside each other (base64 of NDJSON with hex frames is 2). */
const MAX_DEPTH = 3;

/**
 * Every rule over `buf`, then again over each hex and base64 run it contains, decoded. A hit in a
 * decoded run is placed at the run's offset in `buf`, its `encoding` the chain of decodings
 * ("base64 > hex": a hex run inside a base64 run).
 */
function hitsIn(buf: Buffer, depth: number): Hit[] {
  const hits: Hit[] = imagesIn(buf).map((h) => ({ at: h.at, kind: 'image' as const, encoding: 'bytes', what: h.what }));
  const text = buf.toString('latin1');
  hits.push(...textHits(text, 'text', maskedRanges(text)));
  if (depth >= MAX_DEPTH) return hits;
  const lift = (h: Hit, at: number, enc: string): Hit => ({
    ...h,
    at,
    encoding: h.encoding === 'bytes' || h.encoding === 'text' ? enc : `${enc} > ${h.encoding}`,
  });
  // A UUID is an identifier, not encoded data (cucumber gave a step the id ffd8ffe9-…: "FF D8 FF"):
  // blanked out, offsets kept, before looking for runs.
  const runs = text.replace(UUID, (u) => '~'.repeat(u.length));
  for (const m of runs.matchAll(HEX_RUN)) {
    const even = m[0].length & ~1;
    for (const h of hitsIn(Buffer.from(m[0].slice(0, even), 'hex'), depth + 1)) hits.push(lift(h, m.index, 'hex'));
  }
  for (const m of runs.matchAll(BASE64_RUN)) {
    if (/^[0-9a-fA-F]+$/.test(m[0])) continue; // a hex run: decoded as hex above
    for (const h of hitsIn(Buffer.from(m[0], 'base64'), depth + 1)) hits.push(lift(h, m.index, 'base64'));
  }
  return hits;
}

/** Scans one file's bytes. */
export function scanBuffer(buf: Buffer, file: string): Finding[] {
  const newlines: number[] = [];
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) newlines.push(i);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const h of hitsIn(buf, 0)) {
    const key = `${h.at}|${h.kind}|${h.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, offset: h.at, line: lineOf(h.at), kind: h.kind, encoding: h.encoding, what: h.what });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

function walk(path: string, opts: ScanOptions & { onSkip?: (dir: string) => void }, files: string[]): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return; // never followed: no loops, nothing outside the given trees
  if (st.isFile()) {
    files.push(path);
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of readdirSync(path).sort()) {
    if (!opts.all && Object.hasOwn(SKIPPED_DIRS, name)) {
      opts.onSkip?.(join(path, name));
      continue;
    }
    walk(join(path, name), opts, files);
  }
}

/** Scans files and directory trees; a path that does not exist is skipped. */
export function scanPaths(paths: string[], opts: ScanOptions = {}): Finding[] {
  const files: string[] = [];
  for (const p of paths) if (existsSync(p)) walk(p, opts, files);
  return files.flatMap((f) => scanBuffer(readFileSync(f), f));
}

export function formatFinding(f: Finding, base = process.cwd()): string {
  return `${relative(base, f.file) || f.file}:${f.line} (byte ${f.offset}, ${f.encoding}) ${f.kind}: ${f.what}`;
}

function main(argv: string[]): number {
  const all = argv.includes('--all');
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--all');
  if (unknown.length) {
    console.error(`privacy-scan: unknown option ${unknown.join(' ')}\nusage: privacy-scan [--all] [PATH...]`);
    return 2;
  }
  const given = argv.filter((a) => !a.startsWith('--'));
  const paths = given.length ? given : ['reports', '.oqs-reader'];
  for (const p of paths) if (!existsSync(p)) console.log(`privacy-scan: ${p} does not exist (nothing to scan there)`);
  const files: string[] = [];
  const skipped: string[] = [];
  for (const p of paths) if (existsSync(p)) walk(p, { all, onSkip: (d) => skipped.push(d) }, files);
  for (const d of skipped) console.log(`privacy-scan: skipped ${d}/ (${SKIPPED_DIRS[d.split(/[\\/]/).pop()!]}; --all scans it)`);
  const findings = files.flatMap((f) => scanBuffer(readFileSync(f), f));
  for (const f of findings) console.log(formatFinding(f));
  const byKind = (k: FindingKind) => findings.filter((f) => f.kind === k).length;
  console.log(
    `privacy-scan: ${files.length} files under ${paths.join(' ')}: ` +
      (findings.length
        ? `${findings.length} findings (${byKind('myNumber')} 個人番号, ${byKind('pin')} PIN, ${byKind('image')} image, ${byKind('facilityPassword')} 目視モード用パスワード)`
        : 'clean'),
  );
  return findings.length ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
