import { readdirSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A result file as a standard XML parser reads it: every value a string, as written. */
export interface ResultXml {
  XmlMsg: {
    MessageHeader: Record<string, string>;
    MessageBody?: Record<string, unknown> & { ResultList?: { ResultOfQualificationConfirmation: Record<string, string> | Array<Record<string, string>> } };
  };
}

const parser = new XMLParser({ parseTagValue: false });

/** The text of a result file, decoded as its XML declaration says (UTF-8 or Shift_JIS), strictly. */
export function decodeResult(bytes: Buffer): { text: string; encoding: 'UTF-8' | 'Shift_JIS' } {
  const declared = /encoding="([^"]+)"/.exec(bytes.subarray(0, 80).toString('latin1'))?.[1];
  if (declared !== 'UTF-8' && declared !== 'Shift_JIS') throw new Error(`XML declaration names encoding ${declared ?? '(none)'}; expected UTF-8 or Shift_JIS`);
  return { text: new TextDecoder(declared === 'Shift_JIS' ? 'shift_jis' : 'utf-8', { fatal: true }).decode(bytes), encoding: declared };
}

/** Parsed with fast-xml-parser after a well-formedness check; throws on half a file. */
export function parseResult(bytes: Buffer): ResultXml {
  const { text } = decodeResult(bytes);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const xml = parser.parse(text) as ResultXml;
  if (!xml.XmlMsg?.MessageHeader) throw new Error('no XmlMsg/MessageHeader');
  return xml;
}

/** The first ResultOfQualificationConfirmation, if any. */
export function firstResult(xml: ResultXml): Record<string, string> | undefined {
  const r = xml.XmlMsg.MessageBody?.ResultList?.ResultOfQualificationConfirmation;
  return Array.isArray(r) ? r[0] : r;
}

/**
 * A レセコン polling the folder as fast as the event loop lets it, parsing every *.xml it sees;
 * `broken` lists files it found that were not whole. One last pass after stop().
 */
export function pollFolder(dir: string) {
  let stop = false;
  const seen = new Set<string>();
  const broken: string[] = [];
  let polls = 0;
  const done = (async () => {
    for (let last = false; !last;) {
      last = stop;
      polls++;
      for (const f of await readdir(dir)) {
        if (!f.endsWith('.xml')) continue;
        const bytes = await readFile(join(dir, f)).catch(() => null);
        if (!bytes) continue;
        try {
          parseResult(bytes);
          seen.add(f);
        } catch {
          broken.push(f);
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    seen,
    broken,
    get polls() {
      return polls;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

/**
 * The result files in `dir`, oldest first, once at least `atLeast` are there and none is being
 * written (no hidden temp file, docs/result-files.md §Written atomically): how a process outside
 * the product waits for the files the last act causes. Real time, bounded by `waitMs`; after that,
 * what is there (the step's assertion then says what is missing).
 */
export async function folderFiles(dir: string, atLeast: number, waitMs: number): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const names = readdirSync(dir);
    const xml = names.filter((n) => n.endsWith('.xml'));
    const writing = names.some((n) => n.startsWith('.') && n.endsWith('.tmp'));
    if ((xml.length >= atLeast && !writing) || Date.now() > deadline) {
      const byAge = xml.map((n) => ({ path: join(dir, n), at: statSync(join(dir, n)).mtimeMs }));
      return byAge.sort((a, b) => a.at - b.at || a.path.localeCompare(b.path)).map((f) => f.path);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const IMAGE_MAGIC = ['ffd8ff', '89504e47', '0000000c6a502020']; // JPEG, PNG, JPEG 2000

/**
 * What in a result file could be private (DOM-PRIV-1/2): a PIN the scenario typed, a 12-digit
 * number (the shape of a 個人番号), image bytes, a base64 blob. Digits are read as whole runs:
 * a 14-digit time or an 8-digit date may hold "0000" by the clock. ArbitraryFileIdentifier is 16
 * hex digits of a hash, so by chance it may hold any digit run (about 1 file in 200 has 12 digits
 * or a PIN in it): it must be the one-way id of one of `fileIds` (fileIdOf) and is left out of
 * the rest. Returns the problems, none when the file is clean.
 */
export function privateDataIn(bytes: Buffer, pins: readonly string[], fileIds: ReadonlySet<string>): string[] {
  const hex = bytes.toString('hex');
  const problems = IMAGE_MAGIC.filter((magic) => hex.includes(magic)).map((magic) => `image bytes ${magic}`);
  let id: string, text: string;
  try {
    id = parseResult(bytes).XmlMsg.MessageHeader.ArbitraryFileIdentifier ?? '';
    text = decodeResult(bytes).text.replace(`<ArbitraryFileIdentifier>${id}</ArbitraryFileIdentifier>`, '');
  } catch (e) {
    return [...problems, `not a result file: ${(e as Error).message}`];
  }
  if (!fileIds.has(id)) problems.push(`ArbitraryFileIdentifier ${id || '(none)'} is not the one-way id of a record`);
  for (const [run] of text.matchAll(/\d+/g)) {
    if (run.length === 12) problems.push(`a 12-digit number: ${run.slice(0, 2)}…`);
    else if (run.length !== 14 && run.length !== 8 && pins.some((pin) => run.includes(pin))) problems.push('a PIN');
  }
  if (/[A-Za-z0-9+/]{200,}/.test(text)) problems.push('a base64 blob');
  return problems;
}
