"""Building EPCIS documents from plain parameters; every result must pass validation."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from traceability.events.epcis import (
    PROJECT_NAMESPACE,
    BizTransactionSpec,
    EPCISBuildError,
    IlmdSpec,
    PartySpec,
    QuantitySpec,
    build_object_event_document,
    build_transformation_event_document,
    iter_events,
    summarize_event,
    validate_document,
    verify_event_id,
)

VIETNAM = timezone(timedelta(hours=7))
HARVEST = datetime(2024, 5, 1, 8, 30, tzinfo=VIETNAM)
CREATED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
FARM_GLN = "8930000000019"
PACKER_GLN = "8930000000026"
RICE_LOT = "https://id.gs1.org/01/08930000000019/10/LOT-01"
PACKED_LOT = "https://id.gs1.org/01/08930000000026/10/P-7"


@pytest.fixture(autouse=True)
def gs1_library():
    from traceability.events.epcis.identifiers import identifier_elements

    if identifier_elements(RICE_LOT) is None:
        pytest.skip("traceability.gs1 cannot read Digital Links yet")


def _only_event(document):
    (event,) = list(iter_events(document))
    return event


def _harvest(**overrides):
    parameters = {
        "event_time": HARVEST,
        "biz_step": "commissioning",
        "disposition": "active",
        "batch": RICE_LOT,
        "quantity": 1200,
        "uom": "KGM",
        "location_gln": FARM_GLN,
        "sources": [PartySpec(FARM_GLN)],
        "destinations": [PartySpec(PACKER_GLN, "possessing_party")],
        "ilmd": IlmdSpec(
            lot_number="LOT-01",
            production_date=date(2024, 5, 1),
            expiry_date=date(2025, 5, 1),
        ),
        "extensions": {"inputProductName": "Abamectin 3.6EC", "withdrawalPeriodDays": 7},
        "creation_date": CREATED,
    }
    parameters.update(overrides)
    return build_object_event_document(**parameters)


def test_object_event_document_is_valid_and_complete():
    document = _harvest()
    assert validate_document(document) == []
    assert document["@context"][1] == {"vnt": PROJECT_NAMESPACE}
    event = _only_event(document)
    assert event["eventTime"] == "2024-05-01T08:30:00.000+07:00"
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert event["quantityList"] == [{"epcClass": RICE_LOT, "quantity": 1200, "uom": "KGM"}]
    assert event["readPoint"] == {"id": f"https://id.gs1.org/414/{FARM_GLN}"}
    assert event["bizLocation"] == {"id": f"https://id.gs1.org/414/{FARM_GLN}"}
    assert event["sourceList"] == [
        {"type": "owning_party", "source": f"https://id.gs1.org/417/{FARM_GLN}"}
    ]
    assert event["ilmd"] == {
        "cbvmda:lotNumber": "LOT-01",
        "cbvmda:itemExpirationDate": "2025-05-01",
        "vnt:productionDate": "2024-05-01",
    }
    assert event["vnt:inputProductName"] == "Abamectin 3.6EC"
    assert event["vnt:withdrawalPeriodDays"] == 7
    assert verify_event_id(event, context=document["@context"]) is True


def test_summary_of_a_built_event():
    summary = summarize_event(_only_event(_harvest()))
    assert summary["bizStep"] == "commissioning"
    assert summary["disposition"] == "active"
    assert summary["eventTime"] == HARVEST
    assert summary["readPoint"].gln == FARM_GLN
    (lot,) = summary["quantityList"]
    assert lot.epc_class.elements == (("01", "08930000000019"), ("10", "LOT-01"))
    assert (lot.quantity, lot.uom) == (1200, "KGM")
    assert [(d.type, d.gln, d.gln_ai) for d in summary["destinationList"]] == [
        ("possessing_party", PACKER_GLN, "417")
    ]
    assert summary["extensions"]["vnt:withdrawalPeriodDays"] == 7


def test_event_id_does_not_depend_on_the_creation_date():
    first = _only_event(_harvest())["eventID"]
    second = _only_event(_harvest(creation_date=CREATED + timedelta(days=3)))["eventID"]
    assert first == second
    assert _only_event(_harvest(quantity=1300))["eventID"] != first


def test_shipping_with_epcs_transactions_and_location_extension():
    document = build_object_event_document(
        event_time="2024-05-02T14:00:00+07:00",
        biz_step="https://ref.gs1.org/cbv/BizStep-shipping",
        disposition="in_transit",
        action="OBSERVE",
        epcs=["urn:epc:id:sscc:8930000.0000000011", "https://id.gs1.org/01/08930000000026/21/A1"],
        location_gln=FARM_GLN,
        location_extension="WH-2",
        biz_transactions=[BizTransactionSpec("https://example.com/po/77", "po")],
        destinations=[PartySpec(PACKER_GLN, "location", "DOCK-1")],
        creation_date=CREATED,
    )
    assert validate_document(document) == []
    event = _only_event(document)
    assert event["bizStep"] == "shipping"
    assert event["eventTime"] == "2024-05-02T14:00:00+07:00"
    assert event["bizLocation"] == {"id": f"https://id.gs1.org/414/{FARM_GLN}/254/WH-2"}
    assert event["destinationList"][0]["destination"].endswith("/254/DOCK-1")
    assert "ilmd" not in event


def test_transformation_event_document():
    document = build_transformation_event_document(
        event_time=datetime(2024, 5, 3, 10, 0, tzinfo=VIETNAM),
        input_quantities=[QuantitySpec(RICE_LOT, 1000, "KGM")],
        output_quantities=[QuantitySpec(PACKED_LOT, 400)],
        transformation_id="https://example.com/transformation/2024-05-03/1",
        location_gln=PACKER_GLN,
        ilmd=IlmdSpec(
            lot_number="P-7",
            production_date=date(2024, 5, 3),
            best_before_date=date(2025, 5, 3),
            extra={"countryOfOrigin": "VN", "grade": "A"},
        ),
        extensions={"inputs": {"productName": "Gạo ST25", "withdrawalPeriodDays": 0}},
        creation_date=CREATED,
    )
    assert validate_document(document) == []
    event = _only_event(document)
    assert event["type"] == "TransformationEvent"
    assert "action" not in event
    assert (event["bizStep"], event["disposition"]) == ("commissioning", "active")
    assert event["ilmd"]["cbvmda:countryOfOrigin"] == "VN"
    assert event["ilmd"]["vnt:grade"] == "A"
    assert event["ilmd"]["cbvmda:bestBeforeDate"] == "2025-05-03"
    assert event["vnt:inputs"] == {"vnt:productName": "Gạo ST25", "vnt:withdrawalPeriodDays": 0}
    summary = summarize_event(event)
    assert summary["inputQuantityList"][0].epc_class.elements[1] == ("10", "LOT-01")
    assert summary["outputQuantityList"][0].quantity == 400


def test_custom_namespace_and_prefix():
    document = _harvest(namespace="https://farm.example.vn/ns/", prefix="farm")
    assert document["@context"][1] == {"farm": "https://farm.example.vn/ns/"}
    assert "farm:inputProductName" in _only_event(document)
    assert validate_document(document) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"event_time": datetime(2024, 5, 1, 8, 30)}, "time zone"),
        ({"event_time": "01/05/2024"}, "RFC 3339"),
        ({"biz_step": "transforming"}, "not a CBV 2.0 business step"),
        ({"disposition": "in_transport"}, "not a CBV 2.0 disposition"),
        ({"location_gln": "8930000000017"}, "not a valid GLN"),
        ({"batch": "LOT-01"}, "not a GS1 Digital Link"),
        ({"batch": "https://id.gs1.org/01/08930000000019/21/9"}, "not a product class"),
        ({"epcs": [RICE_LOT]}, "not one object"),
        ({"action": "OBSERVE"}, "ILMD"),
        ({"action": "SHIP"}, "action"),
        ({"extensions": {"bad name": 1}}, "not a valid extension field name"),
        ({"extensions": {"when": object()}}, "cannot put"),
        ({"sources": [PartySpec(FARM_GLN, "owning_party", "X")]}, "no extension"),
        ({"batch": None, "quantity": None, "uom": None}, "needs at least one of"),
        ({"batch": None}, "give the batch"),
        ({"quantity": -5}, "negative"),
    ],
)
def test_bad_parameters_raise_build_errors(overrides, fragment):
    with pytest.raises(EPCISBuildError) as caught:
        _harvest(**overrides)
    assert fragment in str(caught.value)
    assert caught.value.problems


def test_build_error_is_a_value_error():
    assert issubclass(EPCISBuildError, ValueError)
