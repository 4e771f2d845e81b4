"""The OpenAPI document at /api/openapi.json: valid OpenAPI 3, and complete for /api/v1."""

import re

import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from traceability.apiutil import API_PREFIX

PROBLEM = "#/components/schemas/Problem"
NO_BODY = {"204", "304"}
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@pytest.fixture(scope="module")
def document(_app):
    return _app.test_client().get("/api/openapi.json").get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", operation


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.0")
    problems = [f"{error.instance_path}: {error.message}"[:300]
                for error in OPENAPI_30_VALIDATOR.iter_errors(document)]
    assert problems == []


def test_every_api_route_is_documented(_app, document):
    documented = {name for name, _ in _operations(document)}
    routes = set()
    for rule in _app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            path = RULE_PARAMETER.sub(r"{\1}", rule.rule)
            routes.update(f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"})
    assert len(routes) > 70
    assert routes - documented == set()


def _resolve(document, response):
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_every_answer_has_a_schema_and_errors_are_problem_details(document):
    missing, not_problems = [], []
    for name, operation in _operations(document):
        responses = operation["responses"]
        assert "default" not in responses, name  # each operation lists what it can answer
        assert "401" in responses, name  # any request may carry a wrong key
        for status, response in responses.items():
            content = _resolve(document, response).get("content", {})
            if status.startswith(("2", "3")) and status not in NO_BODY:
                if not content or any("schema" not in media for media in content.values()):
                    missing.append(f"{name} {status}")
            elif status.startswith("4"):
                media = content.get("application/problem+json", {})
                if media.get("schema", {}).get("$ref") != PROBLEM:
                    not_problems.append(f"{name} {status}")
    assert missing == []
    assert not_problems == []


def test_writes_document_their_if_match_precondition(document):
    for name, operation in _operations(document):
        if name.startswith("PATCH") and "412" in operation["responses"]:
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "If-Match" in headers and "428" in operation["responses"], name
