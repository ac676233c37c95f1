#!/usr/bin/python3
"""pyserial (Debian's python3-serial) as a controller nobody here wrote: opens URL with
serial.serial_for_url, sets the line, and completes a hello and a getStatus with frames built here
from docs/protocol.md alone (SOF A5, LEN u16 BE, SEQ, TYPE, PAYLOAD, CRC-16/CCITT-FALSE over
LEN..PAYLOAD). Every frame the reader sends back is checked the same way, CRC included.

    /usr/bin/python3 scripts/pyserial-interop.py URL [--baud N] [--bytesize N] [--parity N|E|O]
        [--stopbits 1|2] [--dtr 0|1] [--rts 0|1]

Prints one JSON line: {"url", "line": {...what pyserial reports after setting it...},
"hello": {...}, "getStatus": {...}, "framesIn", "skipped"}. Exit 1 with a message on stderr when
anything fails (pyserial's own exceptions included). Run by scripts/net-interop.ts.
"""

import argparse
import json
import struct
import sys
import time

import serial

SOF = 0xA5
TIMEOUT_S = 5.0


def crc16(data):
    """CRC-16/CCITT-FALSE (docs/protocol.md §2.3): poly 0x1021, init 0xFFFF, no reflection."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def frame(seq, typ, payload):
    body = struct.pack(">HBB", len(payload), seq, typ) + payload
    return bytes([SOF]) + body + struct.pack(">H", crc16(body))


def string(text):
    raw = text.encode("utf-8")
    return bytes([len(raw)]) + raw


class Frames:
    """Hunts for SOF, collects LEN + 6 bytes, delivers frames whose CRC matches (§2.4)."""

    def __init__(self, port):
        self.port = port
        self.buf = bytearray()
        self.bad = 0

    def next(self, deadline):
        while True:
            while self.buf and self.buf[0] != SOF:
                del self.buf[0]
            if len(self.buf) >= 3:
                n = struct.unpack(">H", bytes(self.buf[1:3]))[0]
                if n > 1024:
                    del self.buf[0]
                    continue
                if len(self.buf) >= n + 7:
                    raw = bytes(self.buf[: n + 7])
                    if crc16(raw[1 : n + 5]) == struct.unpack(">H", raw[n + 5 :])[0]:
                        del self.buf[: n + 7]
                        return raw[3], raw[4], raw[5 : n + 5]
                    self.bad += 1
                    del self.buf[0]
                    continue
            if time.monotonic() > deadline:
                raise TimeoutError("no whole frame within %.1f s (have %s)" % (TIMEOUT_S, self.buf.hex()))
            chunk = self.port.read(max(1, self.port.in_waiting))
            self.buf += chunk


def fields(payload, spec):
    out, i = {}, 0
    for name, kind in spec:
        if kind == "u8":
            out[name] = payload[i]
            i += 1
        elif kind == "u16":
            out[name] = struct.unpack(">H", payload[i : i + 2])[0]
            i += 2
        elif kind == "u32":
            out[name] = struct.unpack(">I", payload[i : i + 4])[0]
            i += 4
        else:
            n = payload[i]
            out[name] = payload[i + 1 : i + 1 + n].decode("utf-8")
            i += 1 + n
    if i != len(payload):
        raise ValueError("%d bytes left after the fields" % (len(payload) - i))
    return out


HELLO = [("protocolVersion", "u8"), ("vendor", "str"), ("model", "str"), ("firmware", "str"), ("serial", "str"), ("capabilities", "u16")]
STATUS = [("mode", "u8"), ("state", "u8"), ("cardPresent", "u8"), ("screen", "u8"), ("txId", "u32")]


def ask(port, frames, seq, typ, payload, spec, counts):
    port.write(frame(seq, typ, payload))
    port.flush()
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        rseq, rtyp, rpay = frames.next(deadline)
        counts["framesIn"] += 1
        if rtyp != typ | 0x80:
            counts["skipped"] += 1  # an event the reader sends on its own: not what was asked
            if 0x40 <= rtyp <= 0x7F:
                port.write(frame(seq, 0x01, bytes([rseq])))  # ACK it, as a host does (§5)
            continue
        if rpay[0] != seq:
            raise ValueError("response to SEQ %d, expected %d" % (rpay[0], seq))
        if rpay[1] != 0:
            raise ValueError("status %d, expected 0 (ok)" % rpay[1])
        return dict(fields(rpay[2:], spec), seq=rseq, reqSeq=rpay[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--bytesize", type=int, default=8)
    ap.add_argument("--parity", default="N")
    ap.add_argument("--stopbits", type=float, default=1)
    ap.add_argument("--dtr", type=int, default=1)
    ap.add_argument("--rts", type=int, default=1)
    a = ap.parse_args()
    try:
        port = serial.serial_for_url(a.url, baudrate=115200, timeout=0.2, do_not_open=True)
        port.dtr = bool(a.dtr)
        port.rts = bool(a.rts)
        port.open()
        # Changed on the open port: each goes to the server as its own COM-PORT command (rfc2217://).
        port.baudrate = a.baud
        port.bytesize = a.bytesize
        port.parity = a.parity
        port.stopbits = a.stopbits
        port.dtr = bool(a.dtr)
        port.rts = bool(a.rts)
        port.reset_input_buffer()
        frames = Frames(port)
        counts = {"framesIn": 0, "skipped": 0}
        hello = ask(port, frames, 0, 0x10, bytes([1]) + string("pyserial " + serial.__version__), HELLO, counts)
        status = ask(port, frames, 1, 0x11, b"", STATUS, counts)
        line = {"baudrate": port.baudrate, "bytesize": port.bytesize, "parity": port.parity, "stopbits": port.stopbits, "dtr": port.dtr, "rts": port.rts}
        port.close()
    except Exception as e:  # pyserial's SerialException included: the caller reads the message
        print("pyserial-interop: %s: %s: %s" % (a.url, type(e).__name__, e), file=sys.stderr)
        return 1
    print(json.dumps(dict(url=a.url, pyserial=serial.__version__, line=line, hello=hello, getStatus=status, badFrames=frames.bad, **counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
