import { test } from 'node:test';
import { expect } from 'chai';
import { prng } from '../util/prng';
import { HEADER_SIZE, MAX_FRAME, SOF, decodeMessage, encodeFrame, type Message } from '.';
import { STREAM, STREAM_FRAMES, STREAM_MESSAGES, collector, decodeAll, encodeMessage, garbage } from './test-codec';

// ---- streaming decoder ------------------------------------------------------------------------

test('PR-2.1-1 every chunk size from 1 to 40 bytes yields the same frames from a multi-frame stream', () => {
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(STREAM, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(STREAM_MESSAGES);
    expect(errors).to.deep.equal([]);
    expect(decoder.stats).to.deep.equal({ frames: STREAM_MESSAGES.length, crcErrors: 0, oversize: 0, skipped: 0 });
    expect(decoder.buffered).to.equal(0);
  }
});

test('PR-2.1-1 a frame split anywhere in two pieces is decoded once', () => {
  for (const frame of STREAM_FRAMES) {
    for (let cut = 0; cut <= frame.length; cut++) {
      const c = collector();
      c.decoder.push(frame.subarray(0, cut));
      expect(c.frames).to.have.length(cut === frame.length ? 1 : 0);
      c.decoder.push(frame.subarray(cut));
      expect(c.frames).to.have.length(1);
      expect(encodeFrame(c.frames[0]!).equals(frame)).to.equal(true);
    }
  }
});

test('PR-2.4-1 garbage before and between frames is skipped and counted in stats.skipped', () => {
  const rand = prng(1);
  const parts: Buffer[] = [];
  let junk = 0;
  for (const frame of STREAM_FRAMES) {
    const g = garbage(rand, 1 + Math.floor(rand() * 12));
    junk += g.length;
    parts.push(g, frame);
  }
  const tail = garbage(rand, 5);
  junk += tail.length;
  parts.push(tail);
  const stream = Buffer.concat(parts);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(STREAM_MESSAGES);
    expect(errors).to.deep.equal([]);
    expect(decoder.stats.skipped, `chunk size ${size}`).to.equal(junk);
    expect(decoder.stats.frames).to.equal(STREAM_MESSAGES.length);
  }
});

test('PR-2.4-2 a stray 0xA5 right before a frame is refused as oversize and the frame still decodes', () => {
  // A5 A5 00 05 …: the first A5 reads LEN 0xA500, which is too long; resync at the next byte.
  const frame = STREAM_FRAMES[3]!;
  const stream = Buffer.concat([Buffer.from([0xa5]), frame]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages).to.deep.equal([STREAM_MESSAGES[3]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
    expect(decoder.stats).to.deep.equal({ frames: 1, crcErrors: 0, oversize: 1, skipped: 1 });
  }
});

test('PR-2.4-3 a frame with a bad CRC is dropped (LINK_ERR_CRC) and the next frame is recovered', () => {
  const bad = Buffer.from(STREAM_FRAMES[2]!); // getStatus: no 0xA5 after its SOF
  bad[bad.length - 1]! ^= 0x01;
  expect(bad.indexOf(SOF, 1)).to.equal(-1);
  const stream = Buffer.concat([STREAM_FRAMES[0]!, bad, STREAM_FRAMES[4]!, STREAM_FRAMES[7]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[0], STREAM_MESSAGES[4], STREAM_MESSAGES[7]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
    expect(decoder.stats.crcErrors).to.equal(1);
    // The bad frame's bytes (its SOF and the rest) count as skipped.
    expect(decoder.stats.skipped).to.equal(bad.length);
  }
});

test('a corrupted payload byte is caught by the CRC too', () => {
  for (let at = 5; at < STREAM_FRAMES[1]!.length - 2; at++) {
    const bad = Buffer.from(STREAM_FRAMES[1]!);
    bad[at]! ^= 0x40;
    const { messages, errors } = decodeAll(Buffer.concat([bad, STREAM_FRAMES[2]!]));
    expect(messages, `byte ${at}`).to.deep.equal([STREAM_MESSAGES[2]]);
    expect(errors.map((e) => e.code)).to.include('LINK_ERR_CRC');
  }
});

test('PR-2.4-3 a bad frame with an embedded 0xA5 whose false LEN runs into the next frame: the next frames are recovered', () => {
  // cardId ends in a5 00 0a: a false SOF with LEN 10 whose 17 bytes run 6 bytes into the next frame.
  const confirmed: Message = {
    kind: 'event',
    seq: 5,
    name: 'identityConfirmed',
    fields: { txId: 7, method: 1, cardId: '00'.repeat(13) + 'a5000a', checkId: 0 },
  };
  const bad = encodeMessage(confirmed);
  expect(bad.indexOf(SOF, 1), 'embedded A5').to.equal(bad.length - 2 - 2 - 3);
  bad[bad.length - 2]! ^= 0xff;
  const after: Message[] = [STREAM_MESSAGES[7]!, STREAM_MESSAGES[4]!];
  const stream = Buffer.concat([bad, ...after.map(encodeMessage)]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(after);
    expect(errors.length).to.be.at.least(1);
    expect(errors.every((e) => e.code === 'LINK_ERR_CRC')).to.equal(true);
    expect(decoder.stats.crcErrors).to.equal(errors.length);
    expect(decoder.buffered).to.equal(0);
  }
});

test('PR-2.4-3 a bad frame with an embedded 0xA5 inside its own bytes: resync after the bad SOF finds the next frame', () => {
  const placed = encodeMessage({ kind: 'event', seq: 0xa5, name: 'cardPlaced', fields: { txId: 0xa5a5a5a5, cardKind: 0xa5 } });
  const bad = Buffer.from(placed);
  bad[bad.length - 1]! ^= 0x10;
  const stream = Buffer.concat([bad, STREAM_FRAMES[2]!, STREAM_FRAMES[6]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[2], STREAM_MESSAGES[6]]);
    expect(decoder.stats.crcErrors + decoder.stats.oversize).to.be.at.least(1);
  }
});

test('PR-2.4-3 a corrupted LEN that swallows the next frame: the swallowed frame is found again', () => {
  const bad = Buffer.from(STREAM_FRAMES[4]!); // ACK, LEN 1
  bad[2] = 9; // claims 9 payload bytes: runs 7 bytes into the next frame
  const stream = Buffer.concat([bad, STREAM_FRAMES[3]!, STREAM_FRAMES[7]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[3], STREAM_MESSAGES[7]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
  }
});

test('a false start with a plausible LEN delays, but does not lose, the frames behind it', () => {
  // A5 00 A5 …: LEN 0x00A5 = 165, so the decoder waits for 172 bytes before it can tell.
  expect(STREAM.length).to.be.below(170);
  const c = collector();
  c.decoder.push(Buffer.from([0xa5, 0x00]));
  c.decoder.push(STREAM);
  expect(c.frames, 'held until LEN + 7 bytes are in').to.have.length(0);
  expect(c.decoder.buffered).to.equal(2 + STREAM.length);
  c.decoder.push(STREAM);
  expect(c.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([...STREAM_MESSAGES, ...STREAM_MESSAGES]);
  expect(c.decoder.buffered).to.equal(0);
});

test('PR-2.4-2 an oversized LEN (0xFFFF) is refused at once with LINK_ERR_OVERSIZE, nothing is buffered', () => {
  const c = collector();
  c.decoder.push(Buffer.from([0xa5, 0xff, 0xff, 0x00, 0x10]));
  expect(c.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
  expect(c.decoder.buffered).to.equal(0);
  expect(c.decoder.stats.oversize).to.equal(1);
  c.decoder.push(STREAM_FRAMES[0]!);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([STREAM_MESSAGES[0]]);
});

test('PR-2.4-4 oversize byte by byte: at most the 5 header bytes are held, then refused', () => {
  const c = collector();
  const bytes = [0xa5, 0xff, 0xff, 0x00, 0x10];
  bytes.forEach((b, i) => {
    c.decoder.push(Uint8Array.of(b));
    expect(c.decoder.buffered).to.be.at.most(HEADER_SIZE);
    expect(c.errors.length, `after byte ${i}`).to.equal(i === bytes.length - 1 ? 1 : 0);
  });
  expect(c.decoder.buffered).to.equal(0);
  expect(c.errors[0]!.code).to.equal('LINK_ERR_OVERSIZE');
});

test('PR-2.4-2 LEN 1024 is waited for; LEN 1025 is refused', () => {
  const ok = collector();
  ok.decoder.push(Buffer.from([0xa5, 0x04, 0x00, 0x00, 0x40]));
  expect(ok.errors).to.deep.equal([]);
  expect(ok.decoder.buffered).to.equal(5);
  const over = collector();
  over.decoder.push(Buffer.from([0xa5, 0x04, 0x01, 0x00, 0x40]));
  expect(over.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
  expect(over.decoder.buffered).to.equal(0);
});

test('PR-2.4-4 decoder.buffered never exceeds MAX_FRAME (1031) while fed lots of hostile bytes', () => {
  expect(MAX_FRAME).to.equal(1031);
  const rand = prng(42);
  const c = collector();
  let max = 0;
  for (let round = 0; round < 2000; round++) {
    const pick = rand();
    let chunk: Buffer;
    if (pick < 0.3) chunk = Buffer.from([0xa5, 0xff, 0xff, 0xa5, 0xff, 0xff]);
    else if (pick < 0.5)
      chunk = Buffer.from([0xa5, 0x04, 0x00]); // the largest legal LEN
    else if (pick < 0.6) chunk = STREAM_FRAMES[Math.floor(rand() * STREAM_FRAMES.length)]!;
    else chunk = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    const size = 1 + Math.floor(rand() * 64);
    for (let i = 0; i < chunk.length; i += size) {
      c.decoder.push(chunk.subarray(i, i + size));
      max = Math.max(max, c.decoder.buffered);
      expect(c.decoder.buffered).to.be.at.most(MAX_FRAME);
    }
  }
  expect(c.decoder.stats.oversize).to.be.greaterThan(0);
  expect(max).to.be.greaterThan(HEADER_SIZE);
});

test('PR-2.1-1 decoding does not depend on chunking, even for random streams of frames, garbage and damage', () => {
  const rand = prng(2026);
  for (let trial = 0; trial < 60; trial++) {
    const parts: Buffer[] = [];
    for (let k = 0; k < 12; k++) {
      const frame = Buffer.from(STREAM_FRAMES[Math.floor(rand() * STREAM_FRAMES.length)]!);
      const r = rand();
      if (r < 0.2) frame[Math.floor(rand() * frame.length)]! ^= 1 << Math.floor(rand() * 8);
      else if (r < 0.3) parts.push(Buffer.from([0xa5]));
      else if (r < 0.4) parts.push(garbage(rand, Math.floor(rand() * 20)));
      parts.push(frame);
    }
    const stream = Buffer.concat(parts);
    const whole = decodeAll(stream);
    for (const size of [1, 2, 3, 5, 7, 13, 31, 40]) {
      const chunked = decodeAll(stream, size);
      expect(chunked.frames, `trial ${trial}, size ${size}`).to.deep.equal(whole.frames);
      expect(chunked.errors).to.deep.equal(whole.errors);
      expect(chunked.decoder.stats).to.deep.equal(whole.decoder.stats);
      expect(chunked.decoder.buffered).to.equal(whole.decoder.buffered);
    }
  }
});

test('reset() drops a partly received frame', () => {
  const c = collector();
  c.decoder.push(STREAM_FRAMES[1]!.subarray(0, 20));
  expect(c.decoder.buffered).to.equal(20);
  c.decoder.reset();
  expect(c.decoder.buffered).to.equal(0);
  c.decoder.push(STREAM_FRAMES[2]!);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([STREAM_MESSAGES[2]]);
});
