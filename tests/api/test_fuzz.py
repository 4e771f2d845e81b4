"""Schemathesis fuzzes every /api/v1 operation in-process, as each role, against the schema.

Checks: no 5xx, only documented status codes, content types and headers, bodies that conform
to the documented response schemas. Deterministic and bounded for CI: schemathesis' coverage
phase (boundary and invalid values, derived from the schema) then a derandomized Hypothesis
run of ``MAX_EXAMPLES`` per operation.
"""

import zlib
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.world import ROLES, build_world, openapi_document

MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(
    openapi_document(),
    config=schemathesis.Config.from_dict({
        "seed": 20260501,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }),
)


@pytest.fixture
def fuzz_world(app, monkeypatch, tmp_path):
    from traceability.labels import services as labels

    # A label job renders on a thread of its own; here it stays queued (rendering is tested in
    # tests/labels). Serial runs are capped so that one example cannot write a million rows.
    monkeypatch.setattr(labels, "launch_in_background", lambda app, job_id: None)
    monkeypatch.setitem(app.config, "LABEL_MAX_SERIALS", 50)
    monkeypatch.setitem(app.config, "LABEL_JOBS_DIR", str(tmp_path))
    return build_world(app)


def _choice(*parts) -> int:
    """A number drawn from the generated data itself: as deterministic as the example."""
    return zlib.crc32(repr(parts).encode())


def _records(case) -> dict:
    """Which ids the example names by a record that exists (3 in 4) rather than as generated.

    (A ``@schema.given`` strategy would do, but it turns schemathesis' coverage phase off.)
    """
    values = {}
    for part in (case.path_parameters, case.query, case.headers, case.body):
        if isinstance(part, dict):
            values.update(part)
    return {name: _choice(name, value) % 4 != 0 for name, value in values.items()}


def _as_role(case, generated: dict, records: dict, ids: dict) -> None:
    for part, values in generated.items():
        target = getattr(case, part)
        for name, value in values.items():
            if records.get(name) and name in ids:
                value = ids[name]
                if part == "path_parameters":  # generated path values come percent-encoded
                    value = quote(str(value), safe="")
            target[name] = value


def _roles(case) -> tuple[str, ...]:
    """Fuzzed examples go out as every role; the many coverage cases, as one role each."""
    if case.meta is not None and case.meta.phase.name == TestPhase.COVERAGE:
        return (ROLES[_choice(case.path_parameters, case.query, case.body) % len(ROLES)],)
    return ROLES


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_world, app):
    generated = {part: dict(getattr(case, part))
                 for part in ("path_parameters", "query", "headers", "body")
                 if isinstance(getattr(case, part), dict)}
    records = _records(case)
    for role in _roles(case):
        _as_role(case, generated, records, fuzz_world["ids"][role])
        case.call_and_validate(app=app, headers=fuzz_world["headers"][role], checks=CHECKS)
