"""CBV vocabularies, JSON-LD prefixes, timestamps and import hygiene of the EPCIS package."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from tests.vectors import load_json, require_vectors
from traceability.events.epcis.context import Namespaces
from traceability.events.epcis.timeutil import format_offset, parse_offset, parse_timestamp
from traceability.events.epcis.vocabulary import (
    ACTIONS,
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    DISPOSITIONS,
    ERROR_REASONS,
    SOURCE_DESTINATION_TYPES,
    Form,
    Vocabulary,
    classify,
    short_name,
    web_uri,
)

PACKAGE = Path(__file__).resolve().parents[2] / "traceability" / "events" / "epcis"


def test_lists_match_the_shared_cbv_vocabulary():
    require_vectors()
    shared = load_json("epcis/cbv_vocabulary.json")
    assert set(shared["bizStep"]) == BIZ_STEPS
    assert set(shared["disposition"]) == DISPOSITIONS
    assert set(shared["bizTransaction-type"]) == BIZ_TRANSACTION_TYPES
    assert set(shared["source-dest-type"]) == SOURCE_DESTINATION_TYPES
    assert set(shared["error-reason"]) == ERROR_REASONS
    assert set(shared["action"]) == ACTIONS


@pytest.mark.parametrize(
    ("value", "form", "standard"),
    [
        ("shipping", Form.BARE, True),
        ("https://ref.gs1.org/cbv/BizStep-shipping", Form.WEB_URI, True),
        ("cbv:BizStep-shipping", Form.WEB_URI, True),
        ("urn:epcglobal:cbv:bizstep:shipping", Form.URN, True),
        ("https://ref.gs1.org/cbv/BizStep-drying", Form.WEB_URI, False),
        ("transforming", Form.INVALID, False),
        ("https://example.com/drying", Form.OTHER_URI, False),
    ],
)
def test_classify_biz_steps(value, form, standard):
    found = classify(Vocabulary.BIZ_STEP, value)
    assert (found.form, found.standard) == (form, standard)


def test_short_and_web_forms():
    assert short_name(Vocabulary.DISPOSITION, "urn:epcglobal:cbv:disp:in_transit") == "in_transit"
    assert short_name(Vocabulary.DISPOSITION, "https://example.com/x") == "https://example.com/x"
    assert web_uri(Vocabulary.BIZ_TRANSACTION_TYPE, "po") == "https://ref.gs1.org/cbv/BTT-po"
    assert web_uri(Vocabulary.SOURCE_DESTINATION_TYPE, "urn:epcglobal:cbv:sdt:location") == (
        "https://ref.gs1.org/cbv/SDT-location"
    )
    assert web_uri(Vocabulary.ERROR_REASON, "nonsense") == "nonsense"


def test_namespaces_from_context():
    namespaces = Namespaces.from_context(
        ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex": "https://ex.com/"}],
        {"full": {"@id": "https://full.example/"}, "@vocab": "https://ignored/"},
    )
    assert namespaces.expand("ex:a") == "https://ex.com/a"
    assert namespaces.expand("cbvmda:lotNumber") == "urn:epcglobal:cbv:mda:lotNumber"
    assert namespaces.expand("full:b") == "https://full.example/b"
    assert namespaces.expand("https://ex.com/a") == "https://ex.com/a"
    assert namespaces.is_undeclared_curie("nope:x")
    assert not namespaces.is_undeclared_curie("urn:x:y")
    assert not namespaces.is_undeclared_curie("https://x.example/")
    assert namespaces.extension_key("https://ex.com/ns#field") == ("https://ex.com/ns#", "field")
    assert namespaces.extension_key("plain") is None


def test_timestamps_and_offsets():
    moment = parse_timestamp("2024-05-01T08:30:00.123456789+07:00")
    assert moment is not None
    assert moment.microsecond == 123456
    assert moment.utcoffset() == timedelta(hours=7)
    assert parse_timestamp("2024-02-30T00:00:00Z") is None
    assert parse_timestamp("2024-05-01T08:30:00") is None
    assert parse_offset("-03:30") == timedelta(hours=-3, minutes=-30)
    assert parse_offset("+14:30") is None
    assert format_offset(timedelta(hours=-3, minutes=-30)) == "-03:30"


def test_package_imports_nothing_of_flask_or_sqlalchemy():
    forbidden = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden, (source.name, name)
