"""The client's pure parts: backoff, Retry-After, classification, path encoding."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from traceability.gateway.client import (
    BLOCKING_CODES,
    GatewayResult,
    Outcome,
    backoff_delay,
    classify,
    parse_retry_after,
    path_for,
)


@given(attempt=st.integers(0, 5000), base=st.floats(0.01, 10), cap=st.floats(0, 3600),
       seed=st.integers())
def test_backoff_stays_within_the_exponential_window(attempt, base, cap, seed):
    delay = backoff_delay(attempt, base=base, cap=cap, rng=random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2.0 ** min(attempt, 64))


@given(attempt=st.integers(0, 50), retry_after=st.floats(0, 10_000), seed=st.integers())
def test_backoff_never_retries_before_retry_after(attempt, retry_after, seed):
    delay = backoff_delay(attempt, base=1, cap=60, retry_after=retry_after,
                          rng=random.Random(seed))
    assert delay >= retry_after
    assert delay <= max(retry_after, 60)


def test_backoff_has_full_jitter_and_grows():
    rng = random.Random(3)
    early = [backoff_delay(1, base=1, cap=1000, rng=rng) for _ in range(500)]
    late = [backoff_delay(8, base=1, cap=1000, rng=rng) for _ in range(500)]
    assert min(early) < 0.1 and max(early) > 1.8  # spread over the whole [0, 2] window
    assert sum(late) / len(late) > 50 * sum(early) / len(early)
    assert max(backoff_delay(40, base=1, cap=30, rng=rng) for _ in range(200)) <= 30


def test_backoff_is_reproducible_with_a_seeded_rng_and_checks_arguments():
    assert backoff_delay(4, rng=random.Random(9)) == backoff_delay(4, rng=random.Random(9))
    assert backoff_delay(0, base=0) == 0
    with pytest.raises(ValueError):
        backoff_delay(-1)
    with pytest.raises(ValueError):
        backoff_delay(1, base=-1)


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True),
                             now=now) == 90
    assert parse_retry_after("Tue, 01 Oct 2024 07:00:00 GMT", now=now) == 0
    assert parse_retry_after("-5") == 0
    for useless in (None, "", "soon", "nan"):
        assert parse_retry_after(useless) is None


def _answer(status: int, body=None, **headers) -> GatewayResult:
    return classify(httpx.Response(status, json=body, headers=headers))


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.OK), (201, Outcome.OK), (202, Outcome.OK),
    (400, Outcome.REJECTED), (403, Outcome.REJECTED), (404, Outcome.REJECTED),
    (413, Outcome.REJECTED), (422, Outcome.REJECTED),
    (401, Outcome.TRANSIENT), (408, Outcome.TRANSIENT), (429, Outcome.TRANSIENT),
    (500, Outcome.TRANSIENT), (502, Outcome.TRANSIENT), (503, Outcome.TRANSIENT),
    (504, Outcome.TRANSIENT),
])
def test_statuses_are_classified(status, outcome):
    assert _answer(status, {"title": "x"}).outcome is outcome


@pytest.mark.parametrize("code", sorted(BLOCKING_CODES))
def test_missing_dependencies_block(code):
    result = _answer(409, {"title": "Blocked", "status": 409, "code": code})
    assert result.outcome is Outcome.BLOCKED
    assert result.code == code


def test_other_conflicts_need_a_person():
    assert _answer(409, {"title": "Conflict", "code": "gtin_owned_elsewhere"}).outcome is (
        Outcome.REJECTED)
    assert _answer(409, "plain text").outcome is Outcome.REJECTED


def test_rejections_carry_the_gateways_words():
    result = _answer(422, {"title": "Incomplete", "detail": "Fix the fields.", "status": 422,
                           "code": "validation_failed",
                           "errors": {"hinhAnh": ["At least one image URL is required."]}})
    assert result.outcome is Outcome.REJECTED
    assert result.errors == {"hinhAnh": ["At least one image URL is required."]}
    assert result.message == (
        "Incomplete — Fix the fields. — hinhAnh: At least one image URL is required.")


def test_replays_and_retry_after_are_read_from_headers():
    assert _answer(201, {}, **{"Idempotent-Replayed": "true"}).replayed
    assert _answer(503, None, **{"Retry-After": "4"}).retry_after == 4
    assert _answer(503, None).message == "HTTP 503"


def test_path_segments_are_percent_encoded():
    assert path_for("lots", "08938500000010", "A/B%?#&+ ") == (
        "/lots/08938500000010/A%2FB%25%3F%23%26%2B%20")
    assert path_for("trace", "01", "1", "10", "/") == "/trace/01/1/10/%2F"
