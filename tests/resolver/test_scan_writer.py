"""The scan writer: workers hand scans through a pipe to one process that writes them."""

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.resolver.conftest import SHALLOT, make_gtin
from traceability.extensions import db
from traceability.resolver import scanlog, scanwriter
from traceability.resolver.models import ScanEvent

ROOT = Path(__file__).resolve().parents[2]


def a_scan(serial="K7Q2M9X4", **fields) -> scanlog.Scan:
    values = {
        "scanned_at": datetime(2026, 11, 22, 5, 30, 1, 123456, tzinfo=UTC),
        "scanned_on": date(2026, 11, 22), "key_path": f"/01/{SHALLOT}", "product_id": 1,
        "organization_id": 2, "gtin": SHALLOT, "lot": "VC2026-03A", "serial": serial,
        "kind": "redirect", "link_type": "", "matched": "product",
        "ip_hash": "0123456789abcdef", "region": "Cần Thơ", "bot": False}
    values.update(fields)
    return scanlog.Scan(**values)


text = st.text(max_size=30)
scans = st.builds(
    scanlog.Scan,
    scanned_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                            timezones=st.just(UTC)),
    scanned_on=st.dates(), key_path=text, product_id=st.none() | st.integers(1, 2**31),
    organization_id=st.none() | st.integers(1, 2**31), gtin=st.text("0123456789", max_size=14),
    lot=st.none() | text, serial=st.none() | text,
    kind=st.sampled_from(["redirect", "link", "linkset", "page"]), link_type=text,
    matched=st.sampled_from(["product", "links", "unknown"]), ip_hash=text, region=text,
    bot=st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(scans, max_size=5), st.integers(0, 40))
def test_frames_round_trip_and_a_partial_frame_waits(items, cut):
    data = b"".join(scanwriter.encode(item) for item in items)
    buffer = bytearray(data[:len(data) - min(cut, len(data))])
    received = scanwriter.decode(buffer)
    buffer += data[len(data) - min(cut, len(data)):]
    received += scanwriter.decode(buffer)
    assert received == items
    assert buffer == b""


def test_frames_fit_an_atomic_pipe_write():
    longest = a_scan(key_path="/01/" + "9" * 500, link_type="x" * 500, region="ờ" * 500,
                     lot="L" * 20, serial="S" * 20)
    assert len(scanwriter.encode(longest)) <= scanwriter.MAX_FRAME


def test_the_channel_is_taken_only_from_this_process_s_master(monkeypatch):
    read_fd, write_fd = os.pipe()
    try:
        monkeypatch.setenv(scanwriter.ENVIRONMENT, f"{write_fd}:{os.getppid()}")
        assert scanwriter.channel_from_environment() == write_fd
        monkeypatch.setenv(scanwriter.ENVIRONMENT, f"{write_fd}:{os.getppid() + 1}")
        assert scanwriter.channel_from_environment() is None  # inherited by someone else
        with open(os.devnull, "wb") as other:
            monkeypatch.setenv(scanwriter.ENVIRONMENT, f"{other.fileno()}:{os.getppid()}")
            assert scanwriter.channel_from_environment() is None  # not a pipe
        monkeypatch.setenv(scanwriter.ENVIRONMENT, "nonsense")
        assert scanwriter.channel_from_environment() is None
    finally:
        os.close(read_fd)
        os.close(write_fd)


@pytest.fixture
def piped_buffer(app, monkeypatch):
    """A fresh scan buffer connected, as under gunicorn, to a small non-blocking pipe."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    monkeypatch.setenv(scanwriter.ENVIRONMENT, f"{write_fd}:{os.getppid()}")
    buffer = scanlog.ScanBuffer()
    yield buffer, read_fd
    buffer.stop()
    for fd in (read_fd, write_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def _drain(fd) -> list[scanlog.Scan]:
    os.set_blocking(fd, False)
    data = bytearray()
    try:
        while chunk := os.read(fd, 1 << 16):
            data += chunk
    except BlockingIOError:
        pass
    return scanwriter.decode(data)


def test_a_full_pipe_leaves_the_scans_with_the_worker(app, piped_buffer):
    buffer, read_fd = piped_buffer
    sent = [a_scan(serial=f"S{index:07d}") for index in range(3000)]  # > 64 KB of frames
    for item in sent:
        buffer.record(app, item)
    kept = buffer.pending()
    assert 0 < kept < len(sent)  # the writer (not reading here) took what fitted
    handed = _drain(read_fd)
    assert len(handed) + kept == len(sent)
    assert [s.serial for s in handed] == [s.serial for s in sent[:len(handed)]]


def test_a_gone_writer_leaves_the_scans_with_the_worker(app, piped_buffer):
    buffer, read_fd = piped_buffer
    os.close(read_fd)  # no reader: writes fail with EPIPE
    buffer.record(app, a_scan())
    assert buffer.pending() == 1


def test_the_writer_writes_what_the_pipe_brings_and_stops_at_its_end(app, world):
    read_fd, write_fd = os.pipe()
    writer = scanwriter.Writer(app, read_fd)
    done = threading.Thread(target=writer.run)
    done.start()
    units = [("VC2026-03A", "K7Q2M9X4"), ("VC2026-03A", "NOSUCH")]
    for lot, serial in units * 3:
        os.write(write_fd, scanwriter.encode(a_scan(
            serial=serial, lot=lot, product_id=world["product"],
            organization_id=world["org"], scanned_at=datetime.now(UTC))))
    os.close(write_fd)
    done.join(10)
    os.close(read_fd)
    assert not done.is_alive() and writer.written == 6
    rows = db.session.execute(select(ScanEvent.serial, ScanEvent.serial_id, ScanEvent.batch_id,
                                     ScanEvent.matched)).all()
    assert sorted(rows) == sorted(
        [("K7Q2M9X4", world["serial_ids"][0], world["batches"]["normal"], "serial")] * 3
        + [("NOSUCH", None, world["batches"]["normal"], "batch")] * 3)


def test_the_writer_keeps_scans_it_could_not_write_and_retries(app, world, monkeypatch):
    read_fd, write_fd = os.pipe()
    writer = scanwriter.Writer(app, read_fd)
    calls = []
    real = scanwriter.write_scans

    def failing_once(items, config):
        calls.append(len(items))
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        real(items, config)

    monkeypatch.setattr(scanwriter, "write_scans", failing_once)
    done = threading.Thread(target=writer.run)
    done.start()
    for _ in range(4):
        os.write(write_fd, scanwriter.encode(a_scan(product_id=world["product"],
                                                    scanned_at=datetime.now(UTC))))
    time.sleep(0.3)
    os.close(write_fd)
    done.join(15)
    os.close(read_fd)
    assert not done.is_alive()
    assert calls[0] >= 1 and sum(calls[1:]) == 4  # nothing dropped, nothing twice
    assert db.session.scalar(select(db.func.count(ScanEvent.id))) == 4


# --------------------------------------------------------------------------- under gunicorn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ") \
                    .decode()
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


def _writer_pid(master: int, other_than: int | None = None, wait: float = 15) -> int:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for pid, command in _children(master).items():
            if "traceability.resolver.scanwriter" in command and pid != other_than:
                return pid
        time.sleep(0.1)
    raise AssertionError("no scan writer beside the workers")


def _count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM scan_events").fetchone()[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_under_gunicorn_the_writer_writes_every_scan_and_is_restarted(tmp_path):
    database = tmp_path / "app.sqlite"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="k",
               GATEWAY_ENABLED="false", WEB_CONCURRENCY="2", SCAN_FLUSH_SECONDS="0.2",
               SCAN_RATE_LIMIT="")
    env.pop(scanwriter.ENVIRONMENT, None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    port = _free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    unknown = f"/01/{make_gtin('893000999999')}"  # nobody registered it: 404, still logged
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        first = _writer_pid(server.pid)
        with httpx.Client(base_url=base) as client:
            for _ in range(40):
                assert client.get(unknown).status_code == 404
            deadline = time.monotonic() + 15
            while _count(database) < 40 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _count(database) == 40
            os.kill(first, signal.SIGKILL)
            second = _writer_pid(server.pid, other_than=first)
            for _ in range(40):  # some may reach the pipe before the new writer reads it
                assert client.get(unknown).status_code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=60)[0]
    assert _count(database) == 80, output
    assert second != first
    assert len(re.findall(r"scan writer started \(pid \d+\)", output)) == 2, output
    assert f"scan writer (pid {first}) exited; starting it again" in output
    assert re.search(r"\[scan-writer\] wrote \d+ scans; exiting", output), output
