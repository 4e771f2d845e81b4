"""The one door to the national gateway: every call the sync makes goes through here.

The gateway's real integration guide is not public, so this speaks the model of GATEWAY.md;
replacing it means replacing this module behind the same methods and result object.

Each call makes one attempt (plus one token refresh on a 401) and never raises for what the
gateway or the network does: it answers a :class:`GatewayResult` whose ``outcome`` tells the
worker what to do next. Retrying, with :func:`backoff_delay`, is the worker's business.
"""

import email.utils
import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# 409 codes meaning "something this depends on is not there yet": wait and retry.
BLOCKING_CODES = frozenset({
    "organization_not_active",
    "unknown_organization",
    "unknown_location",
    "unknown_product",
    "unknown_lot",
})
TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Refresh a little before the gateway's expiry, so a token never dies in flight.
TOKEN_EXPIRY_MARGIN = 30.0
LOTS_PAGE_SIZE = 500


class Outcome(StrEnum):
    OK = "ok"
    TRANSIENT = "transient"  # try again later (backoff, honouring retry_after)
    REJECTED = "rejected"  # a person must fix something; sending it again will not help
    BLOCKED = "blocked"  # a dependency is missing at the gateway; retry once it is there


@dataclass(frozen=True)
class GatewayResult:
    """What one call came to.

    ``body`` is the parsed JSON answer (or text); ``code``, ``detail`` and ``errors`` come
    from the gateway's problem details; ``error`` describes a network failure; ``replayed`` is
    true when the gateway answered a repeated idempotency key with its first answer.
    """

    outcome: Outcome
    status: int | None = None
    body: Any = None
    retry_after: float | None = None
    code: str | None = None
    title: str | None = None
    detail: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def message(self) -> str:
        """One line a person can read: the gateway's reason, or the network's."""
        if self.error:
            return self.error
        parts = [part for part in (self.title, self.detail) if part]
        for name, messages in self.errors.items():
            parts.append(f"{name}: {' '.join(messages)}")
        return " — ".join(parts) or f"HTTP {self.status}"


def path_for(*segments: object) -> str:
    """A request path from raw segments, each percent-encoded (a lot may hold ``/``, ``%``…)."""
    return "".join("/" + quote(str(segment), safe="") for segment in segments)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(attempt: int, base: float = 1.0, cap: float = 300.0,
                  retry_after: float | None = None, rng: Any = random) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)], which
    spreads many clients' retries instead of synchronising them. A ``Retry-After`` from the
    gateway is a floor: never retry earlier than it asked, even past ``cap``.
    """
    if attempt < 0:
        raise ValueError("attempt must be 0 or more")
    if base < 0 or cap < 0:
        raise ValueError("base and cap must not be negative")
    window = min(cap, base * 2.0 ** min(attempt, 64))
    delay = rng.uniform(0.0, window)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


class GatewayClient:
    """Client of the national gateway (client-credentials token, idempotent writes).

    Thread-safe: workers may share one client. ``http`` lets a caller supply (and own) the
    ``httpx.Client``; otherwise the client makes its own, closed by :meth:`close`.
    """

    def __init__(self, base_url: str, client_id: str, client_secret: str, timeout: float = 10.0,
                 http: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "GatewayClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- the gateway's resources -------------------------------------------------------------

    def put_organization(self, tax_code: str, body: Mapping, idempotency_key: str
                         ) -> GatewayResult:
        return self.send("PUT", path_for("organizations", tax_code), body, idempotency_key)

    def get_organization(self, tax_code: str) -> GatewayResult:
        """The profile as the gateway holds it, with its ``trangThai`` (activation)."""
        return self.send("GET", path_for("organizations", tax_code))

    def put_location(self, gln: str, body: Mapping, idempotency_key: str) -> GatewayResult:
        return self.send("PUT", path_for("locations", gln), body, idempotency_key)

    def put_product(self, gtin: str, body: Mapping, idempotency_key: str) -> GatewayResult:
        return self.send("PUT", path_for("products", gtin), body, idempotency_key)

    def put_lot(self, gtin: str, lot: str, body: Mapping, idempotency_key: str) -> GatewayResult:
        return self.send("PUT", path_for("lots", gtin, lot), body, idempotency_key)

    def post_events(self, document: Mapping, idempotency_key: str) -> GatewayResult:
        """Send an EPCISDocument; the body answers ``accepted`` and ``duplicates`` counts."""
        return self.send("POST", "/events", document, idempotency_key)

    def put_certificate(self, number: str, body: Mapping, idempotency_key: str) -> GatewayResult:
        return self.send("PUT", path_for("certificates", number), body, idempotency_key)

    def post_recall(self, body: Mapping, idempotency_key: str) -> GatewayResult:
        return self.send("POST", "/recalls", body, idempotency_key)

    def list_lots(self, tax_code: str | None = None, since: datetime | str | None = None,
                  page_size: int = LOTS_PAGE_SIZE) -> GatewayResult:
        """Every lot the gateway holds (for one organization, changed since a moment).

        Follows the pages; an ok result's body is ``{"items": [...]}``, any failing page's
        result is answered as is.
        """
        params: dict[str, str] = {"limit": str(page_size)}
        if tax_code:
            params["maSoThue"] = tax_code
        if since is not None:
            params["since"] = since.isoformat() if isinstance(since, datetime) else since
        items: list = []
        while True:
            result = self.send("GET", "/lots", params=params)
            if not result.ok:
                return result
            items.extend(result.body.get("items", []))
            cursor = result.body.get("nextCursor")
            if not cursor:
                return GatewayResult(Outcome.OK, status=result.status, body={"items": items})
            params["cursor"] = cursor

    def trace(self, gtin: str, lot: str) -> GatewayResult:
        return self.send("GET", path_for("trace", "01", gtin, "10", lot))

    # --- transport ---------------------------------------------------------------------------

    def send(self, method: str, path: str, body: Any = None, idempotency_key: str | None = None,
             *, params: Mapping[str, str] | None = None) -> GatewayResult:
        """One call to ``path`` (already percent-encoded, see :func:`path_for`)."""
        method = method.upper()
        if method in WRITE_METHODS and not idempotency_key:
            raise ValueError("every write to the gateway needs an idempotency key")
        headers = {"Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        for refreshed in (False, True):
            token = self._current_token(force=refreshed)
            if isinstance(token, GatewayResult):
                return token
            headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._http.request(
                    method, self.base_url + path, headers=headers, params=params,
                    json=body, timeout=self.timeout,
                )
            except httpx.HTTPError as error:
                return _network_failure(error)
            if response.status_code != 401:
                return classify(response)
            self._forget_token(token)
        return _with_outcome(classify(response), Outcome.TRANSIENT)

    def authenticate(self) -> GatewayResult:
        """Fetch a token now (it is otherwise fetched on first use)."""
        token = self._current_token(force=True)
        return token if isinstance(token, GatewayResult) else GatewayResult(Outcome.OK)

    def _current_token(self, *, force: bool) -> "str | GatewayResult":
        with self._token_lock:
            if not force and self._token and time.monotonic() < self._token_expires:
                return self._token
            try:
                response = self._http.post(
                    self.base_url + "/oauth/token",
                    data={"grant_type": "client_credentials", "client_id": self.client_id,
                          "client_secret": self._client_secret},
                    headers={"Accept": "application/json"}, timeout=self.timeout,
                )
            except httpx.HTTPError as error:
                return _network_failure(error)
            result = classify(response)
            if not result.ok:
                # Bad credentials need a person too, but the sync treats every auth failure
                # as transient so the message waits (and dies visibly) rather than is lost.
                return _with_outcome(result, Outcome.TRANSIENT)
            try:
                token = str(result.body["access_token"])
                lifetime = float(result.body.get("expires_in", 60))
            except (TypeError, KeyError, ValueError):
                return GatewayResult(Outcome.TRANSIENT, status=response.status_code,
                                     body=result.body, error="malformed token answer")
            started = time.monotonic()
            self._token = token
            self._token_expires = started + lifetime - min(TOKEN_EXPIRY_MARGIN, lifetime / 10)
            return token

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token == token:
                self._token = None


def classify(response: httpx.Response) -> GatewayResult:
    """Sort a gateway answer into ok / transient / rejected / blocked."""
    status = response.status_code
    body = _body_of(response)
    problem = body if isinstance(body, dict) else {}
    errors = problem.get("errors") if isinstance(problem.get("errors"), dict) else {}
    code = problem.get("code") or problem.get("error")
    if 200 <= status < 300:
        outcome = Outcome.OK
    elif status >= 500 or status in TRANSIENT_STATUSES or status == 401:
        outcome = Outcome.TRANSIENT
    elif status == 409 and code in BLOCKING_CODES:
        outcome = Outcome.BLOCKED
    else:
        outcome = Outcome.REJECTED
    return GatewayResult(
        outcome,
        status=status,
        body=body,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        code=code if isinstance(code, str) else None,
        title=problem.get("title") if outcome is not Outcome.OK else None,
        detail=problem.get("detail") if outcome is not Outcome.OK else None,
        errors={str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                for k, v in errors.items()},
        replayed=response.headers.get("Idempotent-Replayed", "").lower() == "true",
    )


def _body_of(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _network_failure(error: httpx.HTTPError) -> GatewayResult:
    kind = "timeout" if isinstance(error, httpx.TimeoutException) else "network error"
    return GatewayResult(Outcome.TRANSIENT, error=f"{kind}: {type(error).__name__}: {error}")


def _with_outcome(result: GatewayResult, outcome: Outcome) -> GatewayResult:
    return GatewayResult(outcome, status=result.status, body=result.body,
                         retry_after=result.retry_after, code=result.code, title=result.title,
                         detail=result.detail, errors=result.errors, error=result.error)
