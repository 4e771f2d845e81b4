"""The scan writer: one process beside gunicorn's workers that writes every worker's scans.

Under gunicorn (``gunicorn.conf.py``) the master opens a pipe before it forks its workers and
starts this process on the pipe's reading end (``python -m traceability.resolver.scanwriter
FD``), restarting it should it ever die. A worker then hands each scan over as one small frame
written to the pipe without blocking (a few microseconds) and never touches the database for
it: the writes, the lookups that name each scan's batch and serial, and copy detection run
here, off the request path. A sync worker that writes its own scans is unavailable while it
does, and on SQLite it may wait for the database lock (up to the busy timeout) whenever an
import or another writer holds it: the resolver would then stall behind the scan log.

It runs at a lower CPU priority than the workers (``SCAN_WRITER_NICE``, default 5): scans
are background work, and a batch written at full speed would take a core from the requests
every half second. At nice 5 it still gets several times the CPU it needs at full load
(about 70 µs per scan measured). Nothing is lost when it is slow or gone: a frame that does
not fit in the pipe (about 1 MB, several seconds of scans at full load) stays in the worker's
own buffer, which the worker writes itself as before (``scanlog.ScanBuffer``). Frames are at
most ``PIPE_BUF`` bytes, so the kernel never interleaves two workers' frames. A SIGKILL of
this process loses what it had read and not yet written (at most ``SCAN_FLUSH_SECONDS`` of
scans), as a SIGKILL of a worker loses what that worker holds.

Shutdown: it runs in its own session, so a Ctrl-C or a signal to gunicorn's process group
reaches only the master and the workers. On SIGTERM or SIGINT (systemd signals every process
of the unit) it keeps reading until every writing end is closed (the workers have handed over
what they held and the master has closed its end), writes what it holds and exits;
``SCAN_WRITER_DRAIN_SECONDS`` (default 30) bounds that wait. The master waits for it.
"""

from __future__ import annotations

import logging
import marshal
import os
import resource
import select
import signal
import stat
import struct
import sys
import time
from datetime import UTC, date, datetime, timedelta

from .scanlog import MAX_PENDING, Scan, write_scans

log = logging.getLogger("traceability.scanwriter")

ENVIRONMENT = "SCAN_WRITER_FD"  # "<fd>:<master pid>": gunicorn.conf.py sets it for its workers
PIPE_BYTES = 1 << 20
_HEADER = struct.Struct("<H")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MAX_FRAME = select.PIPE_BUF  # writes up to this size are atomic on a pipe


# --------------------------------------------------------------------------- frames


def encode(scan: Scan) -> bytes:
    """One scan as a frame: a 2-byte length, then the fields (marshal: plain values only)."""
    body = marshal.dumps((
        (scan.scanned_at - _EPOCH) // _MICROSECOND, scan.scanned_on.toordinal(),
        scan.key_path[:120], scan.product_id, scan.organization_id, scan.gtin, scan.lot,
        scan.serial, scan.kind, scan.link_type[:100], scan.matched, scan.ip_hash,
        scan.region[:64], bool(scan.bot)))
    return _HEADER.pack(len(body)) + body


def decode(buffer: bytearray) -> list[Scan]:
    """The whole frames at the front of ``buffer`` (removed from it); a partial one stays."""
    scans, offset, size = [], 0, len(buffer)
    view = memoryview(buffer)
    try:
        while offset + _HEADER.size <= size:
            (length,) = _HEADER.unpack_from(view, offset)
            end = offset + _HEADER.size + length
            if end > size:
                break
            # Only this server's own workers can write to the pipe (an inherited fd, not an
            # address anyone could reach), and marshal is given plain values only.
            fields = marshal.loads(view[offset + _HEADER.size:end])  # noqa: S302
            scans.append(Scan(_EPOCH + fields[0] * _MICROSECOND,
                              date.fromordinal(fields[1]), *fields[2:]))
            offset = end
    finally:
        view.release()
    del buffer[:offset]
    return scans


# --------------------------------------------------------------------------- worker side


def channel_from_environment() -> int | None:
    """The pipe's writing end this worker inherited from its master, or None.

    The variable names the master's pid too: a process that merely inherited the environment
    (a subprocess a worker started, a shell) must never write into whatever that fd is there.
    """
    value = os.environ.get(ENVIRONMENT, "")
    fd_text, _, master = value.partition(":")
    if not fd_text.isdigit() or not master.isdigit() or int(master) != os.getppid():
        return None
    fd = int(fd_text)
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return None
    except OSError:
        return None
    return fd


def send(fd: int, scan: Scan) -> bool:
    """Hand a scan to the writer; False when it must stay here (pipe full, writer gone)."""
    frame = encode(scan)
    if len(frame) > MAX_FRAME:
        return False
    try:
        return os.write(fd, frame) == len(frame)
    except OSError:  # full (the writer is behind) or broken (gone): this worker keeps it
        return False


# --------------------------------------------------------------------------- the writer


class Writer:
    """Reads frames from the pipe and writes them in batches, as ``SCAN_FLUSH_*`` say."""

    def __init__(self, app, fd: int) -> None:
        self.app = app
        self.fd = fd
        self.pending: list[Scan] = []
        self.oldest = 0.0
        self.written = 0
        self.stop_by: float | None = None
        self.retry_at = 0.0
        self.interval = max(float(app.config.get("SCAN_FLUSH_SECONDS", 0.5)), 0.05)
        self.size = int(app.config.get("SCAN_FLUSH_SIZE", 500))

    def terminate(self, *_args) -> None:
        if self.stop_by is None:
            drain = float(os.environ.get("SCAN_WRITER_DRAIN_SECONDS", "30"))
            self.stop_by = time.monotonic() + drain

    def run(self) -> int:
        """Read and write until the pipe's end; returns the process's exit status.

        The pipe is read a few times per flush interval, not at every frame: the kernel keeps
        what arrives meanwhile (about a megabyte), and waking up for each scan would cost this
        process more than writing it.
        """
        os.set_blocking(self.fd, False)
        buffer = bytearray()
        pause = min(self.interval / 4, 0.1)
        while True:
            if self.stop_by is not None and time.monotonic() >= self.stop_by:
                log.warning("scan writer: stopped before the workers closed the pipe")
                break
            ended = self._read(buffer)
            if ended:
                break
            if self._due():
                self.write()
            time.sleep(pause)
        while self.pending and not self.write():
            if self.stop_by is not None and time.monotonic() >= self.stop_by + 5:
                log.error("scan writer: %d scans could not be written", len(self.pending))
                return 1
            time.sleep(0.5)
        return 0

    def _read(self, buffer: bytearray) -> bool:
        """Take everything waiting in the pipe; True once every writing end is closed."""
        ended = False
        while True:
            try:
                chunk = os.read(self.fd, PIPE_BYTES)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            if not chunk:
                ended = True  # the workers and the master are gone
                break
            buffer += chunk
        scans = decode(buffer)
        if scans:
            if not self.pending:
                self.oldest = time.monotonic()
            self.pending.extend(scans)
        return ended

    def _due(self) -> bool:
        if not self.pending or time.monotonic() < self.retry_at:
            return False
        return (len(self.pending) >= self.size
                or time.monotonic() - self.oldest >= self.interval)

    def write(self) -> bool:
        items, self.pending = self.pending, []
        try:
            with self.app.app_context():
                write_scans(items, self.app.config)
        except Exception:  # noqa: BLE001 - kept and retried; this process must not die of it
            log.exception("scan writer: %d scans kept for the next attempt", len(items))
            self.pending = (items + self.pending)[-MAX_PENDING:]
            self.retry_at = time.monotonic() + 1.0
            return False
        self.written += len(items)
        self.retry_at = 0.0
        if not self.pending:
            self.oldest = time.monotonic()
        return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m traceability.resolver.scanwriter FD", file=sys.stderr)
        return 2
    stop_requested: list[bool] = []
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop_requested.append(True))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [scan-writer] %(message)s")
    nice = int(os.environ.get("SCAN_WRITER_NICE", "5") or 0)
    if nice:
        os.nice(nice)
    from .. import create_app

    app = create_app()
    writer = Writer(app, int(args[0]))
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, writer.terminate)
    if stop_requested:
        writer.terminate()
    log.info("writing the workers' scans (pid %d)", os.getpid())
    status = writer.run()
    used = resource.getrusage(resource.RUSAGE_SELF)
    log.info("wrote %d scans; exiting (CPU %.1f s)", writer.written, used.ru_utime + used.ru_stime)
    return status


if __name__ == "__main__":
    sys.exit(main())
