"""EPCIS Event Hash ID (GS1 CBV 2.0, section 8.9): a content-derived ``eventID``.

The pre-hash string lists the event's data in the canonical property order below, each value
as ``key=value`` without separators; list members and extension elements are sorted
(case-sensitive, by code point) so that the order in the document does not matter. Values are
normalised first:

* timestamps → UTC with millisecond precision and ``Z`` (4th decimal 5-9 rounds up);
* numbers without trailing zeros (``26.0`` → ``26``); leading/trailing whitespace trimmed;
* CBV bare words (JSON-LD) and ``urn:epcglobal:cbv:…`` URNs → CBV Web URIs
  (``https://ref.gs1.org/cbv/BizStep-shipping``); CURIEs → full URIs;
* EPC URIs (``urn:epc:id|class|idpat:…``) → canonical GS1 Digital Link URIs, and any GS1 Digital
  Link → its constrained canonical form (``https://id.gs1.org``, no query string, only the most
  fine-grained key/qualifier path);
* extension elements (ILMD, user extensions) as ``{namespace}localName=value``, nested children
  following their parent, siblings sorted.

``eventID``, ``recordTime``, ``errorDeclaration`` and ``certificationInfo`` are not part of the
canonical property order of CBV 2.0, so an error declaration keeps the hash of the event it
corrects. The result is ``ni:///sha-256;<hex digest>?ver=CBV2.0`` (RFC 6920).
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .context import Namespaces
from .identifiers import hash_form_of_identifier
from .timeutil import canonical_timestamp
from .vocabulary import SENSOR_COMPONENTS, Vocabulary, classify

HASH_ALGORITHMS: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
    "sha3-256": hashlib.sha3_256,
}
CBV_VERSION = "CBV2.0"

_NI_PATTERN = re.compile(r"^ni:///(?P<alg>[a-z0-9-]+);(?P<digest>[0-9a-fA-F]+)\?ver=(?P<ver>.+)$")

_SENSOR_METADATA_ORDER = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_SENSOR_REPORT_ORDER = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)
_TIME_FIELDS = frozenset({"time", "startTime", "endTime"})
#: Event fields that are not hashed as user extensions (standard fields of any event type, and
#: the ones CBV 2.0 leaves out of the pre-hash string).
_STANDARD_FIELDS = frozenset(
    {
        "@context",
        "type",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
        "epcList",
        "parentID",
        "inputEPCList",
        "childEPCs",
        "quantityList",
        "childQuantityList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "action",
        "transformationID",
        "bizStep",
        "disposition",
        "persistentDisposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "ilmd",
    }
)
# urn:epcglobal:cbv:<vocabulary>:<term> → CBV Web URI (CBV 2.0 section 8.9, rule on URN values).
_URN_VOCABULARIES = {vocabulary.urn_prefix: vocabulary for vocabulary in Vocabulary}
_CBVMDA_JSONLD = "urn:epcglobal:cbv:mda:"
_CBVMDA_XML = "urn:epcglobal:cbv:mda"
_DECIMAL_STRING = re.compile(r"^[+-]?\d+\.\d+$")
#: Bare sensor measurement types and exceptions (``"Temperature"``, ``"ALARM_CONDITION"``) are
#: GS1 Web Vocabulary terms; they are written with the vocabulary's current base, as the GS1
#: reference implementation of the CBV 2.0 hash does.
SENSOR_VOCABULARY_BASE = "https://ref.gs1.org/voc/"


def event_prehash(event: Mapping[str, Any], *, context: Any = None) -> str:
    """The canonical CBV 2.0 pre-hash string of one event.

    ``context`` is the ``@context`` of the enclosing document (the event's own ``@context`` is
    added to it); it is needed to expand namespace prefixes of extensions and CURIE values.
    Malformed fields are skipped rather than rejected (validate first); only an event nested
    too deeply for Python's recursion limit raises ``ValueError``.
    """
    namespaces = Namespaces.from_context(context).extended(event.get("@context"))
    try:
        return _Canonicaliser(namespaces).event(event)
    except RecursionError:
        raise ValueError("the event is nested too deeply to be hashed") from None


def event_hash_id(
    event: Mapping[str, Any], *, context: Any = None, algorithm: str = "sha-256"
) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` for one event (see :func:`event_prehash`)."""
    try:
        digest = HASH_ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(
            f"unsupported hash algorithm {algorithm!r}; use one of {', '.join(HASH_ALGORITHMS)}"
        ) from None
    prehash = event_prehash(event, context=context)
    return f"ni:///{algorithm};{digest(prehash.encode('utf-8')).hexdigest()}?ver={CBV_VERSION}"


def iter_document_events(document: Any) -> Iterator[MutableMapping[str, Any]]:
    """The event objects of an EPCISDocument, an EPCISQueryDocument or a single event."""
    if not isinstance(document, MutableMapping):
        return
    kind = document.get("type")
    body = document.get("epcisBody")
    events: Any = None
    if kind == "EPCISDocument" and isinstance(body, Mapping):
        events = body.get("eventList")
    elif kind == "EPCISQueryDocument" and isinstance(body, Mapping):
        results = body.get("queryResults")
        results_body = results.get("resultsBody") if isinstance(results, Mapping) else None
        events = results_body.get("eventList") if isinstance(results_body, Mapping) else None
    elif isinstance(kind, str):
        events = [document]
    if isinstance(events, list):
        for event in events:
            if isinstance(event, MutableMapping):
                yield event


def assign_event_ids(
    document: MutableMapping[str, Any], *, overwrite: bool = False, algorithm: str = "sha-256"
) -> MutableMapping[str, Any]:
    """Set ``eventID`` to the event hash ID on every event that has none; returns ``document``.

    The document is modified in place. With ``overwrite=True`` existing IDs are replaced too.
    """
    context = document.get("@context")
    for event in iter_document_events(document):
        if overwrite or not event.get("eventID"):
            event["eventID"] = event_hash_id(event, context=context, algorithm=algorithm)
    return document


def with_event_ids(document: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """Like :func:`assign_event_ids` but on a deep copy."""
    return dict(assign_event_ids(copy.deepcopy(dict(document)), **options))


def verify_event_id(event: Mapping[str, Any], *, context: Any = None) -> bool | None:
    """Check an ``ni:///`` eventID against the event content.

    Returns None when the eventID is not a CBV 2.0 hash ID (absent, a UUID, another version).
    """
    event_id = event.get("eventID")
    if not isinstance(event_id, str):
        return None
    match = _NI_PATTERN.match(event_id.strip())
    if not match or match["ver"] != CBV_VERSION or match["alg"] not in HASH_ALGORITHMS:
        return None
    expected = event_hash_id(event, context=context, algorithm=match["alg"])
    return expected.lower() == event_id.strip().lower()


# --------------------------------------------------------------------------------------------


class _Canonicaliser:
    def __init__(self, namespaces: Namespaces) -> None:
        self.ns = namespaces

    # -- the event ---------------------------------------------------------------------------

    def event(self, event: Mapping[str, Any]) -> str:
        parts: list[str] = []
        kind = event.get("type")
        if kind is not None:
            parts.append("eventType=" + self.value(kind))
        parts.append(self.time_field("eventTime", event.get("eventTime")))
        parts.append(self.field("eventTimeZoneOffset", event.get("eventTimeZoneOffset")))
        parts.append(self.epc_list("epcList", event.get("epcList")))
        parts.append(self.field("parentID", event.get("parentID")))
        parts.append(self.epc_list("inputEPCList", event.get("inputEPCList")))
        parts.append(self.epc_list("childEPCs", event.get("childEPCs")))
        parts.append(self.quantity_list("quantityList", event.get("quantityList")))
        parts.append(self.quantity_list("childQuantityList", event.get("childQuantityList")))
        parts.append(self.quantity_list("inputQuantityList", event.get("inputQuantityList")))
        parts.append(self.epc_list("outputEPCList", event.get("outputEPCList")))
        parts.append(self.quantity_list("outputQuantityList", event.get("outputQuantityList")))
        parts.append(self.field("action", event.get("action")))
        parts.append(self.field("transformationID", event.get("transformationID")))
        parts.append(self.vocabulary_field("bizStep", Vocabulary.BIZ_STEP, event.get("bizStep")))
        parts.append(
            self.vocabulary_field("disposition", Vocabulary.DISPOSITION, event.get("disposition"))
        )
        parts.append(self.persistent_disposition(event.get("persistentDisposition")))
        parts.append(self.location("readPoint", event.get("readPoint")))
        parts.append(self.location("bizLocation", event.get("bizLocation")))
        parts.append(
            self.typed_list(
                "bizTransactionList",
                "bizTransaction",
                Vocabulary.BIZ_TRANSACTION_TYPE,
                event.get("bizTransactionList"),
            )
        )
        parts.append(
            self.typed_list(
                "sourceList", "source", Vocabulary.SOURCE_DESTINATION_TYPE, event.get("sourceList")
            )
        )
        parts.append(
            self.typed_list(
                "destinationList",
                "destination",
                Vocabulary.SOURCE_DESTINATION_TYPE,
                event.get("destinationList"),
            )
        )
        parts.append(self.sensor_elements(event.get("sensorElementList")))
        ilmd = event.get("ilmd")
        if isinstance(ilmd, Mapping):
            content = self.extensions(ilmd.items())
            if content:
                parts.append("ilmd" + content)
        extra = [(k, v) for k, v in event.items() if k not in _STANDARD_FIELDS]
        parts.append(self.extensions(extra))
        return "".join(parts)

    # -- building blocks ---------------------------------------------------------------------

    def field(self, name: str, value: Any) -> str:
        text = self.value(value) if _is_scalar(value) else ""
        return f"{name}={text}" if text else ""

    def time_field(self, name: str, value: Any) -> str:
        text = self.time(value) if _is_scalar(value) else ""
        return f"{name}={text}" if text else ""

    def vocabulary_field(self, name: str, vocabulary: Vocabulary, value: Any) -> str:
        text = self.vocabulary_value(vocabulary, value) if isinstance(value, str) else ""
        return f"{name}={text}" if text else ""

    def epc_list(self, name: str, values: Any) -> str:
        if not isinstance(values, list):
            return ""
        members = sorted(f"epc={text}" for text in map(self.value, values) if text)
        return name + "".join(members) if members else ""

    def quantity_list(self, name: str, items: Any) -> str:
        if not isinstance(items, list):
            return ""
        members = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            body = "".join(
                self.field(key, item.get(key)) for key in ("epcClass", "quantity", "uom")
            )
            if body:
                members.append("quantityElement" + body)
        return name + "".join(sorted(members)) if members else ""

    def persistent_disposition(self, node: Any) -> str:
        if not isinstance(node, Mapping):
            return ""
        body = ""
        for part in ("set", "unset"):
            values = node.get(part)
            if isinstance(values, list):
                texts = (
                    self.vocabulary_value(Vocabulary.DISPOSITION, value)
                    for value in values
                    if isinstance(value, str)
                )
                body += "".join(sorted(f"{part}={text}" for text in texts if text))
        return "persistentDisposition" + body if body else ""

    def location(self, name: str, node: Any) -> str:
        if not isinstance(node, Mapping):
            return ""
        body = self.field("id", node.get("id"))
        body += self.extensions((k, v) for k, v in node.items() if k != "id")
        return name + body if body else ""

    def typed_list(self, name: str, key: str, vocabulary: Vocabulary, items: Any) -> str:
        if not isinstance(items, list):
            return ""
        members = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            # The type precedes the identifier (CBV 2.0 canonical property order).
            body = self.vocabulary_field("type", vocabulary, item.get("type"))
            body += self.field(key, item.get(key))
            if body:
                members.append(body)
        return name + "".join(sorted(members)) if members else ""

    def sensor_elements(self, elements: Any) -> str:
        # CBV 2.0 lists sensorElement blocks without a "sensorElementList" label (as does the
        # GS1 reference implementation for CBV 2.0); extensions close their enclosing element.
        if not isinstance(elements, list):
            return ""
        blocks = []
        for element in elements:
            if not isinstance(element, Mapping):
                continue
            body = ""
            metadata = element.get("sensorMetadata")
            if isinstance(metadata, Mapping):
                inner = self.ordered(metadata, _SENSOR_METADATA_ORDER)
                if inner:
                    body += "sensorMetadata" + inner
            reports = element.get("sensorReport")
            if isinstance(reports, list):
                texts = [
                    self.ordered(report, _SENSOR_REPORT_ORDER)
                    for report in reports
                    if isinstance(report, Mapping)
                ]
                body += "".join(sorted("sensorReport" + text for text in texts if text))
            body += self.extensions(
                (k, v) for k, v in element.items() if k not in ("sensorMetadata", "sensorReport")
            )
            if body:
                blocks.append("sensorElement" + body)
        return "".join(sorted(blocks))

    def ordered(self, node: Mapping[str, Any], order: tuple[str, ...]) -> str:
        body = ""
        for key in order:
            value = node.get(key)
            if key in _TIME_FIELDS:
                body += self.time_field(key, value)
            elif key in ("type", "exception") and isinstance(value, str) and ":" not in value:
                body += self.field(key, SENSOR_VOCABULARY_BASE + value.strip())
            elif key == "component" and isinstance(value, str) and value in SENSOR_COMPONENTS:
                body += self.field(key, "https://ref.gs1.org/cbv/Comp-" + value)
            else:
                body += self.field(key, value)
        body += self.extensions((k, v) for k, v in node.items() if k not in order)
        return body

    # -- extensions --------------------------------------------------------------------------

    def extensions(self, items: Any) -> str:
        return "".join(sorted(self.extension_elements(items)))

    def extension_elements(self, items: Any) -> list[str]:
        elements: list[str] = []
        for key, value in items:
            if not isinstance(key, str) or key.startswith("@"):
                continue
            name = self.extension_name(key)
            if isinstance(value, list):
                for member in value:
                    elements.append(self.extension_element(name, member))
            else:
                elements.append(self.extension_element(name, value))
        return elements

    def extension_element(self, name: str, value: Any) -> str:
        if isinstance(value, Mapping):
            if "@value" in value:
                return self.extension_element(name, value["@value"])
            if "@id" in value and len(value) == 1:
                return self.extension_element(name, value["@id"])
            return name + "".join(sorted(self.extension_elements(value.items())))
        text = self.value(value) if _is_scalar(value) else ""
        return f"{name}={text}" if text else name

    def extension_name(self, key: str) -> str:
        split = self.ns.extension_key(key)
        if split is None:
            return key
        namespace, local = split
        if namespace == _CBVMDA_JSONLD:
            namespace = _CBVMDA_XML  # the XML namespace, so JSON and XML events hash alike
        return "{" + namespace + "}" + local

    # -- values ------------------------------------------------------------------------------

    def vocabulary_value(self, vocabulary: Vocabulary, value: str) -> str:
        text = value.strip()
        if not text:
            return ""
        found = classify(vocabulary, text)
        if found.is_cbv and found.term is not None:
            return vocabulary.web_prefix + found.term
        return self.value(text)

    def time(self, value: Any) -> str:
        if isinstance(value, str):
            return canonical_timestamp(value) or value.strip()
        return self.value(value)

    def value(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return _number(value)
        text = str(value).strip()
        if not text:
            return ""
        timestamp = canonical_timestamp(text)
        if timestamp is not None:
            return timestamp
        if _DECIMAL_STRING.match(text):
            return _number(Decimal(text))
        expanded = self.ns.expand(text)
        for urn_prefix, vocabulary in _URN_VOCABULARIES.items():
            if expanded.startswith(urn_prefix):
                return vocabulary.web_prefix + expanded[len(urn_prefix) :]
        canonical = hash_form_of_identifier(expanded)
        return canonical if canonical is not None else expanded


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        value = Decimal(repr(value))
    try:
        normalised = value.normalize()
    except InvalidOperation:
        return str(value)
    text = format(normalised, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
