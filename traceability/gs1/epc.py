"""EPC pure-identity URIs (GS1 EPC Tag Data Standard) <-> GS1 element strings.

The URN carries the GS1 Company Prefix length (the dot after the prefix); element strings
and Digital Links do not, so the reverse direction needs it as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable

from .digital_link import CANONICAL_STEM, build_digital_link
from .element_string import validate_elements
from .errors import GS1Error, Problem
from .linters import gs1_check_digit

__all__ = [
    "EPC_SCHEMES",
    "elements_to_epc_uri",
    "epc_escape",
    "epc_unescape",
    "epc_uri_to_digital_link",
    "epc_uri_to_elements",
]

Element = tuple[str, str]

# scheme -> (URN namespace, number of fields)
EPC_SCHEMES: dict[str, tuple[str, int]] = {
    "sgtin": ("id", 3), "lgtin": ("class", 3), "sscc": ("id", 2), "sgln": ("id", 3),
    "grai": ("id", 3), "giai": ("id", 2), "gsrn": ("id", 2), "gsrnp": ("id", 2),
    "gdti": ("id", 3), "sgcn": ("id", 3), "ginc": ("id", 2), "gsin": ("id", 2),
    "pgln": ("id", 2), "itip": ("id", 5), "cpi": ("id", 3), "upui": ("id", 3),
}

# Characters a URN component must percent-escape (EPC TDS, URI form of GS1 keys).
_ESCAPE = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E",
           "?": "%3F", "#": "%23"}
_HEX = frozenset("0123456789abcdefABCDEF")


def epc_escape(value: str) -> str:
    return "".join(_ESCAPE.get(ch, ch) for ch in value)


def epc_unescape(value: str) -> str:
    if "%" not in value:
        return value
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "%":
            pair = value[i + 1 : i + 3]
            if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
                raise _bad(f"bad escape in {value!r}")
            out.append(chr(int(pair, 16)))
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _bad(detail: str) -> GS1Error:
    return GS1Error(Problem("EPC_INVALID_URN", detail=detail))


def _digits(text: str, what: str) -> str:
    if not (text.isascii() and text.isdigit()):
        raise _bad(f"{what} must be digits: {text!r}")
    return text


def _cp(text: str) -> str:
    _digits(text, "company prefix")
    if not 6 <= len(text) <= 12:
        raise _bad(f"company prefix length {len(text)}")
    return text


def _with_check(body: str) -> str:
    return body + str(gs1_check_digit(body))


def _numeric_key(cp: str, ref: str, total: int, what: str) -> str:
    if ref:  # empty when the company prefix takes all the digits
        _digits(ref, what)
    body = cp + ref
    if len(body) != total:
        raise _bad(f"{what}: company prefix + reference must have {total} digits")
    return body


def epc_uri_to_elements(urn: str, *, validate: bool = True) -> list[Element]:
    """``urn:epc:id:sgtin:0614141.812345.6789`` -> ``[("01", ...), ("21", "6789")]``."""
    if not isinstance(urn, str) or not urn.lower().startswith("urn:epc:"):
        raise _bad("not an EPC URN")
    parts = urn.split(":", 4)
    if len(parts) != 5:
        raise _bad("malformed EPC URN")
    _, _, namespace, scheme, body = parts
    scheme = scheme.lower()
    spec = EPC_SCHEMES.get(scheme)
    if spec is None or spec[0] != namespace.lower():
        raise GS1Error(Problem("EPC_UNSUPPORTED_SCHEME", detail=f"{namespace}:{scheme}"))
    fields = body.split(".", spec[1] - 1)
    if len(fields) != spec[1] or not fields[0]:
        raise _bad(f"{scheme} needs {spec[1]} fields")
    cp = _cp(fields[0])
    elements = _to_elements(scheme, cp, fields)
    if validate:
        problems = validate_elements(elements)
        if problems:
            raise GS1Error(problems)
    return elements


def _to_elements(scheme: str, cp: str, f: list[str]) -> list[Element]:
    if scheme in ("sgtin", "lgtin", "upui"):
        item = _numeric_key(cp, f[1], 13, "item reference")
        gtin = _with_check(item[len(cp)] + cp + item[len(cp) + 1 :])
        ai = {"sgtin": "21", "lgtin": "10", "upui": "235"}[scheme]
        return [("01", gtin), (ai, epc_unescape(f[2]))]
    if scheme == "sscc":
        body = _numeric_key(cp, f[1], 17, "serial reference")
        return [("00", _with_check(body[len(cp)] + cp + body[len(cp) + 1 :]))]
    if scheme == "sgln":
        gln = _with_check(_numeric_key(cp, f[1], 12, "location reference"))
        ext = epc_unescape(f[2])
        return [("414", gln)] if ext == "0" else [("414", gln), ("254", ext)]
    if scheme == "pgln":
        return [("417", _with_check(_numeric_key(cp, f[1], 12, "party reference")))]
    if scheme in ("grai", "gdti", "sgcn"):
        key = _with_check(_numeric_key(cp, f[1], 12, "type reference"))
        serial = epc_unescape(f[2])
        if scheme == "grai":
            return [("8003", "0" + key + serial)]
        return [("253" if scheme == "gdti" else "255", key + serial)]
    if scheme in ("gsrn", "gsrnp"):
        key = _with_check(_numeric_key(cp, f[1], 17, "service reference"))
        return [("8018" if scheme == "gsrn" else "8017", key)]
    if scheme == "gsin":
        return [("402", _with_check(_numeric_key(cp, f[1], 16, "shipper reference")))]
    if scheme in ("giai", "ginc"):
        return [("8004" if scheme == "giai" else "401", cp + epc_unescape(f[1]))]
    if scheme == "itip":
        item = _numeric_key(cp, f[1], 13, "item reference")
        gtin = _with_check(item[len(cp)] + cp + item[len(cp) + 1 :])
        piece, total = _digits(f[2], "piece"), _digits(f[3], "total")
        if len(piece) != 2 or len(total) != 2:
            raise _bad("ITIP piece and total have 2 digits each")
        return [("8006", gtin + piece + total), ("21", epc_unescape(f[4]))]
    if scheme == "cpi":
        return [("8010", cp + epc_unescape(f[1])), ("8011", f[2])]
    raise GS1Error(Problem("EPC_UNSUPPORTED_SCHEME", detail=scheme))  # pragma: no cover


def epc_uri_to_digital_link(urn: str, base_url: str | None = CANONICAL_STEM) -> str:
    """Canonical GS1 Digital Link URI of an EPC URN."""
    return build_digital_link(epc_uri_to_elements(urn), base_url)


def _split_gtin(gtin: str, cpl: int) -> tuple[str, str]:
    """GTIN-14 -> (company prefix, indicator + item reference)."""
    return gtin[1 : 1 + cpl], gtin[0] + gtin[1 + cpl : 13]


def elements_to_epc_uri(elements: Iterable[Element], company_prefix_length: int) -> str:
    """EPC pure-identity URN for the key in ``elements``.

    ``company_prefix_length`` (6-12) is the length of the GS1 Company Prefix inside the key.
    Supported: SGTIN (01+21), LGTIN (01+10), UPUI (01+235), SSCC, SGLN (414 [+254]), PGLN,
    GRAI (8003 with serial), GIAI, GSRN, GSRNP, GDTI (with serial), SGCN (with serial),
    GINC, GSIN, ITIP (8006+21) and CPI (8010+8011).
    """
    cpl = company_prefix_length
    if not 6 <= cpl <= 12:
        raise _bad("company prefix length must be 6 to 12")
    values = dict(elements)

    def urn(scheme: str, *fields: str) -> str:
        ns = EPC_SCHEMES[scheme][0]
        return f"urn:epc:{ns}:{scheme}:" + ".".join(fields)

    if "01" in values:
        cp, item = _split_gtin(values["01"], cpl)
        for ai, scheme in (("21", "sgtin"), ("235", "upui"), ("10", "lgtin")):
            if ai in values:
                return urn(scheme, cp, item, epc_escape(values[ai]))
        raise _bad("a GTIN needs (21), (235) or (10) for an EPC")
    if "00" in values:
        s = values["00"]
        return urn("sscc", s[1 : 1 + cpl], s[0] + s[1 + cpl : 17])
    if "414" in values:
        g = values["414"]
        return urn("sgln", g[:cpl], g[cpl:12], epc_escape(values.get("254", "0")))
    if "417" in values:
        g = values["417"]
        return urn("pgln", g[:cpl], g[cpl:12])
    if "8003" in values:
        g = values["8003"]
        if len(g) <= 14:
            raise _bad("a GRAI needs a serial component for an EPC")
        return urn("grai", g[1 : 1 + cpl], g[1 + cpl : 13], epc_escape(g[14:]))
    for ai, scheme in (("253", "gdti"), ("255", "sgcn")):
        if ai in values:
            g = values[ai]
            if len(g) <= 13:
                raise _bad(f"a {scheme.upper()} needs a serial component for an EPC")
            return urn(scheme, g[:cpl], g[cpl:12], epc_escape(g[13:]))
    for ai, scheme in (("8018", "gsrn"), ("8017", "gsrnp")):
        if ai in values:
            g = values[ai]
            return urn(scheme, g[:cpl], g[cpl:17])
    if "402" in values:
        g = values["402"]
        return urn("gsin", g[:cpl], g[cpl:16])
    for ai, scheme in (("8004", "giai"), ("401", "ginc")):
        if ai in values:
            g = values[ai]
            return urn(scheme, g[:cpl], epc_escape(g[cpl:]))
    if "8006" in values and "21" in values:
        g = values["8006"]
        cp, item = _split_gtin(g[:14], cpl)
        return urn("itip", cp, item, g[14:16], g[16:18], epc_escape(values["21"]))
    if "8010" in values and "8011" in values:
        g = values["8010"]
        return urn("cpi", g[:cpl], epc_escape(g[cpl:]), values["8011"])
    raise GS1Error(Problem("EPC_UNSUPPORTED_SCHEME", detail="no EPC for these AIs"))
