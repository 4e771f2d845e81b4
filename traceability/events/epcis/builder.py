"""Build valid EPCIS 2.0 documents from plain parameters (for users who never write JSON-LD).

Example — a farm commissions a harvested lot and records the pesticide used on it::

    document = build_object_event_document(
        event_time=datetime(2024, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=7))),
        biz_step="commissioning",
        disposition="active",
        batch="https://id.gs1.org/01/08930000000019/10/LOT-01",
        quantity=1200,
        uom="KGM",
        location_gln="8930000000019",
        ilmd=IlmdSpec(lot_number="LOT-01", production_date=date(2024, 5, 1),
                      expiry_date=date(2024, 5, 20)),
        extensions={"inputProductName": "Abamectin 3.6EC", "withdrawalPeriodDays": 7},
    )

Standard CBV words are written as the bare JSON-LD words; ILMD attributes defined by the CBV
go under ``cbvmda:``; everything else goes under the project's own namespace (prefix
:data:`PROJECT_PREFIX`), declared in the document's ``@context``. The result is validated with
:func:`~.validation.validate_document`; parameters that would make it invalid raise
:class:`EPCISBuildError` listing the problems. Event IDs are the CBV 2.0 event hash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .hashing import assign_event_ids
from .identifiers import digital_link, parse_identifier
from .timeutil import format_offset, parse_offset, parse_timestamp
from .validation import EPCISProblem, validate_document
from .vocabulary import (
    ACTIONS,
    Form,
    Vocabulary,
    classify,
    short_name,
)

EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
#: Namespace of the project's EPCIS user extensions. Replace with an IRI under a domain the
#: project controls before going live; changing it later changes the event hashes.
PROJECT_NAMESPACE = "https://ns.traceability.vn/epcis/"
PROJECT_PREFIX = "vnt"

#: ILMD attributes defined by the CBV (namespace ``urn:epcglobal:cbv:mda:``).
CBV_ILMD_ATTRIBUTES = frozenset(
    {
        "lotNumber",
        "itemExpirationDate",
        "bestBeforeDate",
        "sellByDate",
        "firstFreezeDate",
        "harvestStartDate",
        "harvestEndDate",
        "countryOfOrigin",
        "countryOfExport",
        "netWeight",
        "grossWeight",
        "drainedWeight",
    }
)
_LOCAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class EPCISBuildError(ValueError):
    """The parameters do not make a valid EPCIS event; ``problems`` says why."""

    def __init__(self, problems: Sequence[EPCISProblem] | str) -> None:
        if isinstance(problems, str):
            problems = [EPCISProblem("", problems)]
        self.problems = list(problems)
        super().__init__(
            "; ".join(problem.message if not problem.path else str(problem) for problem in problems)
        )


@dataclass(frozen=True)
class QuantitySpec:
    """A class-level quantity: a GTIN(+lot) as Digital Link or EPC class URI, amount, unit."""

    epc_class: str
    quantity: int | float | Decimal | None = None
    #: UN/ECE Recommendation 20 unit code ("KGM", "LTR", "H87" …); None means a count.
    uom: str | None = None


@dataclass(frozen=True)
class PartySpec:
    """A source or destination: CBV type and GLN (``location`` → AI 414, parties → AI 417)."""

    gln: str
    type: str = "owning_party"
    extension: str | None = None


@dataclass(frozen=True)
class BizTransactionSpec:
    id: str
    type: str | None = None


@dataclass
class IlmdSpec:
    """Instance/lot master data for commissioned or produced objects.

    ``lot_number``, ``expiry_date`` and ``best_before_date`` become the CBV attributes
    ``cbvmda:lotNumber``, ``cbvmda:itemExpirationDate`` and ``cbvmda:bestBeforeDate``; the CBV
    defines no production date, so ``production_date`` goes under the project namespace
    (``vnt:productionDate``).
    """

    lot_number: str | None = None
    production_date: date | None = None
    expiry_date: date | None = None
    best_before_date: date | None = None
    #: More attributes: CBV names (e.g. ``countryOfOrigin``) go under cbvmda:, others under the
    #: project namespace; keys that already carry a prefix (``"ext:x"``) are kept.
    extra: Mapping[str, Any] = field(default_factory=dict)


def build_object_event_document(
    *,
    event_time: datetime | str,
    biz_step: str,
    disposition: str | None = None,
    action: str = "ADD",
    time_zone_offset: str | None = None,
    batch: str | None = None,
    quantity: int | float | Decimal | None = None,
    uom: str | None = None,
    epcs: Sequence[str] = (),
    quantities: Sequence[QuantitySpec] = (),
    location_gln: str | None = None,
    location_extension: str | None = None,
    read_point_gln: str | None = None,
    read_point_extension: str | None = None,
    sources: Sequence[PartySpec] = (),
    destinations: Sequence[PartySpec] = (),
    biz_transactions: Sequence[BizTransactionSpec] = (),
    ilmd: IlmdSpec | Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
    creation_date: datetime | None = None,
    assign_event_id: bool = True,
    namespace: str = PROJECT_NAMESPACE,
    prefix: str = PROJECT_PREFIX,
) -> dict[str, Any]:
    """A one-event EPCISDocument with an ObjectEvent (see the module docstring).

    ``batch`` is the batch/lot as a Digital Link (``https://id.gs1.org/01/<gtin>/10/<lot>``)
    or EPC class URI (``urn:epc:class:lgtin:…``), with an optional ``quantity`` and ``uom``;
    ``quantities`` lists more class-level quantities and ``epcs`` instance-level identifiers
    (serialised items, SSCCs). At least one of them is needed. The location GLN becomes both
    readPoint and bizLocation unless a separate read point is given.
    """
    if action not in ACTIONS:
        raise EPCISBuildError(f"action must be one of {', '.join(sorted(ACTIONS))}")
    event: dict[str, Any] = {"type": "ObjectEvent"}
    event.update(_when(event_time, time_zone_offset))
    if epcs:
        event["epcList"] = [_identifier(epc, "epcs", instance=True) for epc in epcs]
    all_quantities = list(quantities)
    if batch is not None:
        all_quantities.insert(0, QuantitySpec(batch, quantity, uom))
    elif quantity is not None or uom is not None:
        raise EPCISBuildError("quantity and uom describe a batch; give the batch too")
    if all_quantities:
        event["quantityList"] = [_quantity(item) for item in all_quantities]
    event["action"] = action
    _why_where(
        event,
        biz_step,
        disposition,
        location_gln,
        location_extension,
        read_point_gln,
        read_point_extension,
        sources,
        destinations,
        biz_transactions,
    )
    if ilmd:
        if action != "ADD":
            raise EPCISBuildError("ILMD belongs to objects being commissioned (action ADD)")
        event["ilmd"] = _ilmd(ilmd, prefix)
    _extensions(event, extensions, prefix)
    return _document(event, creation_date, assign_event_id, namespace, prefix)


def build_transformation_event_document(
    *,
    event_time: datetime | str,
    biz_step: str = "commissioning",
    disposition: str | None = "active",
    time_zone_offset: str | None = None,
    input_epcs: Sequence[str] = (),
    input_quantities: Sequence[QuantitySpec] = (),
    output_epcs: Sequence[str] = (),
    output_quantities: Sequence[QuantitySpec] = (),
    transformation_id: str | None = None,
    location_gln: str | None = None,
    location_extension: str | None = None,
    read_point_gln: str | None = None,
    read_point_extension: str | None = None,
    sources: Sequence[PartySpec] = (),
    destinations: Sequence[PartySpec] = (),
    biz_transactions: Sequence[BizTransactionSpec] = (),
    ilmd: IlmdSpec | Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
    creation_date: datetime | None = None,
    assign_event_id: bool = True,
    namespace: str = PROJECT_NAMESPACE,
    prefix: str = PROJECT_PREFIX,
) -> dict[str, Any]:
    """A one-event EPCISDocument with a TransformationEvent (inputs consumed → outputs made).

    ``ilmd`` describes the outputs (lot, production and expiry dates …).
    """
    event: dict[str, Any] = {"type": "TransformationEvent"}
    event.update(_when(event_time, time_zone_offset))
    if input_epcs:
        event["inputEPCList"] = [
            _identifier(epc, "input_epcs", instance=True) for epc in input_epcs
        ]
    if input_quantities:
        event["inputQuantityList"] = [_quantity(item) for item in input_quantities]
    if output_epcs:
        event["outputEPCList"] = [
            _identifier(epc, "output_epcs", instance=True) for epc in output_epcs
        ]
    if output_quantities:
        event["outputQuantityList"] = [_quantity(item) for item in output_quantities]
    if transformation_id:
        event["transformationID"] = transformation_id.strip()
    _why_where(
        event,
        biz_step,
        disposition,
        location_gln,
        location_extension,
        read_point_gln,
        read_point_extension,
        sources,
        destinations,
        biz_transactions,
    )
    if ilmd:
        event["ilmd"] = _ilmd(ilmd, prefix)
    _extensions(event, extensions, prefix)
    return _document(event, creation_date, assign_event_id, namespace, prefix)


# --------------------------------------------------------------------------------------------


def _document(
    event: dict[str, Any],
    creation_date: datetime | None,
    assign_event_id: bool,
    namespace: str,
    prefix: str,
) -> dict[str, Any]:
    if not _LOCAL_NAME.match(prefix) or ":" in prefix:
        raise EPCISBuildError(f"{prefix!r} cannot be used as a JSON-LD prefix")
    if not namespace.endswith(("/", "#", ":")):
        raise EPCISBuildError("the extension namespace must end with '/', '#' or ':'")
    created = creation_date or datetime.now(UTC)
    if created.tzinfo is None:
        raise EPCISBuildError("creation_date needs a time zone")
    document: dict[str, Any] = {
        "@context": [EPCIS_CONTEXT_URL, {prefix: namespace}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [event]},
    }
    if assign_event_id:
        assign_event_ids(document)
    problems = validate_document(document)
    if problems:
        raise EPCISBuildError(problems)
    return document


def _when(event_time: datetime | str, time_zone_offset: str | None) -> dict[str, str]:
    if isinstance(event_time, str):
        moment = parse_timestamp(event_time)
        if moment is None:
            raise EPCISBuildError(f"event_time {event_time!r} is not an RFC 3339 timestamp")
    elif isinstance(event_time, datetime):
        moment = event_time
    else:
        raise EPCISBuildError("event_time must be a datetime or an RFC 3339 string")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EPCISBuildError("event_time needs a time zone (e.g. Asia/Ho_Chi_Minh, +07:00)")
    offset = time_zone_offset or format_offset(moment.utcoffset())  # type: ignore[arg-type]
    if parse_offset(offset) is None:
        raise EPCISBuildError(f"time_zone_offset {offset!r} is not of the form +hh:mm")
    text = event_time.strip() if isinstance(event_time, str) else None
    return {
        "eventTime": text or moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": offset,
    }


def _identifier(value: str, what: str, *, instance: bool) -> str:
    """Check an identifier: instance level (serialised item, SSCC …) or class level (GTIN[+lot])."""
    text = value.strip() if isinstance(value, str) else ""
    parsed = parse_identifier(text) if text else None
    if parsed is None:
        raise EPCISBuildError(
            f"{what}: {value!r} is not a GS1 Digital Link or EPC URI the GS1 library can read"
        )
    ais = [ai for ai, _ in parsed.elements]
    class_level = ais[0] in ("01", "8006") and not {"21", "235"} & set(ais)
    if instance and class_level:
        raise EPCISBuildError(
            f"{what}: {value!r} names a product or lot, not one object; put it in the "
            "quantities (batch) instead"
        )
    if not instance and not class_level:
        raise EPCISBuildError(
            f"{what}: {value!r} is not a product class (GTIN, optionally with a lot)"
        )
    return text


def _quantity(item: QuantitySpec | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, Mapping):
        item = QuantitySpec(**item)
    element: dict[str, Any] = {
        "epcClass": _identifier(item.epc_class, "quantities", instance=False)
    }
    if item.quantity is not None:
        amount = item.quantity
        if isinstance(amount, Decimal):
            amount = int(amount) if amount == amount.to_integral_value() else float(amount)
        element["quantity"] = amount
    if item.uom is not None:
        element["uom"] = item.uom.strip().upper()
    return element


def _gln_link(gln: str, extension: str | None, ai: str) -> str:
    elements = [(ai, gln.strip())]
    if extension:
        elements.append(("254", extension.strip()))
    link = digital_link(elements)
    if link is None:
        raise EPCISBuildError(f"{gln!r} (AI {ai}) is not a valid GLN")
    return link


def _vocabulary_word(vocabulary: Vocabulary, value: str, what: str) -> str:
    found = classify(vocabulary, value)
    if found.standard:
        return short_name(vocabulary, value)
    if found.form is Form.OTHER_URI:
        return value.strip()
    raise EPCISBuildError(f"{what} {value!r} is not a CBV 2.0 {vocabulary.label}")


def _why_where(
    event: dict[str, Any],
    biz_step: str,
    disposition: str | None,
    location_gln: str | None,
    location_extension: str | None,
    read_point_gln: str | None,
    read_point_extension: str | None,
    sources: Sequence[PartySpec],
    destinations: Sequence[PartySpec],
    biz_transactions: Sequence[BizTransactionSpec],
) -> None:
    event["bizStep"] = _vocabulary_word(Vocabulary.BIZ_STEP, biz_step, "biz_step")
    if disposition:
        event["disposition"] = _vocabulary_word(Vocabulary.DISPOSITION, disposition, "disposition")
    if read_point_gln or location_gln:
        gln = read_point_gln or location_gln
        extension = read_point_extension if read_point_gln else location_extension
        event["readPoint"] = {"id": _gln_link(gln or "", extension, "414")}
    if location_gln:
        event["bizLocation"] = {"id": _gln_link(location_gln, location_extension, "414")}
    if biz_transactions:
        event["bizTransactionList"] = [
            _biz_transaction(transaction) for transaction in biz_transactions
        ]
    if sources:
        event["sourceList"] = [_party(party, "source") for party in sources]
    if destinations:
        event["destinationList"] = [_party(party, "destination") for party in destinations]


def _biz_transaction(transaction: BizTransactionSpec) -> dict[str, str]:
    entry: dict[str, str] = {}
    if transaction.type:
        entry["type"] = _vocabulary_word(
            Vocabulary.BIZ_TRANSACTION_TYPE, transaction.type, "biz transaction type"
        )
    entry["bizTransaction"] = transaction.id.strip()
    return entry


def _party(party: PartySpec, key: str) -> dict[str, str]:
    kind = _vocabulary_word(Vocabulary.SOURCE_DESTINATION_TYPE, party.type, f"{key} type")
    ai = "414" if kind == "location" else "417"
    if ai == "417" and party.extension:
        raise EPCISBuildError(f"a {kind} {key} is a party GLN and has no extension")
    return {"type": kind, key: _gln_link(party.gln, party.extension, ai)}


def _ilmd(ilmd: IlmdSpec | Mapping[str, Any], prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    extra: Mapping[str, Any]
    if isinstance(ilmd, IlmdSpec):
        standard = {
            "lotNumber": ilmd.lot_number,
            "itemExpirationDate": ilmd.expiry_date,
            "bestBeforeDate": ilmd.best_before_date,
        }
        values.update({f"cbvmda:{k}": _plain(v) for k, v in standard.items() if v is not None})
        if ilmd.production_date is not None:
            values[f"{prefix}:productionDate"] = _plain(ilmd.production_date)
        extra = ilmd.extra
    else:
        extra = ilmd
    for key, value in extra.items():
        if ":" in key:
            name = key
        elif key in CBV_ILMD_ATTRIBUTES:
            name = f"cbvmda:{key}"
        else:
            name = _qualified(key, prefix)
        values[name] = _extension_value(value, prefix)
    return values


def _extensions(event: dict[str, Any], extensions: Mapping[str, Any] | None, prefix: str) -> None:
    for key, value in (extensions or {}).items():
        name = key if ":" in key else _qualified(key, prefix)
        event[name] = _extension_value(value, prefix)


def _qualified(local: str, prefix: str) -> str:
    if not _LOCAL_NAME.match(local):
        raise EPCISBuildError(f"{local!r} is not a valid extension field name")
    return f"{prefix}:{local}"


def _extension_value(value: Any, prefix: str) -> Any:
    if isinstance(value, Mapping):
        return {
            (key if ":" in key else _qualified(key, prefix)): _extension_value(inner, prefix)
            for key, inner in value.items()
        }
    if isinstance(value, list | tuple):
        return [_extension_value(inner, prefix) for inner in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise EPCISBuildError(f"{value!r} needs a time zone")
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise EPCISBuildError(f"cannot put a {type(value).__name__} into an EPCIS document")
