"""lint_cases.json: every content check ("linter") against the reference vectors."""

import pytest

from tests.gs1._cases import flat_cases, markup
from tests.vectors import require_vectors
from traceability.gs1 import lint, set_gcp_lookup

_GCP_ERRORS = {"INVALID_GCP_PREFIX": "invalid", "GCP_DATASOURCE_OFFLINE": "offline"}


class _CountdownLookup:
    """GCP lookup stand-in: valid for ``countdown`` calls, then ``verdict``."""

    def __init__(self, verdict: str, countdown: int):
        self.verdict = verdict
        self.countdown = countdown

    def __call__(self, data: str) -> str:
        if self.countdown > 0:
            self.countdown -= 1
            return "valid"
        return self.verdict


@pytest.mark.parametrize("case", flat_cases("lint_cases.json", "lint"))
def test_lint_case(case):
    require_vectors()
    value = case["input"]
    lookup = None
    if case.get("expected_error") in _GCP_ERRORS and case["error_markup"].count("*") == 2:
        # Reference test drives a GCP lookup hook: the marked span is the failing GCP.
        start = case["error_markup"].index("*")
        lookup = _CountdownLookup(_GCP_ERRORS[case["expected_error"]], 0 if start <= 1 else 1)
    previous = set_gcp_lookup(lookup) if lookup else None
    try:
        result = lint(case["linter"], value)
    finally:
        if lookup:
            set_gcp_lookup(previous)
    if case["valid"]:
        assert result is None, result
    else:
        assert result is not None
        code, pos, length = result
        assert code == case["expected_error"]
        assert markup(value, pos, length) == case["error_markup"]
