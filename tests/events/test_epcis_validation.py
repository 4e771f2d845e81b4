"""EPCIS 2.0 validation: the shared conformance vectors and the checks beyond the JSON schema."""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vectors import load_json, require_vectors
from traceability.events.epcis import EPCISProblem, validate_document, validate_event
from traceability.events.epcis.validation import (
    document_validator,
    query_validator,
    validate_query,
)

CLASS = "https://id.gs1.org/01/08930000000019"
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    {"ex": "https://example.com/epcis/"},
]


def _index_entries():
    index = load_json("epcis/index.json")
    if index is None:
        return [pytest.param(None, id="vectors-absent")]
    return [
        pytest.param(entry, id=entry["file"]) for entry in index["files"] if "schema_valid" in entry
    ]


def _is_query_body(entry) -> bool:
    return "query-schema" in entry.get("note", "")


@pytest.mark.parametrize("entry", _index_entries())
def test_vector_is_classified_as_index_says(entry):
    require_vectors()
    document = load_json(f"epcis/{entry['file']}")
    expected_valid = entry.get("expected_valid", entry["schema_valid"])
    problems = validate_query(document) if _is_query_body(entry) else validate_document(document)
    if expected_valid:
        assert problems == [], "\n".join(map(str, problems))
    else:
        assert problems, "expected at least one problem"
        assert all(isinstance(problem, EPCISProblem) for problem in problems)
        assert all(problem.path == "" or problem.path.startswith("/") for problem in problems)


def test_index_covers_every_document_in_the_folders():
    root = require_vectors() / "epcis"
    listed = {entry["file"] for entry in load_json("epcis/index.json")["files"]}
    for folder in ("gs1_examples", "openepcis_valid", "openepcis_invalid"):
        for path in (root / folder).iterdir():
            assert f"{folder}/{path.name}" in listed


def test_invalid_vectors_report_the_expected_paths():
    require_vectors()
    cases = {
        "ObjectEvent_with_non_standard_bizStep.json": "/epcisBody/eventList/0/bizStep",
        "ObjectEvent_with_non_standard_bizStep_in_second_event.json": (
            "/epcisBody/eventList/1/bizStep"
        ),
        "ObjectEvent_with_non_standard_disposition.json": "/epcisBody/eventList/0/disposition",
        "ObjectEvent_with_ilmd_field_without_namespace.json": (
            "/epcisBody/eventList/0/ilmd/materialType"
        ),
        "ObjectEvent_with_invalid_action.json": "/epcisBody/eventList/0/action",
        "ObjectEvent_with_invalid_eventTime_format.json": "/epcisBody/eventList/0/eventTime",
        "ObjectEvent_with_quantity_as_text.json": "/epcisBody/eventList/0/quantityList/0/quantity",
        "EPCISDocument_without_context.json": "",
    }
    for name, path in cases.items():
        problems = validate_document(load_json(f"epcis/openepcis_invalid/{name}"))
        assert path in {problem.path for problem in problems}, (name, problems)


def test_every_problem_of_a_multi_error_document_is_returned():
    require_vectors()
    document = load_json("epcis/openepcis_invalid/Combination_of_multiple_invalid_fields.json")
    paths = {problem.path for problem in validate_document(document)}
    assert {
        "/epcisBody/eventList/0/bizStep",
        "/epcisBody/eventList/1/disposition",
        "/epcisBody/eventList/2/sourceList/0/type",
    } <= paths
    assert len(paths) >= 5


def test_validators_are_compiled_once():
    assert document_validator() is document_validator()
    assert query_validator() is query_validator()


# --- building blocks -------------------------------------------------------------------------


def _event(**fields):
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T08:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": ["https://id.gs1.org/01/08930000000019/21/1001"],
        "action": "OBSERVE",
    }
    event.update(fields)
    return event


def _document(*events, context=None):
    return {
        "@context": context if context is not None else CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T09:00:00+07:00",
        "epcisBody": {"eventList": list(events) or [_event()]},
    }


def _paths(document):
    return {problem.path: problem.message for problem in validate_document(document)}


def test_minimal_document_is_valid():
    assert validate_document(_document()) == []


@pytest.mark.parametrize(
    "value",
    [
        "shipping",
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "cbv:BizStep-shipping",
        "https://example.com/bizstep/drying",
        "ex:drying",
        "urn:example:bizstep:drying",
    ],
)
def test_accepted_biz_steps(value):
    assert validate_document(_document(_event(bizStep=value))) == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("transforming", "not a CBV 2.0 business step"),
        ("Shipping", "not a CBV 2.0 business step"),
        ("https://ref.gs1.org/cbv/BizStep-drying", "not a CBV 2.0 business step"),
        ("urn:epcglobal:cbv:bizstep:drying", "not a CBV 2.0 business step"),
        ("undeclared:drying", "not declared in @context"),
    ],
)
def test_rejected_biz_steps(value, fragment):
    problems = _paths(_document(_event(bizStep=value)))
    assert fragment in problems["/epcisBody/eventList/0/bizStep"]


def test_cbv_urn_spelling_is_rejected_by_the_schema_unless_tolerated():
    document = _document(_event(bizStep="urn:epcglobal:cbv:bizstep:shipping"))
    problems = validate_document(document)
    assert [problem.path for problem in problems] == ["/epcisBody/eventList/0/bizStep"]
    assert "'shipping'" in problems[0].message
    assert validate_document(document, accept_cbv_urns=True) == []


def test_dispositions_and_persistent_dispositions():
    good = _event(
        disposition="in_progress",
        persistentDisposition={"set": ["completeness_verified"], "unset": ["cbv:Disp-active"]},
    )
    assert validate_document(_document(good)) == []
    bad = _event(disposition="in_transport", persistentDisposition={"set": ["broken"]})
    problems = _paths(_document(bad))
    assert "did you mean 'in_transit'" in problems["/epcisBody/eventList/0/disposition"]
    assert "/epcisBody/eventList/0/persistentDisposition/set/0" in problems


def test_source_destination_and_transaction_types():
    event = _event(
        bizTransactionList=[
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:PO-1"},
            {"type": "invoice", "bizTransaction": "https://example.com/inv/1"},
        ],
        sourceList=[{"type": "owning_party", "source": "https://id.gs1.org/417/8930000000019"}],
        destinationList=[{"type": "place", "destination": "https://id.gs1.org/414/8930000000019"}],
    )
    problems = _paths(_document(event))
    base = "/epcisBody/eventList/0"
    assert "business transaction type" in problems[f"{base}/bizTransactionList/1/type"]
    assert "source/destination type" in problems[f"{base}/destinationList/0/type"]
    assert f"{base}/sourceList/0/type" not in problems


def test_error_reason_vocabulary():
    declaration = {"declarationTime": "2024-05-02T08:00:00Z", "reason": "wrong_item"}
    problems = _paths(_document(_event(errorDeclaration=declaration)))
    assert "error reason" in problems["/epcisBody/eventList/0/errorDeclaration/reason"]


@pytest.mark.parametrize("action", ["CREATE", "add", "", 1, None])
def test_invalid_actions(action):
    problems = _paths(_document(_event(action=action)))
    assert "/epcisBody/eventList/0/action" in problems


def test_lower_case_action_gets_a_hint():
    problems = _paths(_document(_event(action="add")))
    assert "'ADD'" in problems["/epcisBody/eventList/0/action"]


def test_transformation_event_must_not_have_an_action():
    event = {
        "type": "TransformationEvent",
        "eventTime": "2024-05-01T08:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "inputEPCList": ["https://id.gs1.org/01/08930000000019/21/1"],
        "outputEPCList": ["https://id.gs1.org/01/08930000000019/21/2"],
        "action": "ADD",
    }
    problems = _paths(_document(event))
    assert "no action" in problems["/epcisBody/eventList/0/action"]


def test_extension_fields_need_a_declared_prefix():
    event = _event(
        **{
            "ex:inputProductName": "NPK 16-16-8",
            "ex:nested": {"ex:ok": 1, "plain": 2},
            "other:field": "x",
            "withdrawalPeriod": 7,
            "https://example.org/ns/full": True,
        },
        action="ADD",
        ilmd={"cbvmda:lotNumber": "L1", "ex:grade": "A", "materialType": "soil"},
        readPoint={"id": "https://id.gs1.org/414/8930000000019", "note": "gate 2"},
    )
    problems = _paths(_document(event))
    base = "/epcisBody/eventList/0"
    assert set(problems) == {
        f"{base}/ex:nested/plain",
        f"{base}/other:field",
        f"{base}/withdrawalPeriod",
        f"{base}/ilmd/materialType",
        f"{base}/readPoint/note",
    }
    assert "'other'" in problems[f"{base}/other:field"]


def test_ilmd_only_with_action_add():
    problems = _paths(_document(_event(ilmd={"cbvmda:lotNumber": "L1"})))
    assert set(problems) == {"/epcisBody/eventList/0/ilmd"}
    assert validate_document(_document(_event(action="ADD", ilmd={"cbvmda:lotNumber": "L1"}))) == []


def test_event_level_context_declares_prefixes_too():
    event = _event(**{"@context": {"own": "https://own.example/"}, "own:field": 1})
    assert validate_document(_document(event)) == []


def test_sensor_extensions_and_times():
    event = _event(
        sensorElementList=[
            {
                "sensorMetadata": {"time": "2024-05-01T08:00:00+07:00", "ex:batch": "b"},
                "sensorReport": [
                    {"type": "Temperature", "value": 4.5, "uom": "CEL", "vendorField": 1},
                    {"type": "Temperature", "time": "yesterday", "value": 5, "uom": "CEL"},
                ],
            }
        ]
    )
    problems = _paths(_document(event))
    base = "/epcisBody/eventList/0/sensorElementList/0"
    assert f"{base}/sensorReport/0/vendorField" in problems
    assert f"{base}/sensorReport/1/time" in problems
    assert f"{base}/sensorMetadata/ex:batch" not in problems


@pytest.mark.parametrize(
    ("item", "field", "fragment"),
    [
        ({"epcClass": CLASS, "quantity": -1}, "quantity", "neg"),
        ({"epcClass": CLASS, "quantity": 2.5}, "quantity", "whole"),
        ({"epcClass": CLASS, "uom": "KGM"}, "uom", "together"),
        ({"epcClass": CLASS, "quantity": "5"}, "quantity", "number"),
        ({"epcClass": CLASS, "quantity": True}, "quantity", "number"),
    ],
)
def test_quantity_rules(item, field, fragment):
    event = _event(quantityList=[item])
    del event["epcList"]
    problems = _paths(_document(event))
    assert fragment in problems[f"/epcisBody/eventList/0/quantityList/0/{field}"]


def test_measured_quantities_are_fine():
    event = _event(
        quantityList=[
            {
                "epcClass": "https://id.gs1.org/01/08930000000019/10/L1",
                "quantity": 12.5,
                "uom": "KGM",
            },
            {"epcClass": "https://id.gs1.org/01/08930000000019/10/L2", "quantity": 40},
        ]
    )
    assert validate_document(_document(event)) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("eventTime", "2024-05-01 08:30"),
        ("eventTime", "2024-05-01T08:30:00"),
        ("eventTime", "01/05/2024"),
        ("eventTimeZoneOffset", "+7:00"),
        ("eventTimeZoneOffset", "+15:00"),
        ("eventTimeZoneOffset", "UTC"),
        ("recordTime", "2024-13-01T00:00:00Z"),
    ],
)
def test_time_formats(field, value):
    problems = _paths(_document(_event(**{field: value})))
    assert f"/epcisBody/eventList/0/{field}" in problems


def test_good_time_formats():
    for moment, offset in [
        ("2024-05-01T01:30:00Z", "+00:00"),
        ("2024-05-01T08:30:00.123456789+07:00", "+07:00"),
        ("2024-05-01T08:30:00-14:00", "-14:00"),
    ]:
        event = _event(eventTime=moment, eventTimeZoneOffset=offset)
        assert validate_document(_document(event)) == [], moment


def test_single_event_and_query_document():
    event = _event(**{"@context": CONTEXT})
    assert validate_document(event) == []
    query_document = {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T09:00:00Z",
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [_event(bizStep="drying")]},
            }
        },
    }
    problems = _paths(query_document)
    assert "/epcisBody/queryResults/resultsBody/eventList/0/bizStep" in problems


def test_validate_event_uses_the_document_context():
    event = _event(**{"ex:field": 1})
    assert validate_event(event, context=CONTEXT) == []
    assert validate_event(event, context=None)


def test_query_body_validation():
    assert validate_query({"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping"]}) == []
    problems = {problem.path for problem in validate_query({"EQ_action": ["SHIP"], "LIMIT": 1})}
    assert {"/EQ_action/0", "/LIMIT"} <= problems


def test_messages_are_readable_and_short():
    document = _document(_event(action="CREATE", quantityList="lots"))
    for problem in validate_document(document):
        assert 0 < len(problem.message) <= 300
        assert "is not valid under any of the given schemas" not in problem.message


def test_validation_does_not_modify_the_input():
    document = _document(_event(bizStep="drying"))
    before = copy.deepcopy(document)
    validate_document(document)
    assert document == before


@pytest.mark.parametrize(
    "value",
    [None, 0, "text", [], [1, 2], {}, {"type": 5}, {"type": "EPCISDocument"}, {"type": []}],
)
def test_garbage_never_raises(value):
    problems = validate_document(value)
    assert isinstance(problems, list)
    assert all(isinstance(problem, EPCISProblem) for problem in problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            [
                "type",
                "eventTime",
                "action",
                "bizStep",
                "epcList",
                "ilmd",
                "quantityList",
                "sourceList",
                "readPoint",
                "@context",
                "x:y",
                "epcisBody",
                "eventList",
                "uom",
                "quantity",
                "sensorElementList",
                "sensorReport",
                "persistentDisposition",
            ]
        ),
        children,
        max_size=5,
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({"type": st.sampled_from(["EPCISDocument", "ObjectEvent"])}), json_values
)
def test_fuzzed_documents_never_raise(head, body):
    document = dict(head)
    if isinstance(body, dict):
        document.update(body)
    document["epcisBody"] = {
        "eventList": [body, {**head, **(body if isinstance(body, dict) else {})}]
    }
    assert isinstance(validate_document(document), list)


def test_schema_files_are_vendored_with_provenance():
    folder = Path(__file__).resolve().parents[2] / "traceability/events/epcis/schema"
    assert (folder / "PROVENANCE.md").is_file()
    schema = json.loads((folder / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    assert {path.suffix for path in folder.iterdir()} == {".json", ".md"}
