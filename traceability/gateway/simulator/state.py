"""The running simulator: configuration, database, faults, and its adjustable settings."""

import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from flask import current_app

from .database import SimulatorDatabase, default_database_url
from .faults import FaultInjector, RateLimiter

EXTENSION_KEY = "gateway_simulator"
DEFAULT_CLIENTS = {"traceability-local": "local-secret"}


def utcnow() -> datetime:
    """Naive UTC, the form every time is stored in (SQLite keeps no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RuntimeSettings:
    """Settings ``/_sim/config`` may change while the simulator runs."""

    token_ttl: float = 300
    rate_limit: float | None = None
    auto_activate_after: float | None = None

    def problems(self) -> list[str]:
        problems = []
        if not _number(self.token_ttl) or self.token_ttl <= 0:
            problems.append("token_ttl must be a positive number of seconds")
        if self.rate_limit is not None and (not _number(self.rate_limit) or self.rate_limit <= 0):
            problems.append("rate_limit must be a positive number of requests a second, or null")
        if self.auto_activate_after is not None and (
            not _number(self.auto_activate_after) or self.auto_activate_after < 0
        ):
            problems.append("auto_activate_after must be seconds (0 or more), or null")
        return problems


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Simulator:
    """Everything one simulator app holds, kept in ``app.extensions``."""

    def __init__(self, config: dict) -> None:
        self.clients: dict[str, str] = dict(config.get("SIM_CLIENTS") or DEFAULT_CLIENTS)
        self.admin_token: str | None = config.get("SIM_ADMIN_TOKEN")
        self.initial_settings = RuntimeSettings(
            token_ttl=config.get("SIM_TOKEN_TTL", 300),
            rate_limit=config.get("SIM_RATE_LIMIT"),
            auto_activate_after=config.get("SIM_AUTO_ACTIVATE_AFTER"),
        )
        problems = self.initial_settings.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.settings = replace(self.initial_settings)
        self.seed: int | None = config.get("SIM_FAULT_SEED")
        self.initial_faults: dict = dict(config.get("SIM_FAULTS") or {})
        self.faults = FaultInjector(self.seed)
        self.faults.configure(self.initial_faults)
        self.rate_limiter = RateLimiter()
        # Writes are applied one at a time: the applied log's order is the commit order.
        self.write_lock = threading.Lock()
        self._settings_lock = threading.Lock()
        self.database = SimulatorDatabase(
            config.get("SIM_DATABASE_URL") or default_database_url(),
            config.get("SIM_DATABASE_SCHEMA"),
        )
        self.database.create_tables()

    def configure(self, changes: dict) -> dict:
        """Change runtime settings; ValueError (with every reason) if invalid."""
        unknown = [name for name in changes if name not in asdict(self.settings)]
        with self._settings_lock:
            candidate = replace(self.settings, **{
                name: value for name, value in changes.items() if name not in unknown
            })
            problems = [f"unknown setting {name!r}" for name in unknown] + candidate.problems()
            if problems:
                raise ValueError("; ".join(problems))
            self.settings = candidate
        return asdict(candidate)

    def reset(self) -> None:
        """Forget everything received and every injected fault; back to the start config."""
        with self.write_lock:
            self.database.clear()
        with self._settings_lock:
            self.settings = replace(self.initial_settings)
        self.faults.clear(self.seed)
        self.faults.configure(self.initial_faults)
        self.rate_limiter.clear()

    def close(self) -> None:
        self.faults.clear(self.seed)
        self.database.dispose()


def current_simulator() -> Simulator:
    return current_app.extensions[EXTENSION_KEY]
