"""GS1 standards library: keys, Application Identifiers, element strings, Digital Link, EPC.

Pure Python, no Flask or SQLAlchemy. Everything raises :class:`GS1Error` (a ``ValueError``)
with machine codes, AI, character position and English/Vietnamese messages.

Keys and GTINs
    ``check_digit(digits) -> int``; ``is_valid_check_digit(key) -> bool``;
    ``check_character_pair(data) -> str`` / ``is_valid_check_character_pair(value)`` (GMN);
    ``validate_key(key, kind)`` for GTIN/SSCC/GLN/GRAI/GDTI/GCN/GSRN/GSIN/ITIP;
    ``normalize_gtin(text) -> str`` (14 digits); ``gtin_display(gtin14) -> str``;
    ``gtin_format(gtin) -> "GTIN-8" | "GTIN-12" | "GTIN-13" | "GTIN-14"``;
    ``gtin_company_prefix_info(gtin) -> PrefixInfo`` (GS1 Vietnam 893, restricted circulation,
    coupons, ISSN/ISBN, demo 952 ..., ``valid_for_trade_item``); ``prefix_info(body13)``.

Application Identifiers
    ``AI_TABLE`` (read-only mapping AI -> :class:`AIEntry`), ``get_ai(code)``;
    ``lint(name, value)`` runs one content check; ``is_cset82(text)``;
    ``set_gcp_lookup(fn)`` plugs a GS1 Company Prefix lookup into the ``gcppos`` checks.

Element strings (elements are ``[(ai, value), ...]``)
    ``parse_element_string(text, *, separators="\\x1d", validate=True, associations=True,
    requisites=True, permit_unknown=False)``, ``parse_bracketed``, ``parse_raw``;
    ``build_bracketed(elements)``; ``build_raw(elements, separator="\\x1d")``;
    ``hri(elements) -> ["(01) 0950...", ...]``; ``interpret(ai, value) -> ElementInfo``
    (components, date, datetime, decimal, currency); ``validate_elements(elements) ->
    list[Problem]``.

Scanner data
    ``parse_scan_data(text) -> ScanData`` (``]C1`` ``]e0`` ``]d2`` ``]Q3`` ``]J1`` ``]E0``
    ``]E4`` ``]E3`` ``]I1`` and the plain ``]d1`` ``]Q1`` ...); ``build_scan_data(data_str,
    symbology)``.

GS1 Digital Link
    ``parse_digital_link(uri, *, permit_zero_suppressed_gtin=False,
    permit_convenience_alphas=False, ...) -> DigitalLink`` (also compressed links);
    ``build_digital_link(elements, base_url="https://id.gs1.org") -> str``;
    ``decompress_digital_link(uri) -> str``; ``dl_escape`` / ``dl_unescape``.

EPC
    ``epc_uri_to_elements(urn)``; ``elements_to_epc_uri(elements, company_prefix_length)``;
    ``epc_uri_to_digital_link(urn, base_url)``.

Anything
    ``parse_code(text) -> ParsedCode`` with ``kind`` in {"digital_link", "element_string",
    "scanner", "gtin", "epc_uri"}, ``elements``, ``symbology`` and
    ``digital_link(base_url)``.
"""

from .ai import AI_TABLE, AIEntry, Component, get_ai
from .digital_link import (
    CANONICAL_STEM,
    DigitalLink,
    build_digital_link,
    decompress_digital_link,
    dl_escape,
    dl_unescape,
    parse_digital_link,
)
from .element_string import (
    GS,
    ElementInfo,
    build_bracketed,
    build_raw,
    hri,
    interpret,
    parse_bracketed,
    parse_element_string,
    parse_raw,
    validate_elements,
    validate_value,
)
from .epc import elements_to_epc_uri, epc_uri_to_digital_link, epc_uri_to_elements
from .errors import GS1Error, Problem
from .keys import (
    PrefixInfo,
    check_character_pair,
    check_digit,
    gtin_company_prefix_info,
    gtin_display,
    gtin_format,
    is_valid_check_character_pair,
    is_valid_check_digit,
    is_valid_gtin,
    normalize_gtin,
    prefix_info,
    validate_key,
)
from .linters import is_cset82, lint, set_gcp_lookup
from .parse import ParsedCode, parse_code
from .scan import ScanData, build_scan_data, parse_scan_data

__all__ = [
    "AI_TABLE",
    "CANONICAL_STEM",
    "GS",
    "AIEntry",
    "Component",
    "DigitalLink",
    "ElementInfo",
    "GS1Error",
    "ParsedCode",
    "PrefixInfo",
    "Problem",
    "ScanData",
    "build_bracketed",
    "build_digital_link",
    "build_raw",
    "build_scan_data",
    "check_character_pair",
    "check_digit",
    "decompress_digital_link",
    "dl_escape",
    "dl_unescape",
    "elements_to_epc_uri",
    "epc_uri_to_digital_link",
    "epc_uri_to_elements",
    "get_ai",
    "gtin_company_prefix_info",
    "gtin_display",
    "gtin_format",
    "hri",
    "interpret",
    "is_cset82",
    "is_valid_check_character_pair",
    "is_valid_check_digit",
    "is_valid_gtin",
    "lint",
    "normalize_gtin",
    "parse_bracketed",
    "parse_code",
    "parse_digital_link",
    "parse_element_string",
    "parse_raw",
    "parse_scan_data",
    "prefix_info",
    "set_gcp_lookup",
    "validate_elements",
    "validate_key",
    "validate_value",
]
