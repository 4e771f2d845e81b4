"""Normalised extraction of EPCIS events (identifiers → GS1 elements, GLNs, CBV short names)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.vectors import load_json, require_vectors
from traceability.events.epcis import (
    Identifier,
    iter_events,
    summarize_document,
    summarize_event,
    to_plain,
)
from traceability.events.epcis.extraction import all_identifiers

SGTIN_2017 = (("01", "10614141073464"), ("21", "2017"))
SGTIN_2018 = (("01", "10614141073464"), ("21", "2018"))


@pytest.fixture
def gs1_library():
    from traceability.events.epcis.identifiers import identifier_elements

    if identifier_elements("urn:epc:id:sgtin:0614141.107346.2017") is None:
        pytest.skip("traceability.gs1 cannot read EPC URIs yet")


def _events(path):
    require_vectors()
    return [summarize_event(event) for event in iter_events(load_json(f"epcis/{path}"))]


def test_object_event_with_epc_uris(gs1_library):
    first, second = _events("gs1_examples/Example_9.6.1-ObjectEvent.jsonld")
    assert first["type"] == "ObjectEvent"
    assert first["eventTime"] == datetime(2005, 4, 4, 2, 33, 31, 116000, tzinfo=UTC)
    assert first["eventTime"].utcoffset() == timedelta(hours=-6)
    assert first["eventTimeZoneOffset"] == "-06:00"
    assert first["action"] == "OBSERVE"
    assert (first["bizStep"], first["disposition"]) == ("shipping", "in_transit")
    assert [item.elements for item in first["epcList"]] == [SGTIN_2017, SGTIN_2018]
    assert first["epcList"][0].original == "urn:epc:id:sgtin:0614141.107346.2017"
    read_point = first["readPoint"]
    assert (read_point.gln, read_point.extension) == ("0614141073467", "1234")
    assert first["bizLocation"] is None
    assert first["bizTransactionList"][0].type == "po"
    assert first["bizTransactionList"][0].elements is None  # a plain URL, not a GS1 key
    assert (second["bizStep"], second["disposition"]) == ("receiving", "in_progress")
    assert (second["readPoint"].gln, second["readPoint"].extension) == ("0012345111112", "400")
    assert (second["bizLocation"].gln, second["bizLocation"].extension) == ("0012345111112", None)
    assert second["extensions"] == {"example:myField": "Example of a vendor/user extension"}


def test_object_event_with_digital_links(gs1_library):
    first, _ = _events("gs1_examples/Example_9.6.1-ObjectEventWithDigitalLink.jsonld")
    assert [item.elements for item in first["epcList"]] == [
        (("01", "70614141123451"), ("21", "2017")),
        (("01", "70614141123451"), ("21", "2018")),
    ]
    assert first["epcList"][0].ais == {"01": "70614141123451", "21": "2017"}


def test_aggregation_event(gs1_library):
    (event,) = _events("gs1_examples/Example_9.6.3-AggregationEvent.jsonld")
    assert event["parentID"].elements == (("00", "106141412345678908"),)
    assert [item.elements for item in event["childEPCs"]] == [SGTIN_2017, SGTIN_2018]
    pattern, lot = event["childQuantityList"]
    assert pattern.epc_class.original == "urn:epc:idpat:sgtin:4012345.098765.*"
    assert pattern.epc_class.elements == (("01", "04012345987652"),)
    assert (pattern.quantity, pattern.uom) == (10, None)
    assert lot.epc_class.elements == (("01", "04012345123456"), ("10", "998877"))
    assert (lot.quantity, lot.uom) == (200.5, "KGM")
    assert (event["readPoint"].gln, event["bizLocation"].gln) == ("0614141007776", "0614141008889")


def test_aggregation_event_with_digital_links(gs1_library):
    (event,) = _events("gs1_examples/Example_9.6.3-AggregationEventWithDigitalLink.jsonld")
    assert event["parentID"].elements == (("00", "106141412345678908"),)
    assert [item.elements for item in event["childEPCs"]] == [
        (("01", "70614141123451"), ("21", "2017")),
        (("01", "70614141123451"), ("21", "2018")),
    ]
    assert [q.epc_class.elements for q in event["childQuantityList"]] == [
        (("01", "04012345987652"),),
        (("01", "04012345123456"), ("10", "998877")),
    ]


def test_transformation_event(gs1_library):
    (event,) = _events("gs1_examples/Example_9.6.4-TransformationEvent.jsonld")
    assert event["action"] is None
    assert [item.elements for item in event["inputEPCList"]] == [
        (("01", "04012345111224"), ("21", "25")),
        (("01", "04000001654321"), ("21", "99886655")),
    ]
    assert [(q.epc_class.elements, q.quantity, q.uom) for q in event["inputQuantityList"]] == [
        ((("01", "04012345111118"), ("10", "4444")), 10, "KGM"),
        ((("01", "00614141777778"), ("10", "987")), 30, None),
        ((("01", "04012345666663"),), 220, None),
    ]
    assert {item.elements[1][1] for item in event["outputEPCList"]} == {"25", "26", "27", "28"}
    assert event["ilmd"] == {"example:bestBeforeDate": "2014-12-10", "example:batch": "XYZ"}
    assert event["readPoint"].gln == "4012345000016"


def test_sources_destinations_transactions_and_persistent_disposition(gs1_library):
    (event,) = _events("gs1_examples/object_event_all_possible_fields.jsonld")
    sources = {(s.type, s.gln, s.gln_ai) for s in event["sourceList"]}
    assert sources == {
        ("location", "4012345002256", "414"),
        ("possessing_party", "4012345002256", "417"),
        ("owning_party", "4012345002256", "417"),
    }
    destinations = {(d.type, d.gln, d.gln_ai) for d in event["destinationList"]}
    assert ("owning_party", "0614141007776", "417") in destinations
    transactions = {(t.type, t.elements) for t in event["bizTransactionList"]}
    assert transactions == {
        ("po", (("253", "06141410000121618034"),)),
        ("pedigree", (("8018", "061414100000102534"),)),
    }
    assert event["persistentDisposition"] == {
        "set": ["completeness_verified"],
        "unset": ["completeness_inferred"],
    }
    assert event["ilmd"]["cbvmda:lotNumber"] == "ABC123"
    assert event["errorDeclaration"]["reason"] == "incorrect_data"


def test_digital_link_locations_and_custom_domains(gs1_library):
    (event,) = _events("openepcis_valid/CurieString_document.json")
    assert event["readPoint"].id == "https://id.gs1.de/414/4012345000115"
    assert (event["readPoint"].gln, event["readPoint"].extension) == ("4012345000115", None)
    assert event["epcList"][0].elements == (("01", "04012345999990"), ("21", "XYZ-1234"))
    custom = [d for d in event["destinationList"] if d.type not in ("location",)]
    assert {d.type for d in custom} == {"possessing_party", "owning_party", "cbv:my_own_party"}


def test_custom_vocabulary_is_kept_as_written():
    (event,) = _events("gs1_examples/Example-TransactionEvents-2020_07_03y.jsonld")[:1]
    assert event["bizStep"] == "http://epcis.example.org/hc/bizstep/summarising_discharge"


def test_cbv_uri_spellings_become_short_names():
    event = {
        "type": "ObjectEvent",
        "bizStep": "urn:epcglobal:cbv:bizstep:receiving",
        "disposition": "https://ref.gs1.org/cbv/Disp-in_progress",
        "sourceList": [{"type": "cbv:SDT-owning_party", "source": "https://example.com/farm/7"}],
        "bizTransactionList": [{"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "x:1"}],
    }
    summary = summarize_event(event)
    assert (summary["bizStep"], summary["disposition"]) == ("receiving", "in_progress")
    assert summary["sourceList"][0].type == "owning_party"
    assert summary["sourceList"][0].gln is None
    assert summary["bizTransactionList"][0].type == "po"


def test_every_vector_document_can_be_summarised():
    require_vectors()
    index = load_json("epcis/index.json")
    for entry in index["files"]:
        if "event_types" not in entry:
            continue
        summaries = summarize_document(load_json(f"epcis/{entry['file']}"))
        assert [summary["type"] for summary in summaries]
        for summary in summaries:
            plain = to_plain(summary)
            assert isinstance(plain["epcList"], list)


def test_every_identifier_of_the_gs1_examples_is_read(gs1_library):
    require_vectors()
    index = load_json("epcis/index.json")
    unreadable = []
    for entry in index["files"]:
        if not entry["file"].startswith("gs1_examples/"):
            continue
        for summary in summarize_document(load_json(f"epcis/{entry['file']}")):
            for identifier in all_identifiers(summary):
                if identifier.elements is None:
                    unreadable.append(identifier.original)
    assert unreadable == []


def test_summaries_tolerate_garbage():
    assert summarize_event("nope") == {}
    summary = summarize_event(
        {
            "type": "ObjectEvent",
            "eventTime": "yesterday",
            "epcList": ["", 5, "urn:epc:id:sgtin:bad"],
            "quantityList": [{"quantity": 1}, "x", {"epcClass": "urn:x:1", "quantity": True}],
            "readPoint": {"id": 5},
            "sourceList": [{"type": "owning_party"}],
        }
    )
    assert summary["eventTime"] is None
    assert summary["epcList"] == [Identifier("urn:epc:id:sgtin:bad", None)]
    assert summary["quantityList"][0].quantity is None
    assert summary["readPoint"] is None
    assert summary["sourceList"] == []


def test_to_plain_gives_dicts():
    moment = datetime(2024, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=7)))
    summary = {"eventTime": moment, "epcList": [Identifier("x", (("01", "1"),))]}
    assert to_plain(summary) == {
        "eventTime": moment,
        "epcList": [{"original": "x", "elements": [["01", "1"]]}],
    }
