"""Normalised, plain-data view of EPCIS events for the application.

:func:`summarize_event` returns a dict keyed like the EPCIS fields (``type``, ``eventTime``,
``bizStep`` …) whose values are plain Python data: strings, aware datetimes, lists and the small
frozen dataclasses below. Identifiers keep their original text and, when the GS1 library can
read them, their GS1 element strings as ``((ai, value), …)``. Nothing here raises for
malformed events: missing or unreadable values come out as None or empty lists.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from .hashing import iter_document_events
from .identifiers import Elements, identifier_elements, location_of, party_of
from .timeutil import parse_timestamp
from .validation import EVENT_FIELDS
from .vocabulary import Vocabulary, short_name


@dataclass(frozen=True)
class Identifier:
    """An EPC / EPC class / Digital Link as written, with its GS1 elements when readable."""

    original: str
    elements: Elements | None = None

    @property
    def ais(self) -> dict[str, str]:
        return dict(self.elements or ())


@dataclass(frozen=True)
class Quantity:
    epc_class: Identifier
    quantity: int | float | None = None
    uom: str | None = None


@dataclass(frozen=True)
class Location:
    """readPoint / bizLocation: the id as written and its GLN (+ extension) when GLN-based."""

    id: str
    gln: str | None = None
    extension: str | None = None
    elements: Elements | None = None


@dataclass(frozen=True)
class SourceDestination:
    """A source or destination: CBV short type (or custom URI) and the party/location GLN."""

    type: str | None
    id: str
    gln: str | None = None
    #: "417" when the id is a party GLN (pgln / DL 417), "414" for a location (sgln / DL 414).
    gln_ai: str | None = None
    extension: str | None = None
    elements: Elements | None = None


@dataclass(frozen=True)
class BizTransaction:
    type: str | None
    id: str
    elements: Elements | None = None


def iter_events(document: Any) -> Iterator[MutableMapping[str, Any]]:
    """Events of an EPCISDocument, an EPCISQueryDocument's results, or a single event."""
    yield from iter_document_events(document)


def summarize_document(document: Any) -> list[dict[str, Any]]:
    return [summarize_event(event) for event in iter_events(document)]


def summarize_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised summary of one event (see the module docstring)."""
    if not isinstance(event, Mapping):
        return {}
    kind = event.get("type") if isinstance(event.get("type"), str) else None
    standard_fields = EVENT_FIELDS.get(kind or "", frozenset())
    persistent = event.get("persistentDisposition")
    ilmd = event.get("ilmd")
    summary: dict[str, Any] = {
        "type": kind,
        "eventID": _text(event.get("eventID")),
        "eventTime": parse_timestamp(event.get("eventTime")),
        "eventTimeZoneOffset": _text(event.get("eventTimeZoneOffset")),
        "recordTime": parse_timestamp(event.get("recordTime")),
        "action": _text(event.get("action")),
        "bizStep": _vocabulary(Vocabulary.BIZ_STEP, event.get("bizStep")),
        "disposition": _vocabulary(Vocabulary.DISPOSITION, event.get("disposition")),
        "persistentDisposition": {
            part: [
                _vocabulary(Vocabulary.DISPOSITION, value)
                for value in _list(persistent.get(part) if isinstance(persistent, Mapping) else [])
                if isinstance(value, str)
            ]
            for part in ("set", "unset")
        },
        "readPoint": _location(event.get("readPoint")),
        "bizLocation": _location(event.get("bizLocation")),
        "epcList": _identifiers(event.get("epcList")),
        "parentID": _identifier(event.get("parentID")),
        "childEPCs": _identifiers(event.get("childEPCs")),
        "inputEPCList": _identifiers(event.get("inputEPCList")),
        "outputEPCList": _identifiers(event.get("outputEPCList")),
        "quantityList": _quantities(event.get("quantityList")),
        "childQuantityList": _quantities(event.get("childQuantityList")),
        "inputQuantityList": _quantities(event.get("inputQuantityList")),
        "outputQuantityList": _quantities(event.get("outputQuantityList")),
        "transformationID": _text(event.get("transformationID")),
        "sourceList": _sources(event.get("sourceList"), "source"),
        "destinationList": _sources(event.get("destinationList"), "destination"),
        "bizTransactionList": _transactions(event.get("bizTransactionList")),
        "ilmd": copy.deepcopy(dict(ilmd)) if isinstance(ilmd, Mapping) else {},
        "extensions": {
            key: copy.deepcopy(value)
            for key, value in event.items()
            if isinstance(key, str) and key not in standard_fields and not key.startswith("@")
        }
        if kind in EVENT_FIELDS
        else {},
        "errorDeclaration": copy.deepcopy(event.get("errorDeclaration"))
        if isinstance(event.get("errorDeclaration"), Mapping)
        else None,
    }
    return summary


def to_plain(value: Any) -> Any:
    """Convert the dataclasses of a summary into dicts (datetimes are left as they are)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {key: to_plain(item) for key, item in asdict(value).items()}
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value


def all_identifiers(summary: Mapping[str, Any]) -> list[Identifier]:
    """Every object identifier mentioned by a summary (EPCs, parent, classes), in order."""
    found: list[Identifier] = []
    for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        found.extend(summary.get(name) or [])
    if summary.get("parentID"):
        found.append(summary["parentID"])
    for name in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        found.extend(item.epc_class for item in summary.get(name) or [])
    return found


# --------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _vocabulary(vocabulary: Vocabulary, value: Any) -> str | None:
    text = _text(value)
    return short_name(vocabulary, text) if text else None


def _identifier(value: Any) -> Identifier | None:
    text = _text(value)
    if text is None:
        return None
    return Identifier(text, identifier_elements(text))


def _identifiers(values: Any) -> list[Identifier]:
    return [item for item in map(_identifier, _list(values)) if item is not None]


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _quantities(items: Any) -> list[Quantity]:
    result = []
    for item in _list(items):
        if not isinstance(item, Mapping):
            continue
        epc_class = _identifier(item.get("epcClass"))
        if epc_class is None:
            continue
        result.append(Quantity(epc_class, _number(item.get("quantity")), _text(item.get("uom"))))
    return result


def _location(node: Any) -> Location | None:
    if not isinstance(node, Mapping):
        return None
    text = _text(node.get("id"))
    if text is None:
        return None
    gln = location_of(text)
    return Location(
        text,
        gln.gln if gln else None,
        gln.extension if gln else None,
        identifier_elements(text),
    )


def _sources(items: Any, key: str) -> list[SourceDestination]:
    result = []
    for item in _list(items):
        if not isinstance(item, Mapping):
            continue
        text = _text(item.get(key))
        if text is None:
            continue
        kind = _vocabulary(Vocabulary.SOURCE_DESTINATION_TYPE, item.get("type"))
        reference = (location_of(text) if kind == "location" else None) or party_of(text)
        result.append(
            SourceDestination(
                kind,
                text,
                reference.gln if reference else None,
                reference.ai if reference else None,
                reference.extension if reference else None,
                identifier_elements(text),
            )
        )
    return result


def _transactions(items: Any) -> list[BizTransaction]:
    result = []
    for item in _list(items):
        if not isinstance(item, Mapping):
            continue
        text = _text(item.get("bizTransaction"))
        if text is None:
            continue
        kind = _vocabulary(Vocabulary.BIZ_TRANSACTION_TYPE, item.get("type"))
        result.append(BizTransaction(kind, text, identifier_elements(text)))
    return result
