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
