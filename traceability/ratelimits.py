"""Rate limits on the public surfaces, from settings, answered with 429 and ``Retry-After``.

* ``SCAN_RATE_LIMIT``: the scan path (resolver redirects and linksets, consumer pages, recall
  status), per client address. One scan is a redirect, a page and its stylesheet, and phones
  behind carrier NAT share addresses, so the default is generous; nginx enforces the tighter
  shared limit in front (``deploy/nginx-traceability.conf``). Counted in this process with a
  fixed window (a dictionary update): the limiter's storage would cost a scan more than the
  rest of the redirect (it starts a timer thread to expire its counters).
* ``API_RATE_LIMIT``: the JSON API, per API key (a hash of it, never the key) or, without a
  key, per client address; one counter across every API blueprint.

Routes with their own limits (login, registration, password reset, consumer reports) keep them.
An empty setting switches that limit off, as ``RATELIMIT_ENABLED=false`` switches all off. With
several workers, counters are per process (the scan path's always; the others unless
``RATELIMIT_STORAGE_URI`` points at Redis).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time

import limits
from flask import Blueprint, current_app, request
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter


def client_address() -> str:
    """The client's address (the proxy's ``X-Forwarded-For`` once ProxyFix trusts it)."""
    return request.remote_addr or "unknown"


def api_client() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return "key:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
    return "address:" + client_address()


class WindowCounter:
    """Hits per key in the current fixed window of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window: tuple[int, int] | None = None
        self._counts: dict[str, int] = {}

    def hit(self, key: str, amount: int, seconds: int, now: float | None = None) -> int:
        """Count a hit; 0 when allowed, else the seconds until the window turns."""
        now = time.time() if now is None else now
        window = (seconds, int(now // seconds))
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        if count <= amount:
            return 0
        return max(1, int((window[1] + 1) * seconds - now + 0.999))

    def reset(self) -> None:
        with self._lock:
            self._window, self._counts = None, {}


scan_counter = WindowCounter()


@functools.lru_cache(maxsize=8)
def _parsed(value: str) -> tuple[int, int]:
    item = limits.parse(value)
    return item.amount, item.get_expiry()


def check_scan_limit() -> None:
    """For the scan path's ``before_request``: 429 with ``Retry-After`` past the limit."""
    value = current_app.config.get("SCAN_RATE_LIMIT")
    if not value or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    amount, seconds = _parsed(value)
    wait = scan_counter.hit(client_address(), amount, seconds)
    if wait:
        raise TooManyRequests(
            "Too many scans from this address; try again shortly. / Quá nhiều lượt quét từ "
            "địa chỉ này, vui lòng thử lại sau ít phút.", retry_after=wait)


def limit_scans(blueprint: Blueprint) -> None:
    blueprint.before_request(check_scan_limit)
    limiter.exempt(blueprint)  # counted above; the report form keeps its own limit
    # The limiter's own hook would still work out, at every scan, that no limit of its applies
    # (about a tenth of a redirect's cost): reads skip it. Its one limit here is the report
    # form's POST, which still goes through it.
    _SKIPPED_BLUEPRINTS[blueprint.name] = _READS


def skip_limiter(endpoint: str) -> None:
    """Let a route that no limit applies to (the health probes) skip the limiter's hook."""
    _SKIPPED_ENDPOINTS.add(endpoint)


_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_SKIPPED_BLUEPRINTS: dict[str, frozenset[str]] = {}
_SKIPPED_ENDPOINTS: set[str] = set()


def _skips_limiter() -> bool:
    return (request.method in _SKIPPED_BLUEPRINTS.get(request.blueprint or "", ())
            or request.endpoint in _SKIPPED_ENDPOINTS)


def guard_limiter_hook(app) -> None:
    """Call after ``limiter.init_app``: its ``before_request`` hook is skipped where no limit
    of its applies (a request filter would still pay for most of its work)."""
    hooks = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit  # noqa: SLF001 - the hook init_app registered

    def check_unless_skipped() -> None:
        if not _skips_limiter():
            check()

    hooks[:] = [check_unless_skipped if hook == check else hook for hook in hooks]


def _api_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or ""


def limit_api(blueprint: Blueprint) -> None:
    limiter.shared_limit(_api_limit, scope="api", key_func=api_client,
                         exempt_when=lambda: not _api_limit())(blueprint)
