"""The simulator as an application: config, environment, admin token, and its runner."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.vectors import load_json
from traceability.gateway.simulator import create_simulator_app, settings_from_env
from traceability.gateway.simulator.database import PROJECT_ROOT, default_database_url
from traceability.gateway.simulator.faults import ConnectionDropped
from traceability.gateway.simulator.rules import gs1_check_digit, lot_of_identifier, normalize_gtin


@pytest.fixture
def memory_app():
    apps = []

    def make(**config):
        app = create_simulator_app({"SIM_DATABASE_URL": "sqlite://", **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["gateway_simulator"].close()


def _token(client, client_id="traceability-local", secret="local-secret"):
    return client.post("/oauth/token", data={"grant_type": "client_credentials",
                                             "client_id": client_id, "client_secret": secret})


def test_default_database_is_in_the_instance_folder():
    assert default_database_url() == "sqlite:///" + str(
        PROJECT_ROOT / "instance" / "gateway_sim.sqlite")
    assert (PROJECT_ROOT / "traceability").is_dir()


def test_clients_ttl_and_auto_activation_come_from_config(memory_app):
    client = memory_app(SIM_CLIENTS={"province": "s3cret"}, SIM_TOKEN_TTL=60,
                        SIM_AUTO_ACTIVATE_AFTER=0).test_client()
    assert _token(client).status_code == 401
    answer = _token(client, "province", "s3cret")
    assert answer.json["expires_in"] == 60
    headers = {"Authorization": "Bearer " + answer.json["access_token"],
               "Idempotency-Key": "k"}
    created = client.put("/organizations/0301234567", headers=headers, json={
        "ten": "A", "diaChi": "B", "tinhThanh": "Long An"})
    assert created.json["trangThai"] == "hoat_dong"


def test_invalid_config_is_refused(memory_app):
    with pytest.raises(ValueError, match="token_ttl"):
        memory_app(SIM_TOKEN_TTL=0)


def test_admin_token_guards_the_admin_surface(memory_app):
    client = memory_app(SIM_ADMIN_TOKEN="open-sesame").test_client()
    assert client.get("/_sim/state").status_code == 401
    assert client.get("/_sim/state", headers={"X-Sim-Admin-Token": "open-sesame"}).status_code \
        == 200


def test_drop_without_a_socket_fails_the_request(memory_app):
    client = memory_app(SIM_FAULTS={"drop": 1.0}, TESTING=True).test_client()
    with pytest.raises(ConnectionDropped):
        client.get("/lots")


def test_settings_from_the_environment():
    config = settings_from_env({
        "SIM_DATABASE_URL": "postgres://db/sim", "SIM_TOKEN_TTL": "60", "SIM_RATE_LIMIT": "5",
        "SIM_AUTO_ACTIVATE_AFTER": "2.5", "SIM_FAULT_SEED": "7", "SIM_ADMIN_TOKEN": "t",
        "SIM_CLIENTS": "a:1,b:2:3",
    })
    assert config == {"SIM_DATABASE_URL": "postgres://db/sim", "SIM_ADMIN_TOKEN": "t",
                      "SIM_TOKEN_TTL": 60.0, "SIM_RATE_LIMIT": 5.0,
                      "SIM_AUTO_ACTIVATE_AFTER": 2.5, "SIM_FAULT_SEED": 7,
                      "SIM_CLIENTS": {"a": "1", "b": "2:3"}}
    shared = settings_from_env({"GATEWAY_CLIENT_ID": "x", "GATEWAY_CLIENT_SECRET": "y"})
    assert shared == {"SIM_CLIENTS": {"x": "y"}}


def test_python_dash_m_serves_the_simulator(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = f"sqlite:///{tmp_path / 'sim.sqlite'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "traceability.gateway.simulator", "--port", str(port),
         "--database-url", database],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, env={**os.environ, "SIM_TOKEN_TTL": "42"},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/_sim/config", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.json()["token_ttl"] == 42
        assert (tmp_path / "sim.sqlite").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_lgtin_urns_from_the_gs1_vectors_name_their_lots():
    cases = load_json("epc_uri_cases.json")
    if cases is None:
        pytest.skip("GS1 vectors folder not present")
    lgtins = [case for case in cases["cases"] if case["epc_urn"].startswith(
        "urn:epc:class:lgtin:")]
    assert lgtins
    for case in lgtins:
        elements = {element["ai"]: element["value"] for element in case["expected_elements"]}
        assert lot_of_identifier(case["epc_urn"]) == (elements["01"], elements["10"])
        assert lot_of_identifier(case["expected_dl_uri"]) == (elements["01"], elements["10"])


def test_gtins_from_the_gs1_vectors():
    vectors = load_json("gtin_cases.json")
    if vectors is None:
        pytest.skip("GS1 vectors folder not present")
    cases = [case for group in ("parity_with_corrected_digit", "biip")
             for case in vectors["groups"][group]["cases"]
             if "input" in case and "key_type" not in case and case["input"] == case[
                 "input"].strip()]
    assert len(cases) > 30
    for case in cases:
        normalized = normalize_gtin(case["input"])
        if not case["valid"]:
            assert normalized is None, case
        else:
            assert normalized == case.get("expected_gtin14", case["input"].zfill(14)), case
    for case in vectors["groups"]["biip"]["cases"]:
        if case.get("operation") == "compute_check_digit" and "expected_check_digit" in case:
            assert gs1_check_digit(case["payload"]) == case["expected_check_digit"]


@pytest.mark.parametrize(("identifier", "expected"), [
    ("https://id.gs1.org/01/09506000134352/10/ABC%2F1", ("09506000134352", "ABC/1")),
    ("https://shop.example/p/01/9506000134352/22/2A/10/L1/21/S9?x=1", ("09506000134352", "L1")),
    ("https://id.gs1.org/01/09506000134352/21/S1", None),
    ("https://id.gs1.org/01/09506000134353/10/L1", None),
    ("urn:epc:id:sgtin:4012345.011122.25", None),
    ("urn:epc:class:lgtin:4012345.01", None),
    (None, None),
])
def test_lot_identifiers(identifier, expected):
    assert lot_of_identifier(identifier) == expected


def test_an_unexpected_error_is_a_500_problem(memory_app, monkeypatch):
    from traceability.gateway.simulator import services

    def broken(*_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "put_organization", broken)
    client = memory_app().test_client()
    token = _token(client).json["access_token"]
    answer = client.put("/organizations/0301234567", json={}, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": "k"})
    assert answer.status_code == 500
    assert answer.mimetype == "application/problem+json"
    assert "disk on fire" not in answer.get_data(as_text=True)
