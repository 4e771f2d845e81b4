"""The sync worker: delivers outbox messages to the gateway, in order, exactly once in effect.

Run with ``flask --app wsgi gateway worker``. Several workers may run at once on PostgreSQL
(rows are claimed with ``FOR UPDATE SKIP LOCKED``); on SQLite a lease row admits one at a
time. A worker killed at any instant loses nothing: its claimed messages are still pending,
their lease runs out and they are sent again with the same idempotency key, which the gateway
answers with its first answer.
"""

import logging
import os
import random
import signal
import socket
import threading
import time
from datetime import timedelta

from flask import current_app

from ..database import utcnow
from ..extensions import db
from .client import GatewayClient, Outcome, backoff_delay
from .outbox import (
    OutboxMessage,
    acquire_sqlite_lease,
    claim_due,
    release_sqlite_lease,
)

log = logging.getLogger(__name__)


class SyncWorker:
    def __init__(self, app, *, client: GatewayClient | None = None, batch_size: int = 20,
                 poll_interval: float = 1.0, lease_seconds: float = 60.0,
                 max_attempts: int | None = None, backoff_base: float | None = None,
                 backoff_cap: float | None = None, dry_run: bool | None = None):
        config = app.config
        self.app = app
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{random.randrange(16**6):06x}"
        self.client = client or GatewayClient(
            config["GATEWAY_URL"], config["GATEWAY_CLIENT_ID"], config["GATEWAY_CLIENT_SECRET"],
            timeout=float(config.get("GATEWAY_TIMEOUT", 10.0)))
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts or int(config.get("GATEWAY_MAX_ATTEMPTS", 12))
        self.backoff_base = backoff_base if backoff_base is not None else float(
            config.get("GATEWAY_BACKOFF_BASE", 2.0))
        self.backoff_cap = backoff_cap if backoff_cap is not None else float(
            config.get("GATEWAY_BACKOFF_CAP", 300.0))
        self.dry_run = config.get("GATEWAY_DRY_RUN", False) if dry_run is None else dry_run
        self.stopping = threading.Event()
        self.delivered = 0

    # ------------------------------------------------------------------ lifecycle

    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame):
            log.info("signal %s: finishing the message in hand, then stopping", signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> int:
        """Deliver until stopped (or, with ``until_idle``, until nothing is due)."""
        started = time.monotonic()
        sqlite = None
        with self.app.app_context():
            sqlite = db.engine.dialect.name == "sqlite"
            try:
                while not self.stopping.is_set():
                    if max_seconds is not None and time.monotonic() - started > max_seconds:
                        break
                    if sqlite and not self._hold_sqlite_lease():
                        self.stopping.wait(self.poll_interval)
                        continue
                    handled = self.run_once()
                    if handled == 0:
                        if until_idle:
                            break
                        self.stopping.wait(self.poll_interval)
            finally:
                if sqlite:
                    release_sqlite_lease(self.worker_id)
                    db.session.commit()
                db.session.remove()
        return self.delivered

    def _hold_sqlite_lease(self) -> bool:
        held = acquire_sqlite_lease(self.worker_id, self.lease_seconds)
        db.session.commit()
        return held

    # ------------------------------------------------------------------ one round

    def run_once(self) -> int:
        ids = claim_due(self.worker_id, self.batch_size, self.lease_seconds)
        db.session.commit()
        for message_id in ids:
            if self.stopping.is_set():
                self._release(message_id)
                continue
            self._deliver(message_id)
        return len(ids)

    def _release(self, message_id: int) -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message is not None and message.locked_by == self.worker_id:
            message.locked_by = message.locked_until = None
            db.session.commit()

    def _deliver(self, message_id: int) -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.state != "pending" or message.locked_by != self.worker_id:
            db.session.rollback()
            return
        method, path, key, body = message.method, message.path, message.idempotency_key, \
            message.payload
        db.session.commit()  # no transaction stays open while we talk to the network
        if self.dry_run:
            self._finish(message_id, "sent", status=None, error="", dry_run=True)
            return
        result = self.client.send(method, path, body, idempotency_key=key)
        if result.outcome is Outcome.OK:
            self._finish(message_id, "sent", status=result.status, error="")
        elif result.outcome is Outcome.REJECTED:
            self._finish(message_id, "rejected", status=result.status, error=result.message)
        else:
            self._retry_later(message_id, result)

    def _finish(self, message_id: int, state: str, *, status, error: str,
                dry_run: bool = False) -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message.locked_by != self.worker_id:
            db.session.rollback()  # our lease ran out and another worker took over
            return
        message.state = state
        message.attempts += 1
        message.last_status = status
        message.last_error = error
        message.dry_run = dry_run
        message.locked_by = message.locked_until = None
        if state == "sent":
            message.sent_at = utcnow()
            self.delivered += 1
        db.session.commit()

    def _retry_later(self, message_id: int, result) -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message.locked_by != self.worker_id:
            db.session.rollback()
            return
        message.last_status = result.status
        message.last_error = result.message
        message.locked_by = message.locked_until = None
        if result.outcome is Outcome.BLOCKED:
            message.waits += 1
            delay = backoff_delay(min(message.waits - 1, 8), base=self.backoff_base,
                                  cap=self.backoff_cap, retry_after=result.retry_after)
            message.next_attempt_at = utcnow() + timedelta(seconds=delay)
            db.session.commit()
            return
        message.attempts += 1
        if message.attempts >= self.max_attempts:
            message.state = "dead"
            log.warning("message %s is dead after %s attempts: %s", message.id,
                        message.attempts, result.message)
        else:
            delay = backoff_delay(message.attempts - 1, base=self.backoff_base,
                                  cap=self.backoff_cap, retry_after=result.retry_after)
            message.next_attempt_at = utcnow() + timedelta(seconds=delay)
        db.session.commit()


def make_worker(**options) -> SyncWorker:
    return SyncWorker(current_app._get_current_object(), **options)
