"""Rate limits on every public surface, with ``Retry-After`` on the 429.

Run in a separate process: the suite's app is built with rate limits off, and the limiter is
one object per process.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = textwrap.dedent("""
    import json, sys
    from flask_migrate import upgrade
    from traceability import create_app
    from traceability.accounts import services as accounts
    from traceability.extensions import db
    from traceability.registry.models import Organization, Product

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RESOLVER_BASE_URL": "http://x",
                      "SCAN_RATE_LIMIT": "4 per minute", "API_RATE_LIMIT": "3 per minute",
                      "GATEWAY_ENABLED": False})
    gtin = sys.argv[2]
    with app.app_context():
        upgrade()
        org = Organization(name="O", tax_code="2200000001", kind="household", status="approved")
        db.session.add(org); db.session.flush()
        db.session.add(Product(organization_id=org.id, gtin=gtin, name="P"))
        user = accounts.create_user("a@example.vn", "business", organization_id=org.id)
        _, key = accounts.issue_api_key(user, "t")
        _, other_key = accounts.issue_api_key(user, "t2")
        db.session.commit()

    def answer(response):
        return {"status": response.status_code,
                "retry_after": response.headers.get("Retry-After"),
                "type": response.mimetype}

    results = {}
    client = app.test_client()
    scan = ["/01/" + gtin, "/scan/01/" + gtin, "/status/01/" + gtin + "/10/L1",
            "/01/" + gtin + "?linkType=linkset"]
    results["scans"] = [answer(client.get(path)) for path in scan + ["/01/" + gtin]]
    # Another address has its own allowance.
    results["scan_other_address"] = answer(
        client.get("/01/" + gtin, environ_base={"REMOTE_ADDR": "10.9.9.9"}))
    bearer = {"Authorization": "Bearer " + key}
    results["api"] = [answer(client.get("/api/v1/products", headers=bearer))
                      for _ in range(4)]
    results["api_other_key"] = answer(client.get(
        "/api/v1/products", headers={"Authorization": "Bearer " + other_key}))
    # Health checks are not counted.
    results["healthz"] = answer(client.get("/healthz"))
    results["login"] = [answer(client.post("/login", data={"email": "a@example.vn",
                                                           "password": "wrong"}))
                        for _ in range(11)]
    from traceability import ratelimits
    skipped = {}
    for check in ("GET /01/" + gtin, "HEAD /scan/01/" + gtin, "POST /report/01/" + gtin,
                  "GET /healthz", "GET /readyz", "GET /api/v1/products", "POST /login"):
        method, path = check.split()
        with app.test_request_context(path, method=method):
            skipped[check] = ratelimits._skips_limiter()
    results["guard"] = {"hooks": [getattr(hook, "__name__", "") for hook
                                  in app.before_request_funcs[None]], "skipped": skipped}
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    database = "sqlite:///" + str(tmp_path_factory.mktemp("limits") / "limits.sqlite")
    completed = subprocess.run([sys.executable, "-c", SCRIPT, database, "08930001000018"],
                               capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_scan_path_is_limited_per_address_with_retry_after(results):
    statuses = [r["status"] for r in results["scans"]]
    assert statuses == [307, 200, 200, 200, 429]
    breach = results["scans"][-1]
    assert int(breach["retry_after"]) > 0
    assert results["scan_other_address"]["status"] == 307


def test_api_is_limited_per_key_with_retry_after_and_a_problem(results):
    statuses = [r["status"] for r in results["api"]]
    assert statuses == [200, 200, 200, 429]
    breach = results["api"][-1]
    assert int(breach["retry_after"]) > 0
    assert breach["type"] == "application/problem+json"
    assert results["api_other_key"]["status"] == 200


def test_health_checks_are_not_limited(results):
    assert results["healthz"]["status"] == 200


def test_sign_in_is_limited_with_retry_after(results):
    statuses = [r["status"] for r in results["login"]]
    assert 429 not in statuses[:10] and statuses[-1] == 429
    assert int(results["login"][-1]["retry_after"]) > 0


def test_retry_after_only_on_refusals(results):
    assert all(r["retry_after"] is None for r in results["api"][:3] + results["scans"][:4])


def test_window_counter_counts_per_key_and_says_when_the_window_turns():
    from traceability.ratelimits import WindowCounter

    counter = WindowCounter()
    start = 1_800_000_000.0  # a window boundary for 60 s windows
    assert [counter.hit("a", 2, 60, start + 10) for _ in range(3)] == [0, 0, 50]
    assert counter.hit("b", 2, 60, start + 10) == 0
    assert counter.hit("a", 2, 60, start + 59.5) == 1
    assert counter.hit("a", 2, 60, start + 60) == 0  # a new window



def test_the_limiter_hook_is_guarded_and_skipped_only_where_no_limit_of_its_applies(results):
    guard = results["guard"]
    assert guard["hooks"].count("check_unless_skipped") == 1
    assert "_check_request_limit" not in guard["hooks"]  # replaced by the guard, not doubled
    assert guard["skipped"] == {
        "GET /01/08930001000018": True, "HEAD /scan/01/08930001000018": True,
        "POST /report/01/08930001000018": False,  # the report form keeps its own limit
        "GET /healthz": True, "GET /readyz": False, "GET /api/v1/products": False,
        "POST /login": False}
