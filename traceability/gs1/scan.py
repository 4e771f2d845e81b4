"""Scanner output with ISO/IEC 15424 symbology identifiers (``]C1``, ``]d2``, ``]Q3`` ...).

The "data string" notation used here is the GS1 Syntax Engine's: a leading ``^`` marks GS1
data (FNC1 in first position) and every further ``^`` is an FNC1 separator; ``|`` separates
the linear and the composite (2D) component; plain data that starts with ``^`` is escaped
with a backslash.
"""

from __future__ import annotations

from dataclasses import dataclass

from .element_string import GS, build_raw, parse_raw
from .errors import GS1Error
from .linters import gs1_check_digit

__all__ = ["SYMBOLOGIES", "ScanData", "build_scan_data", "parse_data_str", "parse_scan_data"]

# identifier -> (symbology name, content kind)
SYMBOLOGIES: dict[str, tuple[str, str]] = {
    "]C0": ("Code 128", "plain"),
    "]C1": ("GS1-128", "gs1"),
    "]e0": ("GS1 DataBar Expanded", "gs1"),
    "]E0": ("EAN-13", "ean13"),
    "]E3": ("EAN-13", "ean_addon"),
    "]E4": ("EAN-8", "ean8"),
    "]I0": ("ITF", "plain"),
    "]I1": ("ITF-14", "itf"),
    "]d1": ("Data Matrix", "plain"),
    "]d2": ("Data Matrix", "gs1"),
    "]Q1": ("QR Code", "plain"),
    "]Q3": ("QR Code", "gs1"),
    "]J0": ("DotCode", "plain"),
    "]J1": ("DotCode", "gs1"),
    "]z0": ("Aztec Code", "plain"),
    "]z1": ("Aztec Code", "gs1"),
}

_PLAIN_ID = {"QR Code": "]Q1", "Data Matrix": "]d1", "DotCode": "]J0", "Aztec Code": "]z0"}
_GS1_ID = {"QR Code": "]Q3", "Data Matrix": "]d2", "DotCode": "]J1", "Aztec Code": "]z1"}


@dataclass(frozen=True, slots=True)
class ScanData:
    """Decoded scanner output."""

    symbology_identifier: str
    symbology: str
    data: str  # what followed the symbology identifier
    data_str: str  # GS1 Syntax Engine data-string notation
    elements: tuple[tuple[str, str], ...] | None  # None for plain (non-GS1) data
    digital_link: object | None = None  # parsed DigitalLink when the data is a DL URI


def _escape_plain(data: str) -> str:
    i = 0
    while i < len(data) and data[i] == "\\":
        i += 1
    if i < len(data) and data[i] == "^":
        return "\\" + data
    return data


def _is_dl_scheme(data: str) -> bool:
    return data.startswith(("http://", "https://", "HTTP://", "HTTPS://"))


def _primary(digits: str, length: int, sid: str) -> str:
    if len(digits) != length or not (digits.isascii() and digits.isdigit()):
        raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, len(digits), sid)
    if gs1_check_digit(digits[:-1]) != ord(digits[-1]) - 48:
        raise GS1Error.of("INCORRECT_CHECK_DIGIT", "01", length - 1, 1)
    return digits.zfill(14)


def parse_scan_data(text: str, *, validate: bool = True, associations: bool = True,
                    requisites: bool = True, permit_unknown: bool = False) -> ScanData:
    """Decode scanner output. Raises :class:`GS1Error` for invalid or unknown input."""
    if not text:
        raise GS1Error.of("EMPTY_DATA")
    if text[0] != "]" or len(text) < 3:
        raise GS1Error.of("MISSING_SYMBOLOGY_IDENTIFIER", None, 0, min(3, len(text)))
    sid, data = text[:3], text[3:]
    known = SYMBOLOGIES.get(sid)
    if known is None:
        raise GS1Error.of("UNKNOWN_SYMBOLOGY_IDENTIFIER", None, 0, 3, sid)
    name, kind = known
    opts = {
        "validate": validate, "associations": associations, "requisites": requisites,
        "permit_unknown": permit_unknown,
    }
    if kind == "plain":
        if _is_dl_scheme(data):
            from .digital_link import parse_digital_link

            link = parse_digital_link(data, validate=validate, permit_unknown=permit_unknown)
            return ScanData(sid, name, data, data, tuple(link.elements), link)
        return ScanData(sid, name, data, _escape_plain(data), None)
    if kind == "gs1":
        if not data:
            raise GS1Error.of("EMPTY_DATA")
        caret = data.find("^")
        if caret >= 0:
            raise GS1Error.of("ILLEGAL_CARET", None, caret + 3, 1)
        elements = parse_raw(data, **opts)
        return ScanData(sid, name, data, "^" + data.replace(GS, "^"), tuple(elements))
    # EAN/UPC and ITF-14: a GTIN, possibly followed by a composite component.
    linear, sep, composite = data.partition("|]e0")
    if kind == "ean13":
        gtin = _primary(linear, 13, sid)
    elif kind == "ean8":
        gtin = _primary(linear, 8, sid)
    elif kind == "itf":
        gtin = _primary(linear, 14, sid)
    else:  # EAN with add-on: 13+2, 13+5, 8+2 or 8+5 digits; the add-on is not GS1 data
        size = 13 if len(linear) in (15, 18) else 8
        gtin = _primary(linear[:size], size, sid)
    elements = [("01", gtin)]
    data_str = linear
    if sep:
        if not composite:
            raise GS1Error.of("EMPTY_DATA")
        elements += parse_raw(composite, validate=False)
        data_str += "|^" + composite.replace(GS, "^")
    if validate:
        from .element_string import validate_elements

        problems = validate_elements(
            elements, associations=associations, requisites=requisites,
            permit_unknown=permit_unknown,
        )
        if problems:
            raise GS1Error(problems)
    return ScanData(sid, name, data, data_str, tuple(elements))


def _gtin_primary(linear: str, symbology: str, add_check_digit: bool) -> str:
    """GTIN-14 from ``^01<gtin14>`` or bare digits given for a linear EAN/UPC/DataBar."""
    if linear.startswith("^01"):
        digits = linear[3:]
        if len(digits) != 14:
            raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, len(digits), symbology)
    else:
        digits = linear
    if not (digits.isascii() and digits.isdigit()):
        raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, len(digits), symbology)
    sizes = {"EAN-13": 13, "UPC-A": 12, "UPC-E": 12, "EAN-8": 8}
    if not linear.startswith("^01"):
        size = sizes.get(symbology, 14)
        if add_check_digit:
            if len(digits) != size - 1:
                raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, len(digits), symbology)
            digits += str(gs1_check_digit(digits))
        elif len(digits) != size:
            raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, len(digits), symbology)
    if gs1_check_digit(digits[:-1]) != ord(digits[-1]) - 48:
        raise GS1Error.of("INCORRECT_CHECK_DIGIT", "01", len(digits) - 1, 1)
    return digits.zfill(14)


def build_scan_data(data_str: str, symbology: str | None, *,
                    add_check_digit: bool = False) -> str:
    """Scanner output a reader would give for ``data_str`` in a symbol of ``symbology``.

    ``symbology`` is one of "QR Code", "Data Matrix", "DotCode", "Aztec Code", "GS1-128",
    "GS1-128 (CC-C)", "GS1 DataBar Expanded", "GS1 DataBar Omni", "GS1 DataBar Limited",
    "EAN-13", "EAN-8", "UPC-A", "UPC-E".
    """
    if not symbology or not data_str and symbology not in _PLAIN_ID:
        raise GS1Error.of("INVALID_PRIMARY_DATA", None, 0, 0, str(symbology))
    linear, bar, composite = data_str.partition("|")
    comp_elements: list[tuple[str, str]] = []
    if bar:
        if not composite.startswith("^"):
            if symbology in _PLAIN_ID:
                return _PLAIN_ID[symbology] + data_str
            raise GS1Error.of("INVALID_PRIMARY_DATA", None, 0, 0, symbology)
        comp_elements = parse_raw(composite[1:], separators="^", validate=False)
    if symbology in _PLAIN_ID:
        if data_str.startswith("^"):
            parse_raw(data_str[1:].replace("|^", "^"), separators="^")
            return _GS1_ID[symbology] + data_str[1:].replace("^", GS)
        if data_str.startswith("\\"):
            i = 0
            while i < len(data_str) and data_str[i] == "\\":
                i += 1
            if i < len(data_str) and data_str[i] == "^":
                return _PLAIN_ID[symbology] + data_str[1:]
        return _PLAIN_ID[symbology] + data_str
    if symbology in ("GS1-128", "GS1-128 (CC-C)", "GS1 DataBar Expanded"):
        if not linear.startswith("^"):
            raise GS1Error.of("NO_FNC1_IN_FIRST_POSITION", None, 0, 0, symbology)
        elements = parse_raw(linear[1:], separators="^", validate=False)
        if bar:
            return "]e0" + build_raw(elements + comp_elements)
        sid = "]C1" if symbology.startswith("GS1-128") else "]e0"
        return sid + linear[1:].replace("^", GS)
    if symbology.startswith("GS1 DataBar"):
        gtin = _gtin_primary(linear, "GS1 DataBar", add_check_digit)
        if "Limited" in symbology and gtin[0] not in "01":
            raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, 14, symbology)
        return "]e0" + build_raw([("01", gtin), *comp_elements])
    if symbology in ("EAN-13", "UPC-A", "UPC-E", "EAN-8"):
        gtin = _gtin_primary(linear, symbology, add_check_digit)
        if symbology == "EAN-8":
            if not gtin.startswith("000000"):
                raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, 14, symbology)
            out = "]E4" + gtin[6:]
        else:
            if gtin[0] != "0":
                raise GS1Error.of("INVALID_PRIMARY_DATA", "01", 0, 14, symbology)
            out = "]E0" + gtin[1:]
        if comp_elements:
            out += "|]e0" + build_raw(comp_elements)
        return out
    raise GS1Error.of("UNKNOWN_SYMBOLOGY_IDENTIFIER", None, 0, 0, symbology)


def parse_data_str(data_str: str, **options: bool) -> list[tuple[str, str]] | None:
    """Elements of a data string in GS1 Syntax Engine notation, ``None`` for plain data.

    ``^...`` is GS1 AI data (``|^`` joins a composite component), an ``http(s)://`` URI is a
    GS1 Digital Link; anything else (including a mixed-case scheme) is plain data.
    """
    if data_str.startswith("^"):
        return parse_raw(data_str[1:].replace("|^", "^"), separators="^", **options)
    if _is_dl_scheme(data_str):
        from .digital_link import parse_digital_link

        return parse_digital_link(data_str, **options).elements
    return None
