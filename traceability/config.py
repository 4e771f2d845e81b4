"""Settings read from the environment; every name here is documented in the README."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def normalize_database_url(url: str) -> str:
    """Let people write the usual ``postgres://`` forms; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "traceability.sqlite")


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping for ``create_app``."""
    database_url = os.environ.get("DATABASE_URL") or default_sqlite_url(instance_path)
    secret_key = os.environ.get("SECRET_KEY")
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Public base of every Digital Link the service issues (no trailing slash).
        "RESOLVER_BASE_URL": os.environ.get("RESOLVER_BASE_URL", "http://127.0.0.1:5000").rstrip(
            "/"
        ),
        "GATEWAY_URL": os.environ.get("GATEWAY_URL", "http://127.0.0.1:5001").rstrip("/"),
        "GATEWAY_CLIENT_ID": os.environ.get("GATEWAY_CLIENT_ID", "traceability-local"),
        "GATEWAY_CLIENT_SECRET": os.environ.get("GATEWAY_CLIENT_SECRET", "local-secret"),
        "GATEWAY_DRY_RUN": _bool("GATEWAY_DRY_RUN", False),
        "GATEWAY_ENABLED": _bool("GATEWAY_ENABLED", True),
        "GATEWAY_TIMEOUT": float(os.environ.get("GATEWAY_TIMEOUT", "10")),
        "GATEWAY_MAX_ATTEMPTS": _int("GATEWAY_MAX_ATTEMPTS", 12),
        "GATEWAY_BACKOFF_BASE": float(os.environ.get("GATEWAY_BACKOFF_BASE", "2")),
        "GATEWAY_BACKOFF_CAP": float(os.environ.get("GATEWAY_BACKOFF_CAP", "300")),
        "GATEWAY_CONCURRENCY": _int("GATEWAY_CONCURRENCY", 8),
        "GATEWAY_LEASE_SECONDS": float(os.environ.get("GATEWAY_LEASE_SECONDS", "60")),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 200_000),
        "API_PAGE_SIZE_MAX": _int("API_PAGE_SIZE_MAX", 200),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "SCAN_RATE_LIMIT": os.environ.get("SCAN_RATE_LIMIT", "1200 per minute"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "1200 per minute"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Resolver: scan log, copy detection, consumer reports, cache.
        "GEO_REGION_HEADER": os.environ.get("GEO_REGION_HEADER", "X-Geo-Region"),
        "COPY_SCAN_THRESHOLD": _int("COPY_SCAN_THRESHOLD", 20),
        "COPY_DISTINCT_NETWORKS": _int("COPY_DISTINCT_NETWORKS", 5),
        "COPY_DISTINCT_REGIONS": _int("COPY_DISTINCT_REGIONS", 3),
        "COPY_WINDOW_HOURS": _int("COPY_WINDOW_HOURS", 72),
        "SCAN_FLUSH_SECONDS": float(os.environ.get("SCAN_FLUSH_SECONDS", "0.5")),
        "SCAN_FLUSH_SIZE": _int("SCAN_FLUSH_SIZE", 500),
        "RESOLVER_CACHE_CHECK_SECONDS": float(os.environ.get("RESOLVER_CACHE_CHECK_SECONDS",
                                                             "0.5")),
        "REPORT_MIN_SECONDS": float(os.environ.get("REPORT_MIN_SECONDS", "3")),
        "REPORT_RATE_LIMIT": os.environ.get("REPORT_RATE_LIMIT",
                                            "5 per minute;20 per hour;60 per day"),
        # Labels.
        "QR_ERROR_CORRECTION": os.environ.get("QR_ERROR_CORRECTION", "M"),
        "LABEL_MAX_SERIALS": _int("LABEL_MAX_SERIALS", 1_000_000),
        "LABEL_JOBS_DIR": os.environ.get("LABEL_JOBS_DIR", ""),
        "PASSWORD_RESET_MAX_AGE": _int("PASSWORD_RESET_MAX_AGE", 3600),
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "ACCESS_LOG_JSON": _bool("ACCESS_LOG_JSON", False),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@traceability.local"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_TRANSLATION_DIRECTORIES": "web/translations",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        # OpenAPI (flask-smorest); Swagger UI served from the pip-installed bundle, no CDN.
        "API_TITLE": "Traceability registry API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",
        # Anonymous callers are welcome where the contract says so; others send their key.
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"apiKey": {
                "type": "http", "scheme": "bearer",
                "description": "An API key: 'Authorization: Bearer <key>'"}}},
            "security": [{}, {"apiKey": []}],
        },
        "WTF_CSRF_TIME_LIMIT": None,
    }
