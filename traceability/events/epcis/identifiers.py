"""Identifier handling for EPCIS, delegated to the project's GS1 library (``traceability.gs1``).

EPCIS identifiers come as EPC URIs (``urn:epc:id:sgtin:…``, ``urn:epc:class:lgtin:…``,
``urn:epc:idpat:sgtin:…``) or GS1 Digital Link URIs (``https://id.gs1.org/01/…/21/…``, possibly
on a brand's own domain). This module turns them into GS1 element strings and into the
constrained canonical Digital Link that the CBV 2.0 event hash uses. It never raises for bad
input: anything that is not a GS1 identifier yields None.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CANONICAL_DL_BASE = "https://id.gs1.org"

Elements = tuple[tuple[str, str], ...]

#: Key → qualifiers allowed in a constrained canonical Digital Link, most fine-grained first
#: (CBV 2.0 section 8.9: 00, 01, 01 21, 01 10, 01 235, 253, 255, 401, 402, 414, 414 254, 417,
#: 8003, 8004, 8006, 8006 21, 8006 10, 8010, 8010 8011, 8017, 8018).
_HASH_KEYS: dict[str, tuple[str, ...]] = {
    "00": (),
    "01": ("21", "235", "10"),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": ("254",),
    "417": (),
    "8003": (),
    "8004": (),
    "8006": ("21", "10"),
    "8010": ("8011",),
    "8017": (),
    "8018": (),
}


@dataclass(frozen=True)
class ParsedIdentifier:
    """An identifier string and what the GS1 library made of it."""

    original: str
    #: ``"epc"`` for EPC URIs (id, class, idpat), ``"digital_link"`` for GS1 Digital Links.
    scheme: str
    elements: Elements


def _gs1() -> Any | None:
    try:
        from traceability import gs1
    except ImportError:  # pragma: no cover - the library ships with the project
        return None
    needed = ("parse_digital_link", "epc_uri_to_elements", "build_digital_link")
    if not all(hasattr(gs1, name) for name in needed):  # pragma: no cover
        return None
    return gs1


def is_epc_uri(text: str) -> bool:
    return text[:14].lower().startswith(("urn:epc:id:", "urn:epc:class:", "urn:epc:idpat:"))


def looks_like_digital_link(text: str) -> bool:
    return text.startswith(("https://", "http://"))


@functools.lru_cache(maxsize=4096)
def parse_identifier(text: str) -> ParsedIdentifier | None:
    """GS1 elements of an EPC URI or a GS1 Digital Link URI, or None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    gs1 = _gs1()
    if gs1 is None or not value:
        return None
    try:
        if value[:14].lower() == "urn:epc:idpat:":
            elements = _pattern_elements(gs1, value)
            scheme = "epc"
        elif is_epc_uri(value):
            elements = _elements(gs1.epc_uri_to_elements(value))
            scheme = "epc"
        elif looks_like_digital_link(value):
            elements = _elements(gs1.parse_digital_link(value))
            scheme = "digital_link"
        else:
            return None
    except Exception:  # noqa: BLE001 - GS1Error or anything else: "not a GS1 identifier"
        return None
    if not elements:
        return None
    return ParsedIdentifier(text, scheme, elements)


def identifier_elements(text: str) -> Elements | None:
    parsed = parse_identifier(text)
    return parsed.elements if parsed else None


@functools.lru_cache(maxsize=4096)
def hash_form_of_identifier(text: str) -> str | None:
    """The constrained canonical GS1 Digital Link of an EPC URI or Digital Link, else None.

    CBV 2.0 event hash rules: EPC URIs become canonical Digital Links; Digital Links use the
    ``https://id.gs1.org`` domain, lose their query string and keep only the most fine-grained
    key/qualifier combination of the list above.
    """
    parsed = parse_identifier(text)
    if parsed is None:
        return None
    kept = constrained_elements(parsed.elements)
    if kept is None:
        return None
    return digital_link(kept)


def constrained_elements(elements: Sequence[tuple[str, str]]) -> Elements | None:
    """Primary key plus its most fine-grained allowed qualifier (see ``_HASH_KEYS``)."""
    if not elements:
        return None
    values = dict(elements)
    key = next((ai for ai, _ in elements if ai in _HASH_KEYS), None)
    if key is None:
        return None
    kept: list[tuple[str, str]] = [(key, values[key])]
    for qualifier in _HASH_KEYS[key]:
        if qualifier in values:
            kept.append((qualifier, values[qualifier]))
            break
    return tuple(kept)


def digital_link(elements: Sequence[tuple[str, str]], base: str = CANONICAL_DL_BASE) -> str | None:
    """Render elements as a GS1 Digital Link URI with the GS1 library, or None."""
    gs1 = _gs1()
    if gs1 is None:
        return None
    try:
        return _render_digital_link(gs1, tuple(elements), base)
    except Exception:  # noqa: BLE001
        return None


def _render_digital_link(gs1: Any, elements: Elements, base: str) -> str | None:
    return str(gs1.build_digital_link(list(elements), base))


def _elements(result: Any) -> Elements:
    items = getattr(result, "elements", result)
    return tuple((str(ai), str(value)) for ai, value in items)


#: EPC pattern schemes whose ``*`` in the last field stands for "any serial / extension": the
#: pattern then denotes the key without that qualifier (a GTIN, a GLN).
_PATTERN_WILDCARD_AI = {"sgtin": "21", "sgln": "254"}


def _pattern_elements(gs1: Any, urn: str) -> Elements:
    """``urn:epc:idpat:sgtin:4012345.066666.*`` → ``(("01", "04012345666663"),)``."""
    scheme, _, body = urn[len("urn:epc:idpat:") :].partition(":")
    fields = body.split(".")
    dropped = _PATTERN_WILDCARD_AI.get(scheme.lower())
    if dropped is None or fields[-1] != "*" or "*" in fields[:-1]:
        return ()
    placeholder = ".".join([*fields[:-1], "1"])
    elements = _elements(gs1.epc_uri_to_elements(f"urn:epc:id:{scheme}:{placeholder}"))
    return tuple((ai, value) for ai, value in elements if ai != dropped)


# --------------------------------------------------------------------------------------------
# Locations and parties


@dataclass(frozen=True)
class GLNReference:
    """A GLN (AI 414 for locations, 417 for parties) and an optional extension (AI 254)."""

    gln: str
    extension: str | None = None
    ai: str = "414"


def location_of(text: Any) -> GLNReference | None:
    """GLN + extension from ``urn:epc:id:sgln:…`` or a Digital Link ``/414/<gln>[/254/<ext>]``."""
    if not isinstance(text, str):
        return None
    elements = identifier_elements(text)
    if not elements:
        return None
    values = dict(elements)
    if "414" in values:
        return GLNReference(values["414"], values.get("254"), "414")
    return None


def party_of(text: Any) -> GLNReference | None:
    """Party GLN from ``urn:epc:id:pgln:…`` / DL ``/417/<gln>``, or a location GLN (414)."""
    if not isinstance(text, str):
        return None
    elements = identifier_elements(text)
    if not elements:
        return None
    values = dict(elements)
    if "417" in values:
        return GLNReference(values["417"], None, "417")
    if "414" in values:
        return GLNReference(values["414"], values.get("254"), "414")
    return None
