"""Gunicorn settings for the web app; every value can be overridden from the environment."""

import multiprocessing
import os
import subprocess
import sys
import threading
import time

# Imported now, in the master before any worker exists, not in ``child_exit``: gunicorn calls
# that hook from its SIGCHLD handler, and a first import there is interrupted when a second
# worker exits meanwhile (at shutdown, or two recycled at once); the nested call then finds
# the module half-initialised, and the AttributeError brings the master down.
from prometheus_client import multiprocess

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak can never take the service down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Password-reset and acknowledgement links carry tokens: the access log writes [redacted].
logger_class = "traceability.ops.gunicorn_logging.RedactingLogger"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """With several workers, Prometheus counters live in files: start from an empty folder."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Fewer, cheaper garbage collections in each worker once the app is loaded.

    What the app built at start (routes, templates, the GS1 tables, SQLAlchemy's metadata)
    lives as long as the worker: frozen, the collector no longer walks it. The first generation
    is collected after 50,000 new containers instead of 700: a request makes some hundreds,
    most freed at once by reference counting, and every young collection also walks the
    caches the request filled. Measured with benchmarks/resolver.py: resolver p99 32–36 ms
    against 43–48 ms, consumer page +10 % throughput. GC_THRESHOLD="" keeps Python's defaults.
    """
    import gc

    setting = os.environ.get("GC_THRESHOLD", "50000,20,20").strip()
    if not setting:
        return
    gc.freeze()
    gc.set_threshold(*(int(part) for part in setting.split(",")))


def worker_exit(server, worker):
    """Write the scans still buffered in this worker before it goes."""
    from traceability.resolver.scanlog import flush_at_exit

    flush_at_exit()


# The scan writer (traceability/resolver/scanwriter.py): one process, started here before the
# workers are forked, that writes the scans every worker hands it through a pipe, so that no
# request worker spends its time on the scan log. SCAN_WRITER=off leaves each worker to write
# its own scans.
_scan_writer = {"process": None, "read": None, "write": None, "stopping": False}


def _start_scan_writer(server):
    process = subprocess.Popen(
        [sys.executable, "-m", "traceability.resolver.scanwriter", str(_scan_writer["read"])],
        # Its own session: a Ctrl-C or a signal to the server's process group stops the
        # master and the workers; the writer goes on until they have closed the pipe.
        pass_fds=(_scan_writer["read"],), start_new_session=True)
    _scan_writer["process"] = process
    server.log.info("scan writer started (pid %d)", process.pid)
    return process


def _watch_scan_writer(server):
    """Start the writer again should it die (till then the workers write their own scans)."""
    while True:
        process = _scan_writer["process"]
        process.wait()  # its status may be lost: the arbiter reaps every child it sees exit
        if _scan_writer["stopping"]:
            return
        server.log.error("scan writer (pid %d) exited; starting it again", process.pid)
        time.sleep(1)
        if _scan_writer["stopping"]:
            return
        _start_scan_writer(server)


def when_ready(server):
    if os.environ.get("SCAN_WRITER", "on").lower() in ("off", "0", "false", "no"):
        return
    if _scan_writer["process"] is not None:
        return  # a configuration reload: the writer already runs
    # Not imported from the app: the master stays free of it (workers load it themselves).
    read_fd, write_fd = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(write_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)  # ~1 MB of scans
    except (ImportError, OSError):
        pass  # the default 64 KB works too: more scans then stay with the workers
    os.set_blocking(write_fd, False)  # a full pipe must never hold a request up
    _scan_writer["read"], _scan_writer["write"] = read_fd, write_fd
    # Workers are forked from this process: they inherit the writing end and this variable
    # (scanwriter.ENVIRONMENT), which names this master so that no other process uses it.
    os.environ["SCAN_WRITER_FD"] = f"{write_fd}:{os.getpid()}"
    _start_scan_writer(server)
    threading.Thread(target=_watch_scan_writer, args=(server,), name="scan-writer-watch",
                     daemon=True).start()


def on_exit(server):
    """The workers are gone: close the pipe, and let the writer write what it holds."""
    process = _scan_writer["process"]
    if process is None:
        return
    _scan_writer["stopping"] = True
    for end in ("write", "read"):
        os.close(_scan_writer[end])
    try:
        process.wait(timeout=graceful_timeout + 10)
    except subprocess.TimeoutExpired:
        server.log.error("scan writer did not finish; stopping it")
        process.kill()
