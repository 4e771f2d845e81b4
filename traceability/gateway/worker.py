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
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

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
CHORES_INTERVAL = 5.0


class SyncWorker:
    def __init__(self, app, *, client: GatewayClient | None = None, batch_size: int = 20,
                 poll_interval: float = 1.0, lease_seconds: float | None = None,
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
        self.lease_seconds = lease_seconds or float(config.get("GATEWAY_LEASE_SECONDS", 60.0))
        self.max_attempts = max_attempts or int(config.get("GATEWAY_MAX_ATTEMPTS", 12))
        self.backoff_base = backoff_base if backoff_base is not None else float(
            config.get("GATEWAY_BACKOFF_BASE", 2.0))
        self.backoff_cap = backoff_cap if backoff_cap is not None else float(
            config.get("GATEWAY_BACKOFF_CAP", 300.0))
        self.dry_run = config.get("GATEWAY_DRY_RUN", False) if dry_run is None else dry_run
        self.concurrency = int(config.get("GATEWAY_CONCURRENCY", 8))
        self.stopping = threading.Event()
        self._last_chores = 0.0
        self.delivered = 0

    # ------------------------------------------------------------------ lifecycle

    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame):
            log.info("signal %s: finishing the message in hand, then stopping", signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> int:
        """Deliver until stopped (or, with ``until_idle``, until nothing is due).

        Up to ``concurrency`` messages are in flight at once; as each answer comes back its
        slot is refilled by a new claim, so one slow call never holds the others up. Messages
        in flight together never depend on each other: the claim takes only what is
        deliverable now, and a message in flight still blocks what depends on it.
        """
        started = time.monotonic()
        in_flight: dict = {}
        ready: deque = deque()  # claimed (leased) and waiting for a free slot
        with self.app.app_context():
            sqlite = db.engine.dialect.name == "sqlite"
            executor = ThreadPoolExecutor(max_workers=self.concurrency,
                                          thread_name_prefix="gateway-send")
            try:
                while not self.stopping.is_set():
                    if max_seconds is not None and time.monotonic() - started > max_seconds:
                        break
                    if sqlite and not self._hold_sqlite_lease():
                        self.stopping.wait(self.poll_interval)
                        continue
                    if len(ready) < self.concurrency:
                        ready.extend(self._claim(max(self.batch_size, 2 * self.concurrency)))
                    while ready and len(in_flight) < self.concurrency:
                        call = ready.popleft()
                        if self.dry_run:
                            self._finish(call[0], "sent", status=None, error="", dry_run=True)
                        else:
                            in_flight[executor.submit(self._send, call)] = call[0]
                    self._chores()
                    if not in_flight:
                        if until_idle and not ready and not self._claimable_soon():
                            break
                        if not ready:
                            self.stopping.wait(self.poll_interval)
                        continue
                    done, _ = wait(in_flight, timeout=self.poll_interval,
                                   return_when=FIRST_COMPLETED)
                    for future in done:
                        self._record(in_flight.pop(future), future.result())
            finally:
                for future in list(in_flight):  # let calls in hand finish, record them
                    self._record(in_flight.pop(future), future.result())
                for call in ready:  # claimed but not sent: free them for other workers
                    self._release(call[0])
                executor.shutdown(wait=True)
                if sqlite:
                    release_sqlite_lease(self.worker_id)
                    db.session.commit()
                db.session.remove()
        return self.delivered

    def _release(self, message_id: int) -> None:
        db.session.execute(update(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.locked_by == self.worker_id)
            .values(locked_by=None, locked_until=None))
        db.session.commit()

    def _claimable_soon(self) -> bool:
        """With ``until_idle``: stop only when nothing could be claimed right now."""
        return bool(self._peek())

    def _peek(self) -> list[int]:
        ids = claim_due(self.worker_id, 1, 0.001)
        db.session.rollback()
        return ids

    def _claim(self, limit: int) -> list[tuple]:
        ids = claim_due(self.worker_id, limit, self.lease_seconds)
        db.session.commit()
        calls = []
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            if message is None or message.state != "pending" \
                    or message.locked_by != self.worker_id:
                continue
            calls.append((message_id, message.method, message.path, message.payload,
                          message.idempotency_key))
        db.session.commit()  # no transaction stays open while we talk to the network
        return calls

    def _send(self, call):
        _message_id, method, path, body, key = call
        return self.client.send(method, path, body, idempotency_key=key)

    def _record(self, message_id: int, result) -> None:
        if result.outcome is Outcome.OK:
            self._finish(message_id, "sent", status=result.status, error="")
        elif result.outcome is Outcome.REJECTED:
            self._finish(message_id, "rejected", status=result.status, error=result.message)
        else:
            self._retry_later(message_id, result)

    def _chores(self) -> None:
        """Recall notices ride along with the sync worker (same retries, same process)."""
        now = time.monotonic()
        if now - self._last_chores < CHORES_INTERVAL:
            return
        self._last_chores = now
        from ..oversight.notifications import deliver_due

        try:
            deliver_due()
        except Exception:  # noqa: BLE001 - a mail outage must not stop the gateway sync
            db.session.rollback()
            log.exception("delivering recall notices failed; will try again")

    def _hold_sqlite_lease(self) -> bool:
        held = acquire_sqlite_lease(self.worker_id, self.lease_seconds)
        db.session.commit()
        return held

    # ------------------------------------------------------------------ outcomes

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
