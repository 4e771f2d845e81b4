"""Gunicorn settings for the web app; every value can be overridden from the environment."""

import multiprocessing
import os

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


def worker_exit(server, worker):
    """Write the scans still buffered in this worker before it goes."""
    from traceability.resolver.scanlog import flush_at_exit

    flush_at_exit()
