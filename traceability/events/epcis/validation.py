"""Validation of EPCIS 2.0 JSON-LD: the official JSON schema plus the rules it cannot express.

Every function here returns a list of :class:`EPCISProblem` and never raises for bad input; an
empty list means valid. Paths are JSON pointers into the validated value (``""`` is the root).

Checks beyond the schema (``_Checker``):

* CBV 2.0 vocabularies: bizStep, disposition, persistentDisposition, bizTransaction type,
  source/destination type and error reason must be a standard CBV value (bare word or CBV Web
  URI) or a URI of another namespace; a CBV-namespace URI naming no standard value, or a bare
  word that is not a CBV value, is rejected. ``urn:epcglobal:cbv:…`` (EPCIS 1.x) spellings are
  rejected by the official schema; ``accept_cbv_urns=True`` tolerates them.
* ``action`` values and presence per event type.
* Extension fields (event level, ``ilmd``, readPoint/bizLocation, sensor data, error
  declaration, document header) must be namespace-qualified with a prefix declared in
  ``@context``; CURIE values (e.g. a custom bizStep ``ext1:x``) need a declared prefix too.
* Quantities: non-negative; ``uom`` only together with ``quantity``; a quantity without
  ``uom`` is a count and must be a whole number.
* Timestamps (eventTime, recordTime, declarationTime, sensor times, creationDate) must be RFC
  3339 with an explicit offset; ``eventTimeZoneOffset`` must be ``±hh:mm`` within ±14:00.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from .context import Namespaces
from .hashing import _SENSOR_METADATA_ORDER, _SENSOR_REPORT_ORDER
from .timeutil import parse_offset, parse_timestamp
from .vocabulary import ACTIONS, Form, Vocabulary, classify

DOCUMENT_SCHEMA_FILE = "EPCIS-JSON-Schema.json"
QUERY_SCHEMA_FILE = "query-schema.json"

STANDARD_EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)

_COMMON_FIELDS = frozenset(
    {
        "@context",
        "type",
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
    }
)
_WHAT_WHERE_WHY = frozenset(
    {
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
    }
)
EVENT_FIELDS: Mapping[str, frozenset[str]] = {
    "ObjectEvent": _COMMON_FIELDS
    | _WHAT_WHERE_WHY
    | {"epcList", "quantityList", "action", "persistentDisposition", "ilmd"},
    "AggregationEvent": _COMMON_FIELDS
    | _WHAT_WHERE_WHY
    | {"parentID", "childEPCs", "childQuantityList", "action", "persistentDisposition"},
    "TransactionEvent": _COMMON_FIELDS
    | _WHAT_WHERE_WHY
    | {"parentID", "epcList", "quantityList", "action", "persistentDisposition"},
    "TransformationEvent": _COMMON_FIELDS
    | _WHAT_WHERE_WHY
    | {
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        "persistentDisposition",
        "ilmd",
    },
    "AssociationEvent": _COMMON_FIELDS
    | _WHAT_WHERE_WHY
    | {"parentID", "childEPCs", "childQuantityList", "action", "persistentDisposition"},
}
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")

_DOCUMENT_FIELDS = frozenset(
    {
        "@context",
        "id",
        "type",
        "schemaVersion",
        "creationDate",
        "instanceIdentifier",
        "sender",
        "receiver",
        "epcisHeader",
        "epcisBody",
    }
)
_SENSOR_ELEMENT_FIELDS = frozenset({"sensorMetadata", "sensorReport"})
# The sensor fields the standard defines: the same names the event hash puts in order.
_SENSOR_METADATA_FIELDS = frozenset(_SENSOR_METADATA_ORDER)
_SENSOR_REPORT_FIELDS = frozenset(_SENSOR_REPORT_ORDER)
_ERROR_DECLARATION_FIELDS = frozenset({"declarationTime", "reason", "correctiveEventIDs"})
_JSONLD_KEYWORDS = frozenset({"@context", "@id", "@type", "@value", "@language", "@list", "@set"})
_MAX_MESSAGE = 300
#: Deepest JSON nesting the checks descend into (extension content can nest freely).
MAX_DEPTH = 40
_REQUIRED = re.compile(r"^(?P<name>'.*') is a required property$")


@dataclass(frozen=True)
class EPCISProblem:
    """One validation finding: JSON pointer into the input and a readable English message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message}"


# --------------------------------------------------------------------------------------------
# Schema loading (compiled once, lazily)


def _load_schema(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema", name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def document_validator() -> Draft7Validator:
    """The compiled validator of the official EPCIS 2.0 JSON schema (format checks active)."""
    schema = _load_schema(DOCUMENT_SCHEMA_FILE)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@functools.cache
def event_validator() -> Draft7Validator:
    """Validator for one event as it appears inside an ``eventList``."""
    schema = _load_schema(DOCUMENT_SCHEMA_FILE)
    wrapper = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "allOf": [{"$ref": "#/definitions/EPCIS-Document-Event"}],
    }
    return Draft7Validator(wrapper, format_checker=Draft7Validator.FORMAT_CHECKER)


@functools.cache
def query_validator() -> Draft7Validator:
    """The compiled validator of the EPCIS 2.0 REST query schema (``POST /queries`` body)."""
    schema = _load_schema(QUERY_SCHEMA_FILE)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


# --------------------------------------------------------------------------------------------
# Public entry points


def validate_document(document: Any, *, accept_cbv_urns: bool = False) -> list[EPCISProblem]:
    """Validate an EPCISDocument, an EPCISQueryDocument or a single event with ``@context``."""
    schema_problems = _schema_problems(document_validator(), document)
    checker = _Checker(accept_cbv_urns=accept_cbv_urns)
    checker.run(checker.check_root, document)
    return _merge(schema_problems, checker.problems, accept_cbv_urns, checker.cbv_urn_paths)


def validate_event(
    event: Any, *, context: Any = None, accept_cbv_urns: bool = False
) -> list[EPCISProblem]:
    """Validate one event as found in an ``eventList``; ``context`` is the document's @context."""
    schema_problems = _schema_problems(event_validator(), event)
    checker = _Checker(accept_cbv_urns=accept_cbv_urns)
    namespaces = Namespaces.from_context(context)
    checker.run(checker.check_event, event, (), namespaces)
    return _merge(schema_problems, checker.problems, accept_cbv_urns, checker.cbv_urn_paths)


def validate_query(query: Any) -> list[EPCISProblem]:
    """Validate the body of an EPCIS 2.0 REST query (``POST /queries``) against query-schema."""
    return _merge(_schema_problems(query_validator(), query), [], False, set())


def is_valid(document: Any) -> bool:
    return not validate_document(document)


# --------------------------------------------------------------------------------------------
# Schema errors → problems


def pointer(path: Iterable[Any]) -> str:
    """JSON pointer (RFC 6901) for a sequence of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_path(error: ValidationError) -> tuple[Any, ...]:
    path = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # jsonschema reports a bad property *name* at the object; point at the property.
        path += (error.instance,)
    return path


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        leaves: list[ValidationError] = []
        for sub in error.context:
            leaves.extend(_leaf_errors(sub))
        return leaves
    return [error]


def _describe(error: ValidationError) -> str:
    instance = error.instance
    if error.validator in ("anyOf", "oneOf") and error.context:
        here = _error_path(error)
        parts: list[str] = []
        for leaf in _leaf_errors(error):
            relative = _error_path(leaf)[len(here) :]
            text = _describe(leaf)
            entry = f"{pointer(relative)}: {text}" if relative else text
            if entry not in parts:
                parts.append(entry)
        leaves = _leaf_errors(error)
        if all(leaf.validator == "required" for leaf in leaves):
            names = [m["name"] for m in (_REQUIRED.match(leaf.message) for leaf in leaves) if m]
            unique = ", ".join(dict.fromkeys(names))
            return f"needs at least one of the properties {unique}"
        shown = "; ".join(parts[:4]) + ("; ..." if len(parts) > 4 else "")
        return f"{_short(instance)} matches none of the allowed forms ({shown})"
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        if match:
            return f"required property {match['name']} is missing"
    if error.validator == "format":
        return f"{_short(instance)} is not a valid '{error.validator_value}'"
    message = error.message
    if isinstance(instance, Mapping | list) and message.startswith(repr(instance)[:20]):
        message = _short(instance) + message[len(repr(instance)) :]
    return message


#: A schema finding and the paths of the nested values it is about (for alternatives).
_SchemaFinding = tuple[EPCISProblem, frozenset[str]]


def _schema_problems(validator: Draft7Validator, instance: Any) -> list[_SchemaFinding]:
    findings: list[_SchemaFinding] = []

    def add(problem: EPCISProblem, leaves: frozenset[str]) -> None:
        if all(problem != known for known, _ in findings):
            findings.append((problem, leaves))

    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    except RecursionError:
        return [(EPCISProblem("", "the value is nested too deeply to be validated"), frozenset())]
    except Exception as error:  # noqa: BLE001 - e.g. Python objects that are not JSON data
        message = f"the value is not JSON data the schema can check ({type(error).__name__})"
        return [(EPCISProblem("", message), frozenset())]
    for error in errors:
        path = _error_path(error)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            for key in _unexpected_properties(error):
                where = pointer((*path, key))
                add(EPCISProblem(where, f"property {key!r} is not allowed"), frozenset({where}))
            continue
        leaf_paths = {_error_path(leaf) for leaf in _leaf_errors(error)}
        if error.validator in ("anyOf", "oneOf") and error.context and len(leaf_paths) == 1:
            # Every alternative failed on the same nested value: report it there.
            (path,) = leaf_paths
        message = _describe(error)
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        add(EPCISProblem(pointer(path), message), frozenset(map(pointer, leaf_paths)))
    return findings


def _unexpected_properties(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    declared = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    unexpected = []
    for key in error.instance:
        if key in declared:
            continue
        try:
            if any(re.search(pattern, key) for pattern in patterns):
                continue
        except (re.error, TypeError):
            continue
        unexpected.append(key)
    return unexpected or ["?"]


def _merge(
    schema_findings: list[_SchemaFinding],
    own_problems: list[EPCISProblem],
    accept_cbv_urns: bool,
    cbv_urn_paths: set[str],
) -> list[EPCISProblem]:
    """Own (more specific) findings replace schema findings about the same values."""
    covered = {problem.path for problem in own_problems}
    if accept_cbv_urns:
        covered |= cbv_urn_paths
    merged = [
        problem
        for problem, leaves in schema_findings
        if problem.path not in covered and not (leaves & covered)
    ]
    for problem in own_problems:
        if problem not in merged:
            merged.append(problem)
    return merged


# --------------------------------------------------------------------------------------------
# Checks the schema cannot express


class _Checker:
    def __init__(self, *, accept_cbv_urns: bool) -> None:
        self.accept_cbv_urns = accept_cbv_urns
        self.problems: list[EPCISProblem] = []
        #: Paths of standard values written as urn:epcglobal:cbv:… (schema errors there are
        #: dropped when ``accept_cbv_urns`` is set).
        self.cbv_urn_paths: set[str] = set()

    def run(self, check: Any, *args: Any) -> None:
        try:
            check(*args)
        except RecursionError:
            self.add((), "the value is nested too deeply to be checked")

    def add(self, path: Sequence[Any], message: str) -> None:
        problem = EPCISProblem(pointer(path), message)
        if problem not in self.problems:
            self.problems.append(problem)

    # -- documents ---------------------------------------------------------------------------

    def check_root(self, document: Any) -> None:
        if not isinstance(document, Mapping):
            return
        kind = document.get("type")
        namespaces = Namespaces.from_context(document.get("@context"))
        if kind == "EPCISDocument":
            self._check_document_fields(document, namespaces)
            body = document.get("epcisBody")
            events = body.get("eventList") if isinstance(body, Mapping) else None
            self._check_event_list(events, ("epcisBody", "eventList"), namespaces)
        elif kind == "EPCISQueryDocument":
            self._check_document_fields(document, namespaces)
            path: tuple[Any, ...] = ("epcisBody", "queryResults", "resultsBody", "eventList")
            node: Any = document
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, Mapping) else None
            events = node.get("eventList") if isinstance(node, Mapping) else None
            self._check_event_list(events, path, namespaces)
        elif isinstance(kind, str):
            self.check_event(document, (), Namespaces())

    def _check_document_fields(self, document: Mapping[str, Any], ns: Namespaces) -> None:
        self._check_time(document, "creationDate", (), required=False)
        for key in document:
            if key not in _DOCUMENT_FIELDS:
                self._check_extension_key(key, (key,), ns, "document")
        header = document.get("epcisHeader")
        if isinstance(header, Mapping):
            for key in header:
                if key != "epcisMasterData":
                    self._check_extension_key(key, ("epcisHeader", key), ns, "epcisHeader")

    def _check_event_list(self, events: Any, path: tuple[Any, ...], ns: Namespaces) -> None:
        if not isinstance(events, list):
            return
        for index, event in enumerate(events):
            self.check_event(event, (*path, index), ns)

    # -- events ------------------------------------------------------------------------------

    def check_event(self, event: Any, path: tuple[Any, ...], ns: Namespaces) -> None:
        if not isinstance(event, Mapping):
            return
        ns = ns.extended(event.get("@context"))
        kind = event.get("type")
        if not isinstance(kind, str):
            return
        if kind not in STANDARD_EVENT_TYPES:
            if ns.is_undeclared_curie(kind):
                self.add((*path, "type"), _undeclared(kind, "event type"))
            elif ":" not in kind:
                self.add(
                    (*path, "type"),
                    f"unknown event type {kind!r}; use one of "
                    f"{', '.join(sorted(STANDARD_EVENT_TYPES))} or a URI for an extended event",
                )
            return
        allowed = EVENT_FIELDS[kind]
        for key in event:
            if key not in allowed:
                if key == "action" and kind == "TransformationEvent":
                    self.add((*path, key), "a TransformationEvent has no action field")
                else:
                    self._check_extension_key(key, (*path, key), ns, kind)
                    self._check_extension_value(event[key], (*path, key), ns)
        self._check_action(event, kind, path)
        self._check_times(event, path)
        self._check_vocabularies(event, path, ns)
        for name in QUANTITY_LISTS:
            if name in allowed:
                self._check_quantities(event.get(name), (*path, name))
        ilmd = event.get("ilmd")
        if "ilmd" in event and kind == "ObjectEvent" and event.get("action") != "ADD":
            self.add(
                (*path, "ilmd"),
                "ilmd describes objects being commissioned and is only allowed in an "
                "ObjectEvent whose action is ADD",
            )
        if isinstance(ilmd, Mapping):
            for key, value in ilmd.items():
                self._check_extension_key(key, (*path, "ilmd", key), ns, "ilmd")
                self._check_extension_value(value, (*path, "ilmd", key), ns)
        for name in ("readPoint", "bizLocation"):
            node = event.get(name)
            if isinstance(node, Mapping):
                self._check_extension_members(node, {"id"}, (*path, name), ns, name)
        self._check_sensors(event.get("sensorElementList"), (*path, "sensorElementList"), ns)
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, Mapping):
            where = (*path, "errorDeclaration")
            self._check_time(declaration, "declarationTime", where, required=False)
            self._check_extension_members(
                declaration, _ERROR_DECLARATION_FIELDS, where, ns, "errorDeclaration"
            )

    def _check_action(self, event: Mapping[str, Any], kind: str, path: tuple[Any, ...]) -> None:
        if kind == "TransformationEvent" or "action" not in event:
            return  # a missing action is reported by the schema
        action = event["action"]
        if not isinstance(action, str) or action not in ACTIONS:
            hint = ""
            if isinstance(action, str) and action.upper() in ACTIONS:
                hint = f" (values are upper case: {action.upper()!r})"
            self.add(
                (*path, "action"),
                f"action must be one of OBSERVE, ADD or DELETE, not {_short(action)}{hint}",
            )

    def _check_times(self, event: Mapping[str, Any], path: tuple[Any, ...]) -> None:
        self._check_time(event, "eventTime", path, required=False)
        self._check_time(event, "recordTime", path, required=False)
        if "eventTimeZoneOffset" in event:
            offset = event["eventTimeZoneOffset"]
            if parse_offset(offset) is None:
                self.add(
                    (*path, "eventTimeZoneOffset"),
                    f"eventTimeZoneOffset {_short(offset)} is not a time zone offset of the "
                    "form +hh:mm or -hh:mm between -14:00 and +14:00 (e.g. '+07:00')",
                )

    def _check_time(
        self, node: Mapping[str, Any], name: str, path: tuple[Any, ...], *, required: bool
    ) -> None:
        if name not in node:
            return
        value = node[name]
        if parse_timestamp(value) is None:
            self.add(
                (*path, name),
                f"{name} {_short(value)} is not an RFC 3339 timestamp with a time zone "
                "(e.g. '2024-05-01T08:30:00+07:00' or '2024-05-01T01:30:00Z')",
            )

    # -- vocabularies ------------------------------------------------------------------------

    def _check_vocabularies(
        self, event: Mapping[str, Any], path: tuple[Any, ...], ns: Namespaces
    ) -> None:
        self._check_vocabulary(Vocabulary.BIZ_STEP, event.get("bizStep"), (*path, "bizStep"), ns)
        self._check_vocabulary(
            Vocabulary.DISPOSITION, event.get("disposition"), (*path, "disposition"), ns
        )
        persistent = event.get("persistentDisposition")
        if isinstance(persistent, Mapping):
            for part in ("set", "unset"):
                values = persistent.get(part)
                if isinstance(values, list):
                    for index, value in enumerate(values):
                        where = (*path, "persistentDisposition", part, index)
                        self._check_vocabulary(Vocabulary.DISPOSITION, value, where, ns)
        for list_name, vocabulary in (
            ("bizTransactionList", Vocabulary.BIZ_TRANSACTION_TYPE),
            ("sourceList", Vocabulary.SOURCE_DESTINATION_TYPE),
            ("destinationList", Vocabulary.SOURCE_DESTINATION_TYPE),
        ):
            items = event.get(list_name)
            if isinstance(items, list):
                for index, item in enumerate(items):
                    if isinstance(item, Mapping):
                        where = (*path, list_name, index, "type")
                        self._check_vocabulary(vocabulary, item.get("type"), where, ns)
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, Mapping):
            where = (*path, "errorDeclaration", "reason")
            self._check_vocabulary(Vocabulary.ERROR_REASON, declaration.get("reason"), where, ns)

    def _check_vocabulary(
        self, vocabulary: Vocabulary, value: Any, path: tuple[Any, ...], ns: Namespaces
    ) -> None:
        if not isinstance(value, str):
            return  # absent, or a type error the schema reports
        found = classify(vocabulary, value)
        label = vocabulary.label
        if found.form is Form.INVALID:
            suggestion = difflib.get_close_matches(value, sorted(vocabulary.terms), n=1)
            hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
            self.add(
                path,
                f"{value!r} is not a CBV 2.0 {label}: use a standard value (e.g. "
                f"{_example(vocabulary)!r}) or a URI in your own namespace{hint}",
            )
        elif found.form in (Form.WEB_URI, Form.URN) and not found.standard:
            self.add(
                path,
                f"{value!r} is in the CBV namespace but {found.term!r} is not a CBV 2.0 "
                f"{label}; custom values must be URIs of another namespace",
            )
        elif found.form is Form.URN:
            self.cbv_urn_paths.add(pointer(path))
            if not self.accept_cbv_urns:
                self.add(
                    path,
                    f"{value!r} is the EPCIS 1.x URN spelling, which the EPCIS 2.0 JSON schema "
                    f"does not allow; write {found.term!r} (or "
                    f"'{vocabulary.web_prefix}{found.term}')",
                )
        elif found.form is Form.OTHER_URI and ns.is_undeclared_curie(value):
            self.add(path, _undeclared(value, label))

    # -- quantities --------------------------------------------------------------------------

    def _check_quantities(self, items: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(items, list):
            return
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            where = (*path, index)
            quantity = item.get("quantity")
            has_quantity = "quantity" in item
            is_number = isinstance(quantity, int | float) and not isinstance(quantity, bool)
            if has_quantity and is_number:
                if not math.isfinite(quantity):
                    self.add((*where, "quantity"), "quantity must be a finite number")
                elif quantity < 0:
                    self.add((*where, "quantity"), f"quantity must not be negative ({quantity})")
                elif "uom" not in item and quantity != int(quantity):
                    self.add(
                        (*where, "quantity"),
                        f"quantity {quantity} has no uom, so it is a count of instances and "
                        "must be a whole number; add a UN/ECE Rec. 20 uom such as 'KGM' for "
                        "a measured amount",
                    )
            elif has_quantity and quantity is not None:
                self.add(
                    (*where, "quantity"),
                    f"quantity must be a JSON number, not {_short(quantity)}",
                )
            if "uom" in item and not has_quantity:
                self.add((*where, "uom"), "uom is only allowed together with a quantity")

    # -- sensor data -------------------------------------------------------------------------

    def _check_sensors(self, elements: Any, path: tuple[Any, ...], ns: Namespaces) -> None:
        if not isinstance(elements, list):
            return
        for index, element in enumerate(elements):
            if not isinstance(element, Mapping):
                continue
            where = (*path, index)
            self._check_extension_members(
                element, _SENSOR_ELEMENT_FIELDS, where, ns, "sensorElement"
            )
            metadata = element.get("sensorMetadata")
            if isinstance(metadata, Mapping):
                meta_path = (*where, "sensorMetadata")
                for name in ("time", "startTime", "endTime"):
                    self._check_time(metadata, name, meta_path, required=False)
                self._check_extension_members(
                    metadata, _SENSOR_METADATA_FIELDS, meta_path, ns, "sensorMetadata"
                )
            reports = element.get("sensorReport")
            if isinstance(reports, list):
                for number, report in enumerate(reports):
                    if isinstance(report, Mapping):
                        report_path = (*where, "sensorReport", number)
                        self._check_time(report, "time", report_path, required=False)
                        self._check_extension_members(
                            report, _SENSOR_REPORT_FIELDS, report_path, ns, "sensorReport"
                        )

    # -- extensions --------------------------------------------------------------------------

    def _check_extension_members(
        self,
        node: Mapping[str, Any],
        standard: Iterable[str],
        path: tuple[Any, ...],
        ns: Namespaces,
        where: str,
    ) -> None:
        known = set(standard)
        for key, value in node.items():
            if key not in known:
                self._check_extension_key(key, (*path, key), ns, where)
                self._check_extension_value(value, (*path, key), ns)

    def _check_extension_key(
        self, key: Any, path: tuple[Any, ...], ns: Namespaces, where: str
    ) -> None:
        if not isinstance(key, str) or key in _JSONLD_KEYWORDS:
            return
        if ns.extension_key(key) is not None:
            return
        nested = where == "extension"
        if ns.is_undeclared_curie(key):
            what = "field inside extension content" if nested else f"{where} extension field"
            self.add(path, _undeclared(key, what))
        else:
            what = (
                "is a field inside extension content"
                if nested
                else (f"is not a standard {where} field")
            )
            self.add(
                path,
                f"{key!r} {what}; extension fields need a namespace prefix declared in "
                f"@context (e.g. 'example:{key}' with {{'example': 'https://example.com/epcis/'}})",
            )

    def _check_extension_value(self, value: Any, path: tuple[Any, ...], ns: Namespaces) -> None:
        if len(path) > MAX_DEPTH:
            self.add(path, f"extension content is nested more than {MAX_DEPTH} levels deep")
            return
        if isinstance(value, Mapping):
            for key, inner in value.items():
                self._check_extension_key(key, (*path, key), ns, "extension")
                self._check_extension_value(inner, (*path, key), ns)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                self._check_extension_value(inner, (*path, index), ns)


def _undeclared(value: str, what: str) -> str:
    prefix = value.split(":", 1)[0]
    return (
        f"{what} {value!r} uses the prefix {prefix!r}, which is not declared in @context; "
        f"add {{{prefix!r}: '<namespace IRI>'}} to @context or write the full URI"
    )


def _example(vocabulary: Vocabulary) -> str:
    return {
        Vocabulary.BIZ_STEP: "commissioning",
        Vocabulary.DISPOSITION: "active",
        Vocabulary.BIZ_TRANSACTION_TYPE: "po",
        Vocabulary.SOURCE_DESTINATION_TYPE: "owning_party",
        Vocabulary.ERROR_REASON: "incorrect_data",
    }[vocabulary]


def problems_by_path(problems: Iterable[EPCISProblem]) -> dict[str, list[str]]:
    """Group messages by path (handy for API error responses)."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem.message)
    return grouped


def iter_problem_lines(problems: Iterable[EPCISProblem]) -> Iterator[str]:
    for problem in problems:
        yield str(problem)
