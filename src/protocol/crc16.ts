/**
 * CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
 * Check value over ASCII "123456789" is 0x29B1. Chosen because every MCU vendor library has it.
 */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** TABLE advanced by one more zero byte: lets the loop take two bytes per step (slicing-by-2). */
const TABLE2 = (() => {
  const t = new Uint16Array(256);
  for (let h = 0; h < 256; h++) t[h] = ((TABLE[h]! & 0xff) << 8) ^ TABLE[TABLE[h]! >> 8]!;
  return t;
})();

export function crc16(buf: Uint8Array, start = 0, end = buf.length, init = 0xffff): number {
  let crc = init;
  let i = start;
  for (; i + 1 < end; i += 2) crc = TABLE2[(crc >> 8) ^ buf[i]!]! ^ TABLE[(crc & 0xff) ^ buf[i + 1]!]!;
  if (i < end) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ buf[i]!) & 0xff]!;
  return crc;
}
