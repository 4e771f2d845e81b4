"""Idempotency keys: required, replays answer the first answer, reuse for other data is 422."""

import json
import threading

from traceability.gateway.client import GatewayClient, Outcome

from . import sample
from .conftest import OTHER_CLIENT


def _state(admin) -> dict:
    return admin.get("/state").json()


def test_writes_without_an_idempotency_key_are_400(raw, token):
    answer = raw.put(f"/organizations/{sample.TAX_CODE}", json=sample.organization(),
                     headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_missing"
    too_long = raw.put(f"/organizations/{sample.TAX_CODE}", json=sample.organization(),
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400


def test_client_refuses_a_write_without_key(gateway):
    try:
        gateway.send("PUT", f"/organizations/{sample.TAX_CODE}", sample.organization())
    except ValueError:
        return
    raise AssertionError("a write without key must not be sent")


def test_replay_answers_the_first_answer_and_changes_nothing(gateway, admin):
    first = gateway.put_organization(sample.TAX_CODE, sample.organization(), "org-1")
    replay = gateway.put_organization(sample.TAX_CODE, sample.organization(), "org-1")
    assert first.status == replay.status == 201
    assert replay.body == first.body
    assert replay.outcome is Outcome.OK
    assert replay.replayed and not first.replayed
    state = _state(admin)
    assert [entry["kind"] for entry in state["applied_log"]] == ["organization"]
    assert state["replays"] == {"total": 1, "by_kind": {"organization": 1}}


def test_same_body_in_another_key_order_is_still_a_replay(raw, token, admin):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "same",
               "Content-Type": "application/json"}
    body = sample.organization()
    first = raw.put(f"/organizations/{sample.TAX_CODE}", content=json.dumps(body),
                    headers=headers)
    reordered = dict(reversed(list(body.items())))
    again = raw.put(f"/organizations/{sample.TAX_CODE}", content=json.dumps(reordered, indent=2),
                    headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_another_body_is_422_and_changes_nothing(gateway, admin):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), "org-1").ok
    other = gateway.put_organization(sample.TAX_CODE, sample.organization(ten="Khác"), "org-1")
    assert other.status == 422
    assert other.outcome is Outcome.REJECTED
    assert other.code == "idempotency_key_reused"
    elsewhere = gateway.put_organization(sample.OTHER_TAX_CODE, sample.organization(), "org-1")
    assert elsewhere.status == 422
    state = _state(admin)
    assert len(state["applied_log"]) == 1
    assert state["counts"]["organizations"] == 1
    held = admin.get("/records/organizations").json()["items"]
    assert held[0]["ten"] == sample.organization()["ten"]


def test_a_refusal_is_not_remembered_so_the_key_works_once_fixed(gateway, admin):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), "org").ok
    blocked = gateway.put_product(sample.GTIN, sample.product(), "product-1")
    assert blocked.outcome is Outcome.BLOCKED
    admin.post(f"/organizations/{sample.TAX_CODE}/activate")
    retried = gateway.put_product(sample.GTIN, sample.product(), "product-1")
    assert retried.status == 201
    assert not retried.replayed


def test_keys_belong_to_one_client(gateway, simulator):
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), "shared").ok
    with GatewayClient(simulator.url, *OTHER_CLIENT, timeout=3.0) as other:
        result = other.put_organization(sample.OTHER_TAX_CODE, sample.organization(), "shared")
    assert result.status == 201
    assert not result.replayed


def test_concurrent_sends_of_one_key_apply_once(gateway, admin):
    results = []

    def send() -> None:
        results.append(gateway.put_organization(sample.TAX_CODE, sample.organization(), "race"))

    gateway.authenticate()
    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.status == 201 for result in results)
    assert sum(not result.replayed for result in results) == 1
    state = _state(admin)
    assert len(state["applied_log"]) == 1
    assert state["replays"]["total"] == 7


def test_each_key_is_applied_exactly_once_in_the_log(gateway, admin, keys):
    sent = [keys() for _ in range(3)]
    for key in sent + sent:
        assert gateway.put_organization(sample.TAX_CODE, sample.organization(), key).ok
    log = _state(admin)["applied_log"]
    assert sorted(entry["idempotency_key"] for entry in log) == sorted(sent)
    assert [entry["seq"] for entry in log] == [1, 2, 3]


def test_malformed_bodies_are_400(raw, token):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k",
               "Content-Type": "application/json"}
    for content in (b"{", b'{"ten": NaN}', b"[1]"):
        answer = raw.put(f"/organizations/{sample.TAX_CODE}", content=content, headers=headers)
        assert answer.status_code == 400, content
        assert answer.json()["code"] in ("malformed_json", "malformed_body")
