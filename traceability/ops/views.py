"""App-wide operations hooks: Prometheus metrics at /metrics and structured request logs.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (the
Procfiles do) so that /metrics adds up every worker's counters.
"""

import json
import logging
import os
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from .logsafe import redact

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("traceability.access")

REQUESTS = Counter("traceability_http_requests_total", "HTTP requests answered",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("traceability_http_request_duration_seconds", "Time to answer",
                    ["endpoint"], buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                           2.5, 5, 10))
SCANS = Counter("traceability_scans_total", "Digital Link resolves (consumer scans)",
                ["outcome"])
SCAN_ENDPOINT_PREFIX = "resolver"


class OutboxCollector:
    """Outbox depth by state and the oldest pending message's age, read at scrape time."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from ..gateway import outbox

        with self.app.app_context():
            info = outbox.status()
        depth = GaugeMetricFamily("traceability_outbox_messages", "Outbox messages by state",
                                  labels=["state"])
        for state, count in info["counts"].items():
            depth.add_metric([state], count)
        yield depth
        yield GaugeMetricFamily("traceability_outbox_oldest_pending_seconds",
                                "Age of the oldest pending gateway message",
                                value=info["oldest_pending_age_seconds"] or 0.0)


@bp.before_app_request
def _start_timer():
    g.request_started = time.perf_counter()


@bp.after_app_request
def _observe(response):
    started = g.pop("request_started", None)
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(elapsed)
    if endpoint.startswith(SCAN_ENDPOINT_PREFIX) and request.method == "GET":
        SCANS.labels("found" if response.status_code < 400 else str(response.status_code)).inc()
    if current_app.config.get("ACCESS_LOG_JSON"):
        access_log.info(json.dumps({
            "method": request.method, "path": redact(request.path), "endpoint": endpoint,
            "status": response.status_code, "ms": round(elapsed * 1000, 2),
            "length": response.calculate_content_length(),
        }))
    return response


CSP = ("default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI starts itself with an inline script: only its page gets that allowance.
CSP_API_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


@bp.after_app_request
def _security_headers(response):
    """Every response gets them unless its view chose its own (one pass over the headers)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    missing = [] if "content-security-policy" in present else [
        ("Content-Security-Policy",
         CSP_API_DOCS if request.path.rstrip("/") == "/api/docs" else CSP)]
    missing.extend(pair for pair in SECURITY_HEADERS if pair[0].lower() not in present)
    if request.is_secure and "strict-transport-security" not in present:
        missing.append(HSTS)
    if missing:
        headers.extend(missing)
    return response


@bp.record_once
def _trust_proxy(state):
    """Behind nginx, believe its X-Forwarded-For/Proto (so HSTS and secure cookies apply)."""
    hops = state.app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        state.app.wsgi_app = ProxyFix(state.app.wsgi_app, x_for=hops, x_proto=hops,
                                      x_host=hops)


@bp.route("/metrics")
def metrics():
    """Prometheus metrics (requests, latency, scans, outbox depth and age)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token and request.headers.get("Authorization") != f"Bearer {token}":
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    output += generate_latest(_outbox_registry())
    return Response(output, mimetype=CONTENT_TYPE_LATEST)


def _outbox_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(OutboxCollector(current_app._get_current_object()))
    return registry
