/**
 * Payload field codec. A message's payload is its fields in order, with no padding:
 *   u8, u16, u32  unsigned big-endian integers
 *   str           1-byte length, then that many bytes of UTF-8 (at most 255 bytes)
 *   date          8 ASCII digits YYYYMMDD (資格確認日)
 *   id16          16 raw bytes, shown as 32 lowercase hex digits (a card identifier)
 */
export type FieldKind = 'u8' | 'u16' | 'u32' | 'str' | 'date' | 'id16';
export type FieldSpec = readonly [name: string, kind: FieldKind];

type KindValue<K extends FieldKind> = K extends 'u8' | 'u16' | 'u32' ? number : string;
export type FieldsOf<F extends readonly FieldSpec[]> = {
  [E in F[number] as E[0]]: KindValue<E[1]>;
};

export class PayloadError extends Error {
  readonly code = 'LINK_ERR_PAYLOAD';
}

const MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export function encodeFields(specs: readonly FieldSpec[], values: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, kind] of specs) {
    const v = values[name];
    switch (kind) {
      case 'u8':
      case 'u16':
      case 'u32': {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX[kind]) {
          throw new PayloadError(`field "${name}" must be an integer 0..${MAX[kind]}, got ${String(v)}`);
        }
        const b = Buffer.allocUnsafe(kind === 'u8' ? 1 : kind === 'u16' ? 2 : 4);
        if (kind === 'u8') b[0] = v;
        else if (kind === 'u16') b.writeUInt16BE(v);
        else b.writeUInt32BE(v);
        parts.push(b);
        break;
      }
      case 'str': {
        const s = Buffer.from(typeof v === 'string' ? v : '', 'utf8');
        if (typeof v !== 'string' || s.length > 255) {
          throw new PayloadError(`field "${name}" must be a string of at most 255 UTF-8 bytes`);
        }
        parts.push(Buffer.from([s.length]), s);
        break;
      }
      case 'date':
        if (typeof v !== 'string' || !/^\d{8}$/.test(v)) {
          throw new PayloadError(`field "${name}" must be 8 digits YYYYMMDD, got ${String(v)}`);
        }
        parts.push(Buffer.from(v, 'ascii'));
        break;
      case 'id16':
        if (typeof v !== 'string' || !/^[0-9a-f]{32}$/.test(v)) {
          throw new PayloadError(`field "${name}" must be 32 lowercase hex digits`);
        }
        parts.push(Buffer.from(v, 'hex'));
        break;
    }
  }
  return Buffer.concat(parts);
}

export function decodeFields(specs: readonly FieldSpec[], buf: Buffer, offset = 0): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  let at = offset;
  const need = (n: number, name: string) => {
    if (at + n > buf.length) throw new PayloadError(`payload ends inside field "${name}"`);
  };
  for (const [name, kind] of specs) {
    switch (kind) {
      case 'u8':
        need(1, name);
        out[name] = buf[at]!;
        at += 1;
        break;
      case 'u16':
        need(2, name);
        out[name] = buf.readUInt16BE(at);
        at += 2;
        break;
      case 'u32':
        need(4, name);
        out[name] = buf.readUInt32BE(at);
        at += 4;
        break;
      case 'str': {
        need(1, name);
        const len = buf[at]!;
        need(1 + len, name);
        try {
          out[name] = STRICT_UTF8.decode(buf.subarray(at + 1, at + 1 + len));
        } catch {
          throw new PayloadError(`field "${name}" is not valid UTF-8`);
        }
        at += 1 + len;
        break;
      }
      case 'date': {
        need(8, name);
        const s = buf.toString('latin1', at, at + 8);
        if (!/^\d{8}$/.test(s)) throw new PayloadError(`field "${name}" is not 8 ASCII digits`);
        out[name] = s;
        at += 8;
        break;
      }
      case 'id16':
        need(16, name);
        out[name] = buf.toString('hex', at, at + 16);
        at += 16;
        break;
    }
  }
  if (at !== buf.length) throw new PayloadError(`payload has ${buf.length - at} unexpected trailing bytes`);
  return out;
}
