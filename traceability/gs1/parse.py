"""One entry point for whatever a person or a scanner hands us: :func:`parse_code`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ai import AI_TABLE
from .digital_link import CANONICAL_STEM, DigitalLink, build_digital_link, parse_digital_link
from .element_string import (
    GS,
    build_bracketed,
    build_raw,
    hri,
    parse_bracketed,
    parse_raw,
)
from .epc import epc_uri_to_elements
from .errors import GS1Error
from .keys import normalize_gtin
from .scan import parse_scan_data

__all__ = ["ParsedCode", "parse_code"]

Element = tuple[str, str]
_DL_PREFIXES = ("http://", "https://", "HTTP://", "HTTPS://")


@dataclass(slots=True)
class ParsedCode:
    """Result of :func:`parse_code`."""

    kind: str  # "digital_link", "element_string", "scanner", "gtin" or "epc_uri"
    elements: list[Element]
    symbology: str | None = None  # symbology identifier, e.g. "]d2", for scanner input
    text: str = ""
    link: DigitalLink | None = field(default=None, repr=False)

    @property
    def primary_key(self) -> Element | None:
        for ai, value in self.elements:
            entry = AI_TABLE.get(ai)
            if entry is not None and entry.dl_primary_key:
                return ai, value
        return None

    @property
    def gtin(self) -> str | None:
        """The GTIN-14 in the data, if any."""
        for ai, value in self.elements:
            if ai == "01":
                return value
        return None

    def get(self, ai: str) -> str | None:
        for key, value in self.elements:
            if key == ai:
                return value
        return None

    def digital_link(self, base_url: str | None = CANONICAL_STEM) -> str:
        """Canonical GS1 Digital Link URI on ``base_url`` (raises when there is no key)."""
        path = self.link.path_ais if self.link is not None else None
        return build_digital_link(self.elements, base_url, path_ais=path)

    @property
    def bracketed(self) -> str:
        return build_bracketed(self.elements)

    @property
    def raw(self) -> str:
        return build_raw(self.elements)

    @property
    def hri(self) -> list[str]:
        return hri(self.elements)


def parse_code(text: str, *, validate: bool = True, associations: bool = True) -> ParsedCode:
    """Recognise and parse a GS1 code given by a person or a scanner.

    Accepts a bare GTIN (8, 12, 13 or 14 digits), a bracketed element string, raw AI data
    with GS separators (or FNC1 ``^`` notation), scanner output with a symbology identifier,
    a GS1 Digital Link URI (also compressed) and an EPC pure-identity URN. Surrounding
    whitespace is ignored. Raises :class:`GS1Error` when the text is not valid GS1 data.
    """
    if not isinstance(text, str):
        raise GS1Error.of("UNRECOGNISED_INPUT")
    s = text.strip(" \t\r\n")
    if "{GS}" in s:  # a common textual rendering of the GS separator
        s = s.replace("{GS}", GS)
    if not s:
        raise GS1Error.of("EMPTY_DATA")
    opts = {"validate": validate, "associations": associations}
    first = s[0]
    if first == "]":
        scan = parse_scan_data(s, **opts)
        if scan.elements is None:
            raise GS1Error.of("UNRECOGNISED_INPUT", detail="plain data")
        link = scan.digital_link if isinstance(scan.digital_link, DigitalLink) else None
        return ParsedCode("scanner", list(scan.elements), s[:3], text, link)
    if s.startswith(_DL_PREFIXES):
        link = parse_digital_link(s, **opts)
        return ParsedCode("digital_link", list(link.elements), None, text, link)
    if s[:8].lower() == "urn:epc:":
        return ParsedCode("epc_uri", epc_uri_to_elements(s, validate=validate), None, text)
    if first == "(":
        return ParsedCode("element_string", parse_bracketed(s, **opts), None, text)
    if first == "^":
        elements = parse_raw(s[1:].replace("|^", "^"), separators="^", **opts)
        return ParsedCode("element_string", elements, None, text)
    if s.isascii() and s.isdigit() and len(s) in (8, 12, 13, 14):
        try:
            return ParsedCode("gtin", [("01", normalize_gtin(s))], None, text)
        except GS1Error as gtin_error:
            try:
                return ParsedCode("element_string", parse_raw(s, **opts), None, text)
            except GS1Error:
                raise gtin_error from None
    if GS in s or (s.isascii() and s[:2].isdigit()):
        return ParsedCode("element_string", parse_raw(s, **opts), None, text)
    raise GS1Error.of("UNRECOGNISED_INPUT")
