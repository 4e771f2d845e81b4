"""Injected faults and the rate limit: how the simulator misbehaves on purpose.

Faults touch only the gateway's own routes, never the ``/_sim`` admin surface. Decisions are
drawn from one random generator (seedable) under a lock, so concurrent requests never share a
draw and a seeded run is reproducible request by request.
"""

import math
import random
import socket
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import asdict, dataclass, field, fields

FAULT_KINDS = ("error_5xx", "rate_429", "timeout", "drop")
PHASES = ("before", "after", "either")


class ConnectionDropped(ConnectionError):
    """Raised where no socket can be closed (the Flask test client): the request just fails."""


@dataclass
class FaultSettings:
    """What ``POST /_sim/faults`` sets. Rates are probabilities per request (0..1).

    ``phase`` says when a fault strikes: ``before`` the request is handled (nothing changes),
    ``after`` it was handled and committed (only the answer is lost), or ``either`` at random.
    ``sequence`` lists faults for the next requests, one each, before any rate applies:
    entries are a kind, ``"ok"``, or ``"kind:after"`` / ``"kind:before"``.
    ``paths`` limits faults to requests whose path starts with one of these prefixes.
    """

    error_5xx: float = 0.0
    rate_429: float = 0.0
    retry_after: int = 1
    timeout: float = 0.0
    timeout_seconds: float = 30.0
    drop: float = 0.0
    latency_ms: int = 0
    down: bool = False
    down_retry_after: int = 5
    phase: str = "before"
    sequence: list[str] = field(default_factory=list)
    paths: list[str] | None = None


@dataclass(frozen=True)
class FaultDecision:
    down: bool = False
    latency: float = 0.0
    kind: str | None = None
    phase: str = "before"


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._settings = FaultSettings()
        self._injected: Counter[str] = Counter()
        self._wake = threading.Event()

    def configure(self, changes: dict) -> dict:
        """Merge ``changes`` into the settings; ValueError (with every reason) if invalid."""
        known = {f.name for f in fields(FaultSettings)} | {"seed"}
        problems = [f"unknown setting {name!r}" for name in changes if name not in known]
        with self._lock:
            candidate = FaultSettings(**asdict(self._settings))
            for name, value in changes.items():
                if name in known and name != "seed":
                    setattr(candidate, name, value)
            problems += _problems_with(candidate)
            if "seed" in changes and not isinstance(changes["seed"], int | None):
                problems.append("seed must be an integer or null")
            if problems:
                raise ValueError("; ".join(problems))
            if "seed" in changes:
                self._rng.seed(changes["seed"])
            self._settings = candidate
            self._wake = threading.Event()
            return asdict(candidate)

    def clear(self, seed: int | None = None) -> None:
        """Back to a well-behaved gateway; wakes requests sleeping in a timeout fault."""
        with self._lock:
            self._settings = FaultSettings()
            self._injected.clear()
            self._rng.seed(seed)
            self._wake.set()
            self._wake = threading.Event()

    def snapshot(self) -> dict:
        with self._lock:
            return {**asdict(self._settings), "injected": dict(self._injected)}

    def decide(self, path: str) -> FaultDecision:
        with self._lock:
            settings = self._settings
            if settings.paths is not None and not path.startswith(tuple(settings.paths)):
                return FaultDecision()
            latency = settings.latency_ms / 1000
            if settings.down:
                self._injected["down"] += 1
                return FaultDecision(down=True, latency=latency)
            if settings.sequence:
                kind, _, phase = settings.sequence.pop(0).partition(":")
                kind = None if kind == "ok" else kind
                phase = phase or settings.phase
            else:
                kind, phase = self._draw_kind(settings), settings.phase
            if kind is None:
                return FaultDecision(latency=latency)
            if phase == "either":
                phase = self._rng.choice(("before", "after"))
            self._injected[kind] += 1
            return FaultDecision(latency=latency, kind=kind, phase=phase)

    def _draw_kind(self, settings: FaultSettings) -> str | None:
        rates = [(kind, getattr(settings, kind)) for kind in FAULT_KINDS]
        if not any(rate for _, rate in rates):
            return None
        draw = self._rng.random()
        for kind, rate in rates:
            if draw < rate:
                return kind
            draw -= rate
        return None

    def choose_status(self) -> int:
        with self._lock:
            return self._rng.choice((500, 502, 503))

    @property
    def retry_after(self) -> int:
        return self._settings.retry_after

    @property
    def down_retry_after(self) -> int:
        return self._settings.down_retry_after

    def stall(self) -> None:
        """Hold the request longer than a client waits, unless the faults are cleared."""
        with self._lock:
            seconds, wake = self._settings.timeout_seconds, self._wake
        wake.wait(seconds)

    def pause(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                wake = self._wake
            wake.wait(seconds)


def _problems_with(settings: FaultSettings) -> list[str]:
    problems = []
    for kind in FAULT_KINDS:
        rate = getattr(settings, kind)
        if not _is_number(rate) or not 0 <= rate <= 1:
            problems.append(f"{kind} must be a probability between 0 and 1")
    if not problems and sum(getattr(settings, kind) for kind in FAULT_KINDS) > 1:
        problems.append("the fault rates add up to more than 1")
    for name in ("retry_after", "down_retry_after", "latency_ms"):
        if not isinstance(getattr(settings, name), int) or getattr(settings, name) < 0:
            problems.append(f"{name} must be a whole number, zero or more")
    if not _is_number(settings.timeout_seconds) or settings.timeout_seconds <= 0:
        problems.append("timeout_seconds must be a positive number")
    if not isinstance(settings.down, bool):
        problems.append("down must be true or false")
    if settings.phase not in PHASES:
        problems.append(f"phase must be one of {', '.join(PHASES)}")
    if not isinstance(settings.sequence, list) or not all(
        isinstance(entry, str) and _valid_sequence_entry(entry) for entry in settings.sequence
    ):
        problems.append("sequence must list entries like 'drop', 'error_5xx:after' or 'ok'")
    else:
        settings.sequence = list(settings.sequence)
    if settings.paths is not None and not (
        isinstance(settings.paths, list) and all(isinstance(p, str) for p in settings.paths)
    ):
        problems.append("paths must be a list of path prefixes or null")
    return problems


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _valid_sequence_entry(entry: str) -> bool:
    kind, separator, phase = entry.partition(":")
    if kind == "ok":
        return not separator
    return kind in FAULT_KINDS and (not separator or phase in PHASES)


def kill_connection(environ: dict) -> None:
    """Close the client's connection so it gets no answer at all.

    Shutting the socket down makes the server's later write fail with a broken pipe, which
    both werkzeug and gunicorn treat as a client that went away, so nothing is ever sent.
    """
    connection = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if connection is None:
        raise ConnectionDropped("connection dropped by an injected fault")
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class RateLimiter:
    """A token bucket per client: ``rate`` requests a second, bursts of up to ``rate``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait_needed(self, client: str, rate: float | None) -> int | None:
        """None when the request may go on, else the whole seconds to wait (Retry-After)."""
        if not rate:
            return None
        capacity = max(1.0, float(rate))
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return None
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / rate))

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
