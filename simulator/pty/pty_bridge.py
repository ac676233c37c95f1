#!/usr/bin/env python3
"""One pseudo-terminal for an emulated reader (python3 standard library only).

    python3 pty_bridge.py [--link PATH]

Allocates ONE pty pair with pty.openpty() and puts both ends in raw mode. A controller opens
the slave (/dev/pts/N, or PATH when --link is given) like any serial port; this process is the
device side and relays, unbuffered:

    pty master  -> stdout      (bytes the controller wrote to the port)
    stdin       -> pty master  (bytes the device sends to the controller)

Protocol with the parent:
  * the FIRST LINE on stderr is the slave path (e.g. "/dev/pts/5\\n"), written once the pty is
    ready and the --link symlink (if any) exists; any later stderr lines are diagnostics;
  * the bridge exits when its stdin closes (EOF), on SIGTERM, SIGINT or SIGHUP, or when stdout
    is gone; in every case it removes its symlink (if it still points at this pty) first.

Exit codes: 0 normal end, 2 bad arguments or --link names something that is not a symlink,
3 the pty failed unexpectedly.

The bridge keeps its own slave fd open for its whole life, so the master never reads EIO
between two sessions of a controller (closing the last slave fd would hang up the pty). Writes
to the master are non-blocking: while nobody reads the slave, the device's bytes wait in the
tty's input queue (a controller's open() flushes it, as on a real port) and then in a bounded
buffer here; past MAX_PENDING the oldest bytes are dropped, like a UART overrun.
"""

import argparse
import errno
import os
import pty
import select
import signal
import stat
import sys
import tty

MAX_PENDING = 1 << 20
READ_SIZE = 65536


class Stop(Exception):
    pass


def diag(message):
    try:
        os.write(2, ("pty_bridge: %s\n" % message).encode("utf-8", "replace"))
    except OSError:
        pass


def make_link(link, target):
    """Points `link` at `target`, replacing a stale symlink atomically; refuses anything else."""
    try:
        st = os.lstat(link)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISLNK(st.st_mode):
        diag("refusing to replace %s: it exists and is not a symlink" % link)
        sys.exit(2)
    tmp = "%s.tmp-%d" % (link, os.getpid())
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


def remove_link(link, target):
    try:
        if os.readlink(link) == target:
            os.unlink(link)
    except OSError:
        pass


def write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BrokenPipeError:
            raise Stop()
        except InterruptedError:
            continue
        view = view[n:]


def relay(master):
    stdin, stdout = 0, 1
    pending = bytearray()
    dropped = 0
    while True:
        wlist = [master] if pending else []
        try:
            readable, writable, _ = select.select([stdin, master], wlist, [])
        except InterruptedError:
            continue
        if master in readable:
            try:
                data = os.read(master, READ_SIZE)
            except BlockingIOError:
                data = b""
            except OSError as e:
                if e.errno == errno.EIO:
                    # Cannot happen while we hold the slave open; never spin on it.
                    diag("unexpected EIO on the pty master")
                    sys.exit(3)
                raise
            if data:
                write_all(stdout, data)
        if stdin in readable:
            data = os.read(stdin, READ_SIZE)
            if not data:
                return
            pending += data
            if len(pending) > MAX_PENDING:
                excess = len(pending) - MAX_PENDING
                del pending[:excess]
                if dropped == 0:
                    diag("nobody reads the port: dropping the oldest device bytes")
                dropped += excess
        if pending:
            try:
                n = os.write(master, pending)
                del pending[:n]
            except BlockingIOError:
                pass


def main():
    parser = argparse.ArgumentParser(description="one raw pty, relayed to stdin/stdout")
    parser.add_argument("--link", help="also make PATH a symlink to the slave")
    args = parser.parse_args()

    def on_signal(signum, frame):
        raise Stop()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    master = slave = None
    path = link = None
    try:
        master, slave = pty.openpty()
        path = os.ttyname(slave)
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        if args.link:
            make_link(args.link, path)
            link = args.link
        write_all(2, (path + "\n").encode())
        relay(master)
    except Stop:
        pass
    finally:
        if link:
            remove_link(link, path)
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
