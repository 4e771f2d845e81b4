"""GS1 Digital Link URIs (URI Syntax 1.x): strict parsing, canonical building, decompression.

Reading follows the current standard: any domain and path prefix, the *rightmost* primary key
in the path with its qualifiers in one of the allowed orders, GS1 data attributes in the query
string (other query parameters are ignored and reported), percent-encoding. Deprecated forms
(zero-suppressed GTINs, convenience alphas such as ``/gtin/``) are refused unless a flag
permits them. Compressed Digital Links are expanded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .ai import AI_TABLE, AIEntry, Component, ai_length_for_prefix
from .element_string import validate_elements
from .errors import GS1Error, Problem

__all__ = [
    "CANONICAL_STEM",
    "CONVENIENCE_ALPHAS",
    "DigitalLink",
    "build_digital_link",
    "decompress_digital_link",
    "dl_escape",
    "dl_unescape",
    "parse_digital_link",
]

CANONICAL_STEM = "https://id.gs1.org"
Element = tuple[str, str]

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ILLEGAL_URI_CHAR = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
_HOST_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")
_HEX = frozenset("0123456789abcdefABCDEF")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64_INDEX = {c: i for i, c in enumerate(_B64)}
_SCHEMES = ("https://", "http://", "HTTPS://", "HTTP://")

# GS1 Digital Link 1.1 short names, accepted on input only when explicitly permitted.
CONVENIENCE_ALPHAS = {
    "gtin": "01", "itip": "8006", "cpv": "22", "lot": "10", "ser": "21", "sscc": "00",
    "gln": "414", "glnx": "254", "party": "417", "gsrnp": "8017", "gsrn": "8018",
    "srin": "8019", "gdti": "253", "gcn": "255", "gsin": "402", "ginc": "401",
    "grai": "8003", "giai": "8004", "cpid": "8010", "cpsn": "8011", "gmn": "8013",
    "tpx": "235", "refno": "8020", "upui": "235", "exp": "17", "expdt": "7003",
}

# Escaping: unreserved characters stay, everything else becomes %XX (space -> + in queries).
_ESC_PATH = {chr(i): (chr(i) if chr(i) in _UNRESERVED else f"%{i:02X}") for i in range(128)}
_ESC_QUERY = dict(_ESC_PATH, **{" ": "+"})


def dl_escape(value: str, *, query: bool = False) -> str:
    """Percent-encode an AI value for a Digital Link path segment (or query value)."""
    table = _ESC_QUERY if query else _ESC_PATH
    out = []
    for ch in value:
        esc = table.get(ch)
        if esc is None:
            esc = "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        out.append(esc)
    return "".join(out)


def dl_unescape(text: str, *, query: bool = False) -> str:
    """Percent-decode; malformed ``%`` sequences stay as they are; ``+`` is a space in queries."""
    if query and "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(chr(int(text[i + 1 : i + 3], 16)))
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass(slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI."""

    uri: str
    stem: str  # scheme, domain and any path before the primary key
    primary_key: str  # the AI of the primary key
    elements: list[Element]  # key, path qualifiers, then query attributes, in URI order
    path_ais: list[str]  # AIs in the path, key first
    ignored_query_params: list[str] = field(default_factory=list)
    compressed: bool = False

    @property
    def key_value(self) -> str:
        return self.elements[0][1]

    @property
    def qualifiers(self) -> list[Element]:
        return self.elements[1 : len(self.path_ais)]

    @property
    def attributes(self) -> list[Element]:
        return self.elements[len(self.path_ais) :]

    def to_uri(self, base_url: str | None = CANONICAL_STEM) -> str:
        """This link rebuilt on ``base_url`` (canonical stem by default), same path AIs."""
        return build_digital_link(self.elements, base_url, path_ais=self.path_ais)


def _fail(code: str, ai: str | None = None, position: int | None = None, length: int = 0,
          detail: str = "") -> GS1Error:
    return GS1Error(Problem(code, ai, position, length, detail))


def _check_domain(domain: str) -> None:
    if not domain:
        raise _fail("DL_INVALID_DOMAIN")
    if domain.startswith("["):
        close = domain.find("]")
        inner = domain[1:close] if close > 0 else ""
        rest = domain[close + 1 :] if close > 0 else ""
        if not inner or any(c not in _IPV6_CHARS for c in inner):
            raise _fail("DL_INVALID_DOMAIN", detail=domain)
        if rest and not (rest[0] == ":" and rest[1:].isdigit()):
            raise _fail("DL_INVALID_DOMAIN", detail=domain)
        return
    host, colon, port = domain.partition(":")
    if not host or any(c not in _HOST_CHARS for c in host):
        raise _fail("DL_INVALID_DOMAIN", detail=domain)
    if colon and not (port.isascii() and port.isdigit()):
        raise _fail("DL_INVALID_DOMAIN", detail=domain)


def _path_ai(segment: str, convenience: bool) -> str | None:
    if segment.isascii() and segment.isdigit():
        return segment if 2 <= len(segment) <= 4 else None
    if convenience:
        return CONVENIENCE_ALPHAS.get(segment)
    return None


def _valid_sequence(entry: AIEntry, qualifiers: Sequence[str]) -> bool:
    if not qualifiers:
        return True
    for seq in entry.dl_qualifier_sequences:
        pos = 0
        for q in qualifiers:
            try:
                pos = seq.index(q, pos) + 1
            except ValueError:
                break
        else:
            return True
    return False


def _unescape_value(raw: str, ai: str, *, query: bool) -> str:
    value = dl_unescape(raw, query=query)
    if "\x00" in value:
        raise _fail("DL_NUL_CHARACTER", ai)
    return value


def _pad_gtin(value: str, permit: bool, ai: str) -> str:
    if permit and len(value) in (8, 12, 13) and value.isascii() and value.isdigit():
        return value.zfill(14)
    return value


def parse_digital_link(
    uri: str,
    *,
    validate: bool = True,
    associations: bool = True,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    permit_unknown: bool = False,
    unknown_ai_not_dl_attr: bool = True,
    allow_compressed: bool = True,
) -> DigitalLink:
    """Parse a GS1 Digital Link URI strictly; raises :class:`GS1Error` when invalid."""
    if not isinstance(uri, str):
        raise _fail("DL_INVALID_SCHEME")
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise _fail("DL_INVALID_SCHEME", None, 0, 0)
    bad = _ILLEGAL_URI_CHAR.search(uri)
    if bad is not None:
        raise _fail("DL_ILLEGAL_CHARACTER", None, bad.start(), 1)
    body = uri.split("#", 1)[0]
    body, qmark, query = body.partition("?")
    rest = body[len(scheme) :]
    slash = rest.find("/")
    domain = rest if slash < 0 else rest[:slash]
    _check_domain(domain)
    if slash < 0:
        raise _fail("DL_NO_PRIMARY_KEY")
    path = rest[slash:]
    if path.endswith("/"):
        raise _fail("DL_TRAILING_SLASH", None, len(scheme) + len(rest) - 1, 1)
    segments = path[1:].split("/")
    key_index = -1
    key_entry: AIEntry | None = None
    i = len(segments) - 2
    while i >= 0:
        ai = _path_ai(segments[i], permit_convenience_alphas)
        if ai is None:
            break
        entry = AI_TABLE.get(ai)
        if entry is None and not permit_unknown:
            break
        if entry is not None and entry.dl_primary_key:
            key_index, key_entry = i, entry
            break
        i -= 2
    if key_entry is None:
        last = segments[-1]
        if allow_compressed and last and all(c in _B64_INDEX for c in last):
            return _parse_compressed(
                uri, scheme, domain, segments, query, validate=validate,
                associations=associations, permit_unknown=permit_unknown,
            )
        raise _fail("DL_NO_PRIMARY_KEY")
    stem = scheme + domain + "/".join([""] + segments[:key_index])
    elements: list[Element] = []
    path_ais: list[str] = []
    for k in range(key_index, len(segments), 2):
        ai = _path_ai(segments[k], permit_convenience_alphas)
        if ai is None:
            raise _fail("DL_INVALID_PATH_SEQUENCE", None, None, 0, segments[k])
        value = _unescape_value(segments[k + 1], ai, query=False)
        if not value:
            raise _fail("EMPTY_VALUE", ai)
        if ai == "01":
            value = _pad_gtin(value, permit_zero_suppressed_gtin, ai)
        elements.append((ai, value))
        path_ais.append(ai)
    if not _valid_sequence(key_entry, path_ais[1:]):
        raise _fail("DL_INVALID_PATH_SEQUENCE", key_entry.ai, detail="/".join(path_ais))
    ignored: list[str] = []
    if qmark:
        _parse_query(query, key_entry, path_ais, elements, ignored, permit_zero_suppressed_gtin,
                     permit_unknown, unknown_ai_not_dl_attr)
    seen: set[str] = set()
    for ai, _ in elements:
        if ai in seen:
            raise _fail("DL_DUPLICATE_AI", ai)
        seen.add(ai)
    if validate:
        problems = validate_elements(elements, associations=associations,
                                     permit_unknown=permit_unknown)
        if problems:
            raise GS1Error(problems)
    return DigitalLink(uri, stem, key_entry.ai, elements, path_ais, ignored)


def _parse_query(query: str, key_entry: AIEntry, path_ais: list[str], elements: list[Element],
                 ignored: list[str], permit_zero_suppressed: bool, permit_unknown: bool,
                 unknown_not_attr: bool) -> None:
    qualifiers = set(path_ais[1:])
    for param in query.split("&"):
        if not param:
            continue
        name, eq, raw = param.partition("=")
        if not eq or not (name.isascii() and name.isdigit()):
            ignored.append(param)
            continue
        entry = AI_TABLE.get(name)
        if entry is None:
            if not permit_unknown:
                raise _fail("UNKNOWN_AI", name)
            if unknown_not_attr:
                raise _fail("DL_NOT_DATA_ATTRIBUTE", name)
        elif not entry.dl_data_attribute:
            raise _fail("DL_NOT_DATA_ATTRIBUTE", name)
        elif name in key_entry.dl_qualifiers:
            wanted = qualifiers | {name}
            if any(wanted <= set(seq) for seq in key_entry.dl_qualifier_sequences):
                raise _fail("DL_QUALIFIER_IN_QUERY", name)
        value = _unescape_value(raw, name, query=True)
        if not value:
            raise _fail("EMPTY_VALUE", name)
        if name == "01":
            value = _pad_gtin(value, permit_zero_suppressed, name)
        elements.append((name, value))


# --- building ------------------------------------------------------------------------------


def _choose_path(entry: AIEntry, present: dict[str, str]) -> tuple[str, ...]:
    best: tuple[str, ...] = ()
    for seq in entry.dl_qualifier_sequences:
        chosen = tuple(q for q in seq if q in present)
        if len(chosen) > len(best):
            best = chosen
    return best


def build_digital_link(
    elements: Iterable[Element],
    base_url: str | None = CANONICAL_STEM,
    *,
    path_ais: Sequence[str] | None = None,
    validate: bool = True,
    permit_unknown: bool = False,
    unknown_ai_not_dl_attr: bool = True,
) -> str:
    """GS1 Digital Link URI for ``elements`` on ``base_url`` (``None`` = https://id.gs1.org).

    The first primary key becomes the path with its qualifiers in the prescribed order; the
    other AIs become query-string attributes (predefined-length AIs first). A GTIN is padded
    to 14 digits; reserved characters are percent-encoded. ``path_ais`` keeps the path chosen
    by a parsed URI.
    """
    items: list[Element] = []
    values: dict[str, str] = {}
    for ai, value in elements:
        if ai in ("01", "02") and len(value) in (8, 12, 13) and value.isdigit():
            value = value.zfill(14)
        if ai in values:
            if values[ai] != value:
                raise _fail("REPEATED_AI_DIFFERENT_VALUES", ai)
            continue
        values[ai] = value
        items.append((ai, value))
    if validate:
        problems = validate_elements(items, permit_unknown=permit_unknown)
        if problems:
            raise GS1Error(problems)
    key_entry = next(
        (AI_TABLE[ai] for ai, _ in items if ai in AI_TABLE and AI_TABLE[ai].dl_primary_key),
        None,
    )
    if key_entry is None:
        raise _fail("DL_NO_PRIMARY_KEY")
    key = key_entry.ai
    if path_ais is not None and path_ais and path_ais[0] == key:
        qualifiers = tuple(path_ais[1:])
    else:
        qualifiers = _choose_path(key_entry, values)
    if not _valid_sequence(key_entry, qualifiers):
        raise _fail("DL_INVALID_PATH_SEQUENCE", key, detail="/".join(qualifiers))
    in_path = {key, *qualifiers}
    first: list[Element] = []
    later: list[Element] = []
    for ai, value in items:
        if ai in in_path:
            continue
        entry = AI_TABLE.get(ai)
        if entry is None:
            if not permit_unknown or unknown_ai_not_dl_attr:
                raise _fail("DL_NOT_DATA_ATTRIBUTE", ai)
            later.append((ai, value))
            continue
        if not entry.dl_data_attribute:
            raise _fail("DL_NOT_DATA_ATTRIBUTE", ai)
        (later if entry.fnc1_required else first).append((ai, value))
    stem = CANONICAL_STEM if base_url is None else base_url.rstrip("/")
    parts = [stem, "/", key, "/", dl_escape(values[key])]
    for q in qualifiers:
        parts += ["/", q, "/", dl_escape(values[q])]
    attrs = first + later
    if attrs:
        parts.append("?")
        parts.append("&".join(f"{ai}={dl_escape(v, query=True)}" for ai, v in attrs))
    return "".join(parts)


# --- compressed Digital Links ----------------------------------------------------------------

# Optimisation codes for frequent AI sequences (GS1 Digital Link compression).
_OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"),
    "0E": ("01", "7003"), "0F": ("01", "30"), "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"), "1C": ("01", "11"), "1D": ("01", "16"), "1E": ("01", "91"),
    "1F": ("01", "10", "15"), "9A": ("8010", "8011"), "9B": ("8017", "8019"),
    "9C": ("8018", "8019"), "9D": ("414", "254"),
    **{f"2{'ABCDEF'[i]}": ("01", f"310{i}") for i in range(6)},
    **{f"3{'ABCDEF'[i]}": ("01", f"320{i}") for i in range(6)},
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{'ABCD'[i]}": ("255", f"394{i}") for i in range(4)},
}


def _value_bits(digits: int) -> int:
    return math.ceil(digits * math.log(10) / math.log(2) + 0.01)


def _length_bits(max_length: int) -> int:
    return math.ceil(math.log(max_length) / math.log(2) + 0.01)


def _compression_layout(entry: AIEntry) -> list[tuple[bool, bool, int]]:
    """(numeric, fixed, length) parts: adjacent fixed parts of one kind merged, and the
    optional tail of one kind merged into a variable-length part."""
    layout: list[tuple[bool, bool, int]] = []
    comps: list[Component] = list(entry.components)
    for comp in comps:
        numeric = comp.cset == "N"
        fixed = comp.min == comp.max and not comp.optional
        if layout and layout[-1][0] == numeric and layout[-1][1] and fixed:
            layout[-1] = (numeric, True, layout[-1][2] + comp.max)
        elif layout and layout[-1][0] == numeric and not layout[-1][1] and comp.optional:
            layout[-1] = (numeric, False, layout[-1][2] + comp.max)
        else:
            layout.append((numeric, fixed, comp.max))
    return layout


class _Bits:
    __slots__ = ("bits", "pos")

    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.pos = 0

    def take(self, n: int) -> int:
        if n == 0:
            return 0
        end = self.pos + n
        if end > len(self.bits):
            raise _fail("DL_COMPRESSED_INVALID", detail="truncated")
        chunk = self.bits[self.pos : end]
        self.pos = end
        return int(chunk, 2)

    @property
    def left(self) -> int:
        return len(self.bits) - self.pos


def _decode_chars(bits: _Bits, encoding: int, count: int) -> str:
    if encoding == 0:
        value = bits.take(_value_bits(count)) if count else 0
        text = str(value).zfill(count)
        if len(text) != count:
            raise _fail("DL_COMPRESSED_INVALID", detail="numeric overflow")
        return text
    if encoding in (1, 2):
        text = "".join("0123456789ABCDEF"[bits.take(4)] for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(_B64[bits.take(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise _fail("DL_COMPRESSED_INVALID", detail=f"encoding {encoding}")


def _decode_value(bits: _Bits, ai: str) -> str:
    entry = AI_TABLE.get(ai)
    if entry is None:
        raise _fail("DL_COMPRESSED_INVALID", ai, detail="unknown AI")
    out = []
    for numeric, fixed, length in _compression_layout(entry):
        if numeric and fixed:
            out.append(_decode_chars(bits, 0, length))
        elif numeric:
            count = bits.take(_length_bits(length))
            out.append(_decode_chars(bits, 0, count))
        elif fixed:
            encoding = bits.take(3)
            out.append(_decode_chars(bits, encoding, length))
        else:
            encoding = bits.take(3)
            count = bits.take(_length_bits(length))
            out.append(_decode_chars(bits, encoding, count))
    return "".join(out)


def _decompress(segment: str) -> tuple[list[Element], list[str]]:
    bits = _Bits("".join(f"{_B64_INDEX[c]:06b}" for c in segment))
    elements: list[Element] = []
    others: list[str] = []
    while bits.left > 8:
        h1, h2 = bits.take(4), bits.take(4)
        if h1 <= 9 and h2 <= 9:
            prefix = f"{h1}{h2}"
            size = ai_length_for_prefix(prefix)
            if size is None:
                raise _fail("DL_COMPRESSED_INVALID", detail=f"AI prefix {prefix}")
            ai = prefix
            for _ in range(size - 2):
                nibble = bits.take(4)
                if nibble > 9:
                    raise _fail("DL_COMPRESSED_INVALID", detail="AI not numeric")
                ai += str(nibble)
            elements.append((ai, _decode_value(bits, ai)))
            continue
        code = f"{h1:X}{h2:X}"
        sequence = _OPTIMISATIONS.get(code)
        if sequence is not None:
            for ai in sequence:
                elements.append((ai, _decode_value(bits, ai)))
            continue
        if h1 != 15:
            raise _fail("DL_COMPRESSED_INVALID", detail=f"code {code}")
        key_length = (h2 << 3) | bits.take(3)
        key = "".join(_B64[bits.take(6)] for _ in range(key_length))
        encoding = bits.take(3)
        count = bits.take(7)
        others.append(f"{key}={_decode_chars(bits, encoding, count)}")
    if bits.left and bits.take(bits.left):
        raise _fail("DL_COMPRESSED_INVALID", detail="non-zero padding")
    if not elements:
        raise _fail("DL_COMPRESSED_INVALID", detail="no data")
    return elements, others


def _parse_compressed(uri: str, scheme: str, domain: str, segments: list[str], query: str, *,
                      validate: bool, associations: bool, permit_unknown: bool) -> DigitalLink:
    try:
        elements, others = _decompress(segments[-1])
    except (GS1Error, ValueError, IndexError) as exc:
        detail = "nor a compressed GS1 Digital Link"
        raise _fail("DL_NO_PRIMARY_KEY", detail=detail) from exc
    stem = scheme + domain + "/".join([""] + segments[:-1])
    key_entry = next(
        (AI_TABLE[ai] for ai, _ in elements if AI_TABLE[ai].dl_primary_key), None
    )
    if key_entry is None:
        raise _fail("DL_NO_PRIMARY_KEY")
    ordered = [e for e in elements if e[0] == key_entry.ai]
    values = dict(elements)
    qualifiers = _choose_path(key_entry, values)
    ordered += [(q, values[q]) for q in qualifiers]
    in_path = {key_entry.ai, *qualifiers}
    ordered += [e for e in elements if e[0] not in in_path]
    ignored = others + [p for p in query.split("&") if p]
    if validate:
        problems = validate_elements(ordered, associations=associations,
                                     permit_unknown=permit_unknown)
        if problems:
            raise GS1Error(problems)
    return DigitalLink(uri, stem, key_entry.ai, ordered, [key_entry.ai, *qualifiers], ignored,
                       compressed=True)


def decompress_digital_link(uri: str) -> str:
    """Expand a compressed GS1 Digital Link URI (same stem); non-GS1 parameters are kept."""
    link = parse_digital_link(uri)
    out = build_digital_link(link.elements, link.stem, path_ais=link.path_ais)
    extra = [p for p in link.ignored_query_params if "=" in p]
    if extra:
        out += ("&" if "?" in out else "?") + "&".join(extra)
    return out
