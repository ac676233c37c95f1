/**
 * Shift_JIS encoding without a dependency. Node decodes shift_jis (TextDecoder, full ICU) but has no
 * encoder, so the table is the decoder's, inverted: every double-byte code is decoded once and the
 * first code for each character kept, skipping pointers 8272–8835 (the NEC-selected copies of IBM
 * extensions) exactly as the WHATWG Encoding Standard's Shift_JIS encoder does. What comes out is
 * therefore what a browser would send, and it always decodes back to the same text.
 */

let table: Map<number, number> | null = null;

function encoderTable(): Map<number, number> {
  if (table) return table;
  const decoder = new TextDecoder('shift_jis', { fatal: true });
  const map = new Map<number, number>();
  for (let lead = 0x81; lead <= 0xfc; lead++) {
    if (lead > 0x9f && lead < 0xe0) continue;
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      if (trail === 0x7f) continue;
      const pointer = (lead - (lead < 0xa0 ? 0x81 : 0xc1)) * 188 + trail - (trail < 0x7f ? 0x40 : 0x41);
      if (pointer >= 8272 && pointer <= 8835) continue;
      let ch: string;
      try {
        ch = decoder.decode(Uint8Array.of(lead, trail));
      } catch {
        continue;
      }
      const cp = ch.codePointAt(0)!;
      // Private use (user-defined area, lead 0xF0–0xF9) is never written: it means nothing to a レセコン.
      if (ch.length !== 1 || (cp >= 0xe000 && cp <= 0xf8ff) || map.has(cp)) continue;
      map.set(cp, (lead << 8) | trail);
    }
  }
  table = map;
  return map;
}

/** The replacement for a character Shift_JIS cannot hold: 〓 (geta), as Japanese systems print it. */
export const SJIS_REPLACEMENT = '〓';

/** `text` in Shift_JIS; a character it cannot hold becomes 〓 (counted in `replaced`). */
export function encodeShiftJis(text: string): { bytes: Buffer; replaced: number } {
  const map = encoderTable();
  const out: number[] = [];
  let replaced = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp === 0xa5) out.push(0x5c);
    else if (cp === 0x203e) out.push(0x7e);
    else if (cp >= 0xff61 && cp <= 0xff9f) out.push(cp - 0xff61 + 0xa1);
    else {
      const code = map.get(cp === 0x2212 ? 0xff0d : cp);
      if (code === undefined) {
        replaced++;
        const geta = map.get(SJIS_REPLACEMENT.codePointAt(0)!)!;
        out.push(geta >> 8, geta & 0xff);
      } else out.push(code >> 8, code & 0xff);
    }
  }
  return { bytes: Buffer.from(out), replaced };
}
