"""Tokens: client credentials, expiry, and the 401s the client recovers from."""

import time

import httpx

from traceability.gateway.client import GatewayClient, Outcome

from . import sample
from .conftest import CLIENT_ID, CLIENT_SECRET

PROBLEM = "application/problem+json"


def _token_request(raw, **fields):
    return raw.post("/oauth/token", data={"grant_type": "client_credentials",
                                          "client_id": CLIENT_ID,
                                          "client_secret": CLIENT_SECRET, **fields})


def test_token_by_form_json_and_basic_auth(raw):
    answer = _token_request(raw)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] == 300
    assert answer.headers["Cache-Control"] == "no-store"
    as_json = raw.post("/oauth/token", json={"grant_type": "client_credentials",
                                             "client_id": CLIENT_ID,
                                             "client_secret": CLIENT_SECRET})
    assert as_json.status_code == 200
    basic = raw.post("/oauth/token", data={"grant_type": "client_credentials"},
                     auth=(CLIENT_ID, CLIENT_SECRET))
    assert basic.status_code == 200
    assert len({answer.json()["access_token"], as_json.json()["access_token"],
                basic.json()["access_token"]}) == 3


def test_wrong_secret_unknown_client_and_grant_are_refused(raw):
    wrong = _token_request(raw, client_secret="guess")
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"].startswith(PROBLEM)
    assert wrong.json()["error"] == "invalid_client"
    assert _token_request(raw, client_id="nobody").status_code == 401
    grant = _token_request(raw, grant_type="password")
    assert grant.status_code == 400
    assert grant.json()["code"] == "unsupported_grant_type"


def test_calls_without_a_valid_token_get_401_problems(raw, token):
    missing = raw.get("/lots")
    assert missing.status_code == 401
    assert missing.headers["Content-Type"].startswith(PROBLEM)
    assert missing.json()["code"] == "missing_token"
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    unknown = raw.get("/lots", headers={"Authorization": "Bearer forged"})
    assert unknown.json()["code"] == "invalid_token"
    write = raw.put(f"/organizations/{sample.TAX_CODE}", json=sample.organization(),
                    headers={"Idempotency-Key": "k"})
    assert write.status_code == 401
    assert raw.get("/lots", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_expires_after_its_ttl(raw, admin):
    admin.post("/config", json={"token_ttl": 1})
    answer = _token_request(raw)
    assert answer.json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert raw.get("/lots", headers=headers).status_code == 200
    time.sleep(1.1)
    expired = raw.get("/lots", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"


def test_client_refreshes_an_expired_token_itself(gateway, admin, keys):
    admin.post("/config", json={"token_ttl": 1})
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    time.sleep(1.1)
    assert gateway.get_organization(sample.TAX_CODE).ok


def test_client_fetches_a_new_token_on_401_and_retries_once(gateway, simulator, keys):
    assert gateway.authenticate().ok
    simulator.simulator.reset()  # the gateway forgets every token it issued
    result = gateway.put_organization(sample.TAX_CODE, sample.organization(), keys())
    assert result.outcome is Outcome.OK
    assert result.status == 201


def test_refused_credentials_are_transient_for_the_sync(simulator):
    with GatewayClient(simulator.url, CLIENT_ID, "wrong", timeout=3.0) as client:
        result = client.put_organization(sample.TAX_CODE, sample.organization(), "k1")
    assert result.outcome is Outcome.TRANSIENT
    assert result.status == 401
    assert result.code == "invalid_client"
    assert "Invalid client" in result.message


def test_401_after_a_fresh_token_is_transient():
    """A gateway that refuses even a fresh token: one refresh, one retry, then transient."""
    calls = []

    def gateway(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": f"t{len(calls)}",
                                             "expires_in": 300})
        return httpx.Response(401, json={"title": "Unauthorized", "code": "invalid_token"})

    http = httpx.Client(transport=httpx.MockTransport(gateway))
    client = GatewayClient("https://gateway.test", CLIENT_ID, CLIENT_SECRET, http=http)
    result = client.get_organization(sample.TAX_CODE)
    assert result.outcome is Outcome.TRANSIENT
    assert calls == ["/oauth/token", "/organizations/0301234567", "/oauth/token",
                     "/organizations/0301234567"]
    client.close()
    assert not http.is_closed  # a supplied http client stays the caller's


def test_token_is_cached_between_calls():
    tokens = []

    def gateway(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            tokens.append(request)
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        assert request.headers["Authorization"] == "Bearer t"
        return httpx.Response(200, json={"items": []})

    with httpx.Client(transport=httpx.MockTransport(gateway)) as http:
        client = GatewayClient("https://gateway.test/", CLIENT_ID, CLIENT_SECRET, http=http)
        for _ in range(3):
            assert client.list_lots().ok
    assert len(tokens) == 1
