"""Rate limits on the public surfaces, from settings, answered with 429 and ``Retry-After``.

* ``SCAN_RATE_LIMIT``: the scan path (resolver redirects and linksets, consumer pages, recall
  status), per client address. One scan is a redirect, a page and its stylesheet, and phones
  behind carrier NAT share addresses, so the default is generous; nginx enforces the tighter
  shared limit in front (``deploy/nginx-traceability.conf``).
* ``API_RATE_LIMIT``: the JSON API, per API key (a hash of it, never the key) or, without a
  key, per client address; one counter across every API blueprint.

Routes with their own limits (login, registration, password reset, consumer reports) keep them.
An empty setting switches that limit off. With several workers, counters are per process unless
``RATELIMIT_STORAGE_URI`` points at Redis.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request

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


def _setting(name: str):
    def value() -> str:
        return current_app.config.get(name) or ""

    def off() -> bool:
        return not value()

    return value, off


def limit_scans(blueprint: Blueprint) -> None:
    value, off = _setting("SCAN_RATE_LIMIT")
    limiter.shared_limit(value, scope="scans", key_func=client_address,
                         exempt_when=off)(blueprint)


def limit_api(blueprint: Blueprint) -> None:
    value, off = _setting("API_RATE_LIMIT")
    limiter.shared_limit(value, scope="api", key_func=api_client, exempt_when=off)(blueprint)
