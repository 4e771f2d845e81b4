"""Injected faults, each one classified as transient by the client, and the rate limit."""

import socket
import threading
import time

import pytest

from traceability.gateway.client import GatewayClient, Outcome
from traceability.gateway.simulator.faults import FaultInjector

from . import sample
from .conftest import CLIENT_ID, CLIENT_SECRET


def _applied(admin) -> int:
    return len(admin.get("/state").json()["applied_log"])


def _faults(admin, **settings) -> dict:
    answer = admin.post("/faults", json=settings)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def authenticated(gateway):
    """The client holds a token, so faults meet the call under test, not the token fetch."""
    assert gateway.authenticate().ok
    return gateway


def test_server_errors_are_transient_and_change_nothing(authenticated, admin, keys):
    _faults(admin, error_5xx=1.0)
    result = authenticated.put_organization(sample.TAX_CODE, sample.organization(), keys())
    assert result.outcome is Outcome.TRANSIENT
    assert result.status in (500, 502, 503)
    assert result.code == "injected_error"
    assert _applied(admin) == 0
    assert admin.get("/faults").json()["injected"] == {"error_5xx": 1}


def test_an_error_after_the_write_is_healed_by_replaying_the_key(authenticated, admin):
    _faults(admin, sequence=["error_5xx:after"])
    lost = authenticated.put_organization(sample.TAX_CODE, sample.organization(), "org")
    assert lost.outcome is Outcome.TRANSIENT
    assert _applied(admin) == 1
    retried = authenticated.put_organization(sample.TAX_CODE, sample.organization(), "org")
    assert retried.ok and retried.replayed
    assert _applied(admin) == 1


def test_injected_429_carries_retry_after(authenticated, admin, keys):
    _faults(admin, rate_429=1.0, retry_after=7)
    result = authenticated.list_lots()
    assert result.outcome is Outcome.TRANSIENT
    assert result.status == 429
    assert result.retry_after == 7


def test_the_rate_limit_answers_429_with_retry_after(authenticated, admin):
    admin.post("/config", json={"rate_limit": 2})
    results = [authenticated.list_lots() for _ in range(4)]
    assert [result.status for result in results[:2]] == [200, 200]
    limited = [result for result in results if result.status == 429]
    assert limited
    assert limited[0].outcome is Outcome.TRANSIENT
    assert limited[0].retry_after >= 1
    assert limited[0].code == "rate_limited"


def test_rate_limit_from_config(simulator_database):
    from traceability.gateway.simulator import serve_in_thread

    running = serve_in_thread({**simulator_database, "SIM_RATE_LIMIT": 1})
    try:
        with GatewayClient(running.url, CLIENT_ID, CLIENT_SECRET) as client:
            assert client.authenticate().ok
            assert client.list_lots().ok
            assert client.list_lots().status == 429
    finally:
        running.stop()


def test_a_timeout_is_transient(simulator, admin):
    _faults(admin, timeout=1.0, timeout_seconds=2.0)
    with GatewayClient(simulator.url, CLIENT_ID, CLIENT_SECRET, timeout=0.3) as client:
        started = time.monotonic()
        result = client.list_lots()
    assert result.outcome is Outcome.TRANSIENT
    assert result.status is None
    assert result.error.startswith("timeout")
    assert time.monotonic() - started < 1.5


def test_a_slow_write_still_lands_and_the_replay_confirms_it(simulator, admin):
    with GatewayClient(simulator.url, CLIENT_ID, CLIENT_SECRET, timeout=0.3) as client:
        assert client.authenticate().ok
        _faults(admin, sequence=["timeout:after"], timeout_seconds=2.0)
        lost = client.put_organization(sample.TAX_CODE, sample.organization(), "org")
        assert lost.outcome is Outcome.TRANSIENT
        again = client.put_organization(sample.TAX_CODE, sample.organization(), "org")
    assert again.ok and again.replayed
    assert _applied(admin) == 1


def test_a_dropped_connection_is_transient(authenticated, admin, keys):
    _faults(admin, drop=1.0)
    result = authenticated.put_organization(sample.TAX_CODE, sample.organization(), keys())
    assert result.outcome is Outcome.TRANSIENT
    assert result.status is None
    assert result.error.startswith("network error")
    assert _applied(admin) == 0


def test_a_connection_dropped_after_the_write_keeps_it_exactly_once(authenticated, admin):
    _faults(admin, sequence=["drop:after", "drop:after"])
    for _ in range(2):
        lost = authenticated.put_organization(sample.TAX_CODE, sample.organization(), "org")
        assert lost.outcome is Outcome.TRANSIENT
    delivered = authenticated.put_organization(sample.TAX_CODE, sample.organization(), "org")
    assert delivered.ok and delivered.replayed
    state = admin.get("/state").json()
    assert len(state["applied_log"]) == 1
    assert state["replays"]["total"] == 2  # the second drop hit a replay already


def test_a_dropped_connection_gives_no_http_answer_at_all(simulator, admin):
    _faults(admin, drop=1.0)
    with socket.create_connection((simulator.server.host, simulator.server.port), 2) as sock:
        sock.sendall(b"GET /lots HTTP/1.1\r\nHost: sim\r\n\r\n")
        assert sock.recv(1024) == b""


def test_down_answers_503_with_retry_after_but_admin_still_works(authenticated, admin):
    _faults(admin, down=True, down_retry_after=30)
    result = authenticated.list_lots()
    assert result.outcome is Outcome.TRANSIENT
    assert result.status == 503
    assert result.retry_after == 30
    assert admin.get("/state").status_code == 200
    admin.delete("/faults")
    assert authenticated.list_lots().ok


def test_a_token_fetch_failing_is_transient(gateway, admin):
    _faults(admin, down=True)
    result = gateway.list_lots()
    assert result.outcome is Outcome.TRANSIENT
    assert result.status == 503


def test_connection_refused_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GatewayClient(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET) as client:
        result = client.put_organization(sample.TAX_CODE, sample.organization(), "k")
    assert result.outcome is Outcome.TRANSIENT
    assert "ConnectError" in result.error


def test_latency_slows_every_answer(authenticated, admin):
    _faults(admin, latency_ms=200)
    started = time.monotonic()
    assert authenticated.list_lots().ok
    assert time.monotonic() - started >= 0.2


def test_faults_can_target_some_paths_only(authenticated, admin, keys):
    _faults(admin, error_5xx=1.0, paths=["/products"])
    assert authenticated.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    assert authenticated.put_product(sample.GTIN, sample.product(), keys()).status >= 500


def test_a_sequence_scripts_the_next_answers(authenticated, admin):
    _faults(admin, sequence=["rate_429", "ok", "error_5xx"])
    statuses = [authenticated.list_lots().status for _ in range(4)]
    assert statuses[0] == 429
    assert statuses[1] == 200
    assert statuses[2] >= 500
    assert statuses[3] == 200


def test_fault_settings_are_checked(admin):
    answer = admin.post("/faults", json={"error_5xx": 0.7, "drop": 0.5, "phase": "soon",
                                         "sequence": ["explode"], "nonsense": 1})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    for reason in ("more than 1", "phase", "sequence", "nonsense"):
        assert reason in detail
    assert admin.post("/config", json={"token_ttl": 0}).status_code == 400


def test_reset_forgets_data_and_faults(gateway, admin, keys):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    _faults(admin, error_5xx=0.5)
    admin.post("/config", json={"token_ttl": 5})
    assert admin.post("/reset").json() == {"reset": True}
    state = admin.get("/state").json()
    assert state["counts"]["organizations"] == 0
    assert state["applied_log"] == []
    assert state["faults"]["error_5xx"] == 0
    assert state["config"]["token_ttl"] == 300


def test_seeded_fault_decisions_repeat_and_rates_hold():
    def draws(seed: int) -> list:
        injector = FaultInjector(seed)
        injector.configure({"error_5xx": 0.2, "drop": 0.1, "phase": "either"})
        return [injector.decide("/lots") for _ in range(2000)]

    first, second = draws(5), draws(5)
    assert first == second
    assert 300 < sum(d.kind == "error_5xx" for d in first) < 500
    assert 120 < sum(d.kind == "drop" for d in first) < 280
    assert {d.phase for d in first if d.kind} == {"before", "after"}


def test_fault_decisions_are_thread_safe():
    injector = FaultInjector(1)
    injector.configure({"sequence": ["drop"] * 500})
    kinds: list = []
    lock = threading.Lock()

    def decide() -> None:
        for _ in range(100):
            decision = injector.decide("/events")
            with lock:
                kinds.append(decision.kind)

    threads = [threading.Thread(target=decide) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert kinds.count("drop") == 500
    assert kinds.count(None) == 300
    assert injector.snapshot()["injected"] == {"drop": 500}
