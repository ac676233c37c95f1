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
