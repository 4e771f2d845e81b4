"""GS1 element strings: bracketed ``(01)...(10)...`` and raw FNC1/GS forms.

Elements are ``(ai, value)`` tuples in message order. Parsing validates by default; every
problem found is reported in the raised :class:`~.errors.GS1Error`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ._codelists import CURRENCY_ALPHA
from .ai import _TABLE as _AI_DICT
from .ai import AI_TABLE, AIEntry, ai_length_for_prefix
from .errors import GS1Error, Problem
from .linters import CSET39, CSET82, LINTERS, lint_cset64

__all__ = [
    "ElementInfo",
    "GS",
    "build_bracketed",
    "build_raw",
    "hri",
    "interpret",
    "parse_bracketed",
    "parse_element_string",
    "parse_raw",
    "split_value",
    "validate_elements",
    "validate_value",
]

GS = "\x1d"
Element = tuple[str, str]

_DIGITS = frozenset("0123456789")
_CSET_OF = {"X": CSET82, "Y": CSET39}
_CSET_CODE = {"X": "INVALID_CSET82_CHARACTER", "Y": "INVALID_CSET39_CHARACTER"}
_TABLE = _AI_DICT  # plain dict: faster lookups than the read-only proxy
_AI4 = frozenset(a for a in AI_TABLE if len(a) == 4)
_AI3 = frozenset(a for a in AI_TABLE if len(a) == 3)
_AI2 = frozenset(a for a in AI_TABLE if len(a) == 2)
# AI (4324)/(4325): "9999" in the time means "no time given" (GS1 General Specifications).
_NO_TIME_AIS = frozenset({"4324", "4325"})


# --- value checks --------------------------------------------------------------------------


def split_value(entry: AIEntry, value: str) -> list[str] | Problem:
    """Split ``value`` into the AI's components, or return the length problem."""
    parts: list[str] = []
    pos = 0
    n = len(value)
    for comp in entry.components:
        rem = n - pos
        if rem == 0:
            if comp.optional:
                break
            return Problem("VALUE_TOO_SHORT", entry.ai, 0, n)
        if comp.min == comp.max:
            if rem < comp.min:
                return Problem("VALUE_TOO_SHORT", entry.ai, 0, n)
            take = comp.min
        else:
            take = rem if rem < comp.max else comp.max
        parts.append(value[pos : pos + take])
        pos += take
    if pos < n:
        return Problem("VALUE_TOO_LONG", entry.ai, 0, n)
    return parts


def _first_bad(text: str, allowed: frozenset[str]) -> int:
    for i, ch in enumerate(text):
        if ch not in allowed:
            return i
    return -1


def validate_value(ai: str, value: str, *, permit_unknown: bool = False) -> list[Problem]:
    """Problems of one AI value: length, character set and content checks."""
    entry = _TABLE.get(ai)
    if entry is None:
        if not permit_unknown:
            return [Problem("UNKNOWN_AI", ai)]
        if not value:
            return [Problem("EMPTY_VALUE", ai)]
        if len(value) > 90:
            return [Problem("VALUE_TOO_LONG", ai, 0, len(value))]
        bad = _first_bad(value, CSET82)
        return [] if bad < 0 else [Problem("INVALID_CSET82_CHARACTER", ai, bad, 1)]
    if not value:
        return [Problem("EMPTY_VALUE", ai)]
    parts = split_value(entry, value)
    if isinstance(parts, Problem):
        return [parts]
    problems: list[Problem] = []
    offset = 0
    for comp, part in zip(entry.components, parts, strict=False):
        problem = _check_component(ai, comp.cset, comp.linters, part, offset)
        if problem is not None:
            problems.append(problem)
        offset += len(part)
    return problems


def _check_component(ai: str, cset: str, linters: tuple[str, ...], part: str,
                     offset: int) -> Problem | None:
    if cset == "N":
        if not (part.isascii() and part.isdigit()):
            return Problem("NON_DIGIT_CHARACTER", ai, offset + _first_bad(part, _DIGITS), 1)
    elif cset == "Z":
        res = lint_cset64(part)
        if res is not None:
            return Problem(res[0], ai, offset + res[1], res[2])
    else:
        bad = _first_bad(part, _CSET_OF[cset])
        if bad >= 0:
            return Problem(_CSET_CODE[cset], ai, offset + bad, 1)
    for name in linters:
        if name == "hhmi" and part == "9999" and ai in _NO_TIME_AIS:
            continue
        res = LINTERS[name](part)
        if res is not None:
            return Problem(res[0], ai, offset + res[1], res[2])
    return None


# --- message-level rules -------------------------------------------------------------------


def _rule(pattern: str) -> tuple[str, int]:
    """(prefix, length): ``n`` stands for any digit and only ever ends a pattern."""
    return pattern.rstrip("n"), len(pattern)


# Precompiled association rules, per AI.
_EXCLUDES = {
    ai: tuple(_rule(p) for p in e.excludes) for ai, e in AI_TABLE.items() if e.excludes
}
_REQUIRES = {
    ai: tuple(tuple(tuple(_rule(p) for p in alt) for alt in group) for group in e.requires)
    for ai, e in AI_TABLE.items()
    if e.requires
}


def _present(ais: Sequence[str], rule: tuple[str, int]) -> bool:
    prefix, length = rule
    if len(prefix) == length:
        return prefix in ais
    return any(len(a) == length and a.startswith(prefix) for a in ais)


def association_problems(elements: Sequence[Element], *, requisites: bool = True) -> list[Problem]:
    """Repeated AIs with different values, invalid pairs, missing required AIs, (8030) rule."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    ais: list[str] = []
    for ai, value in elements:
        previous = seen.get(ai)
        if previous is None:
            seen[ai] = value
            ais.append(ai)
        elif previous != value:
            if not any(p.code == "REPEATED_AI_DIFFERENT_VALUES" and p.ai == ai for p in problems):
                problems.append(Problem("REPEATED_AI_DIFFERENT_VALUES", ai))
    reported: set[frozenset[str]] = set()
    for ai in ais:
        rules = _EXCLUDES.get(ai)
        if rules is None:
            continue
        for prefix, length in rules:
            for other in ais:
                if other != ai and len(other) == length and other.startswith(prefix):
                    pair = frozenset((ai, other))
                    if pair not in reported:
                        reported.add(pair)
                        detail = f"({ai}) + ({other})"
                        problems.append(Problem("INVALID_AI_PAIR", ai, detail=detail))
    if requisites:
        for ai in ais:
            groups = _REQUIRES.get(ai)
            if groups is None:
                continue
            for i, group in enumerate(groups):
                if not any(all(_present(ais, r) for r in alt) for alt in group):
                    wanted = " or ".join(
                        "+".join(f"({p})" for p in alt) for alt in _TABLE[ai].requires[i]
                    )
                    problems.append(Problem("REQUIRED_AI_MISSING", ai, detail=wanted))
    if "8030" in seen:
        for key, bare in (("253", 13), ("255", 13), ("8003", 14)):
            value = seen.get(key)
            if value is not None and len(value) == bare:
                problems.append(Problem("DIGSIG_REQUIRES_SERIALISED_KEY", key))
    return problems


def validate_elements(elements: Iterable[Element], *, associations: bool = True,
                      requisites: bool = True, permit_unknown: bool = False) -> list[Problem]:
    """Every problem of a list of ``(ai, value)`` elements (empty list when valid)."""
    elements = list(elements)
    problems: list[Problem] = []
    for ai, value in elements:
        problems.extend(validate_value(ai, value, permit_unknown=permit_unknown))
    if associations:
        problems.extend(association_problems(elements, requisites=requisites))
    return problems


def _finish(elements: list[Element], validate: bool, associations: bool, requisites: bool,
            permit_unknown: bool) -> list[Element]:
    if not elements:
        raise GS1Error.of("EMPTY_DATA")
    if validate:
        problems = validate_elements(
            elements, associations=associations, requisites=requisites,
            permit_unknown=permit_unknown,
        )
        if problems:
            raise GS1Error(problems)
    return elements


# --- parsing -------------------------------------------------------------------------------


def _check_ai_syntax(ai: str, at: int, permit_unknown: bool) -> None:
    if not (ai.isascii() and ai.isdigit()):
        raise GS1Error.of("AI_NOT_NUMERIC", ai, at, len(ai))
    if len(ai) < 2:
        raise GS1Error.of("AI_TOO_SHORT", ai, at, len(ai))
    if len(ai) > 4:
        raise GS1Error.of("AI_TOO_LONG", ai, at, len(ai))
    if ai not in _TABLE and not permit_unknown:
        raise GS1Error.of("UNKNOWN_AI", ai, at, len(ai))


def parse_bracketed(text: str, *, validate: bool = True, associations: bool = True,
                    requisites: bool = True, permit_unknown: bool = False) -> list[Element]:
    """Parse ``(01)09506000134352(10)ABC``; a literal ``(`` in a value is written ``\\(``."""
    n = len(text)
    if not n or text[0] != "(":
        raise GS1Error.of("MUST_START_WITH_AI", None, 0, n)
    caret = text.find("^")
    if caret >= 0:
        raise GS1Error.of("ILLEGAL_CARET", None, caret, 1)
    elements: list[Element] = []
    i = 0
    escaped = "\\(" in text
    while i < n:
        close = text.find(")", i + 1)
        if close < 0:
            raise GS1Error.of("AI_UNTERMINATED", None, i, n - i)
        ai = text[i + 1 : close]
        _check_ai_syntax(ai, i + 1, permit_unknown)
        start = close + 1
        nxt = text.find("(", start)
        if not escaped:
            end = n if nxt < 0 else nxt
            value = text[start:end]
        else:
            chunks = []
            while nxt > 0 and text[nxt - 1] == "\\":
                chunks.append(text[start : nxt - 1])
                chunks.append("(")
                start = nxt + 1
                nxt = text.find("(", start)
            end = n if nxt < 0 else nxt
            chunks.append(text[start:end])
            value = "".join(chunks)
        if not value:
            raise GS1Error.of("EMPTY_VALUE", ai, close + 1, 0)
        elements.append((ai, value))
        i = end
    return _finish(elements, validate, associations, requisites, permit_unknown)


def _next_separator(text: str, start: int, separators: str) -> int:
    if len(separators) == 1:
        k = text.find(separators, start)
        return len(text) if k < 0 else k
    best = len(text)
    for sep in separators:
        k = text.find(sep, start, best)
        if 0 <= k < best:
            best = k
    return best


def parse_raw(text: str, *, separators: str | Sequence[str] = GS, validate: bool = True,
              associations: bool = True, requisites: bool = True,
              permit_unknown: bool = False) -> list[Element]:
    """Parse unbracketed AI data; ``separators`` are the FNC1 stand-ins (GS by default).

    Superfluous separators (doubled, leading or trailing) are tolerated.
    """
    seps = "".join(separators)
    n = len(text)
    elements: list[Element] = []
    i = 0
    table = _TABLE
    while i < n:
        ch = text[i]
        if ch in seps:
            i += 1
            continue
        ai = text[i : i + 2]
        if ai not in _AI2:
            ai = text[i : i + 3]
            if ai not in _AI3:
                ai = text[i : i + 4]
                if ai not in _AI4:
                    length = ai_length_for_prefix(text[i : i + 2])
                    if not permit_unknown or length is None or n - i <= length:
                        raise GS1Error.of("UNKNOWN_AI", None, i, min(4, n - i))
                    ai = text[i : i + length]
                    if not (ai.isascii() and ai.isdigit()):
                        raise GS1Error.of("UNKNOWN_AI", None, i, length)
        j = i + len(ai)
        entry = table.get(ai)
        end = _next_separator(text, j, seps)
        if entry is not None and not entry.fnc1_required:
            fixed_end = j + entry.max_length
            if fixed_end < end:
                end = fixed_end
        value = text[j:end]
        if not value:
            raise GS1Error.of("EMPTY_VALUE", ai, j, 0)
        elements.append((ai, value))
        i = end
    return _finish(elements, validate, associations, requisites, permit_unknown)


def parse_element_string(text: str, *, separators: str | Sequence[str] = GS,
                         validate: bool = True, associations: bool = True,
                         requisites: bool = True, permit_unknown: bool = False) -> list[Element]:
    """Parse bracketed ``(01)..`` or raw AI data (GS separated; ``^`` FNC1 notation too).

    A leading ``^`` (FNC1 in first position) selects the ``^`` notation where each further
    ``^`` is a separator and ``|^`` joins a composite component. A scanner string with a
    symbology identifier (``]C1`` ...) is accepted as well.
    """
    if not text:
        raise GS1Error.of("EMPTY_DATA")
    if "{GS}" in text:  # a common textual rendering of the GS separator
        text = text.replace("{GS}", GS)
    first = text[0]
    opts = {
        "validate": validate, "associations": associations, "requisites": requisites,
        "permit_unknown": permit_unknown,
    }
    if first == "(":
        return parse_bracketed(text, **opts)
    if first == "^":
        return parse_raw(text[1:].replace("|^", "^"), separators="^", **opts)
    if first == "]":
        from .scan import parse_scan_data

        scan = parse_scan_data(text, **opts)
        if scan.elements is None:
            raise GS1Error.of("UNRECOGNISED_INPUT")
        return list(scan.elements)
    return parse_raw(text, separators=separators, **opts)


# --- building ------------------------------------------------------------------------------


def build_bracketed(elements: Iterable[Element]) -> str:
    """``(01)09506000134352(10)ABC``; ``(`` inside a value is escaped as ``\\(``."""
    return "".join(f"({ai}){value.replace('(', chr(92) + '(')}" for ai, value in elements)


def build_raw(elements: Iterable[Element], separator: str = GS, *, fnc1: str = "") -> str:
    """Raw element string: ``separator`` after each variable-length AI that is not last.

    ``fnc1`` is put in front (``"^"`` gives the FNC1 notation when ``separator="^"``).
    """
    out: list[str] = [fnc1]
    pending = False
    table = _TABLE
    for ai, value in elements:
        if pending:
            out.append(separator)
        out.append(ai)
        out.append(value)
        entry = table.get(ai)
        pending = entry is None or entry.fnc1_required
    return "".join(out)


def hri(elements: Iterable[Element]) -> list[str]:
    """Human readable interpretation lines: ``["(01) 09506000134352", "(10) ABC"]``."""
    return [f"({ai}) {value}" for ai, value in elements]


# --- interpretation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElementInfo:
    """Meaning of one element: its components, date/time, decimal value, currency."""

    ai: str
    value: str
    title: str
    components: tuple[str, ...]
    date: _dt.date | None = None
    datetime: _dt.datetime | None = None
    decimal: Decimal | None = None
    currency: str | None = None  # ISO 4217 numeric
    currency_alpha: str | None = None
    unit: str | None = None


def _year(yy: int, today: _dt.date | None = None) -> int:
    """Century per GS1 General Specifications 7.12: within -49..+50 years of today."""
    this = (today or _dt.date.today()).year
    base = this - this % 100
    year = base + yy
    diff = year - this
    if diff > 50:
        year -= 100
    elif diff < -49:
        year += 100
    return year


def _to_date(text: str) -> _dt.date:
    if len(text) == 6:
        year = _year(int(text[:2]))
        rest = text[2:]
    else:
        year = int(text[:4])
        rest = text[4:]
    month, day = int(rest[:2]), int(rest[2:4])
    if day == 0:  # DD=00: last day of the month
        nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
        return nxt - _dt.timedelta(days=1)
    return _dt.date(year, month, day)


_DATE_LINTERS = frozenset({"yymmdd", "yymmd0", "yyyymmdd", "yyyymmd0"})


def interpret(ai: str, value: str) -> ElementInfo:
    """Components, dates, implied decimals and currency of one (valid) element."""
    entry = _TABLE.get(ai)
    if entry is None:
        return ElementInfo(ai, value, "", (value,))
    parts = split_value(entry, value)
    if isinstance(parts, Problem):
        raise GS1Error(parts)
    date = dtime = dec = None
    currency = None
    time_parts: list[str] = []
    for comp, part in zip(entry.components, parts, strict=False):
        names = comp.linters
        if _DATE_LINTERS.intersection(names) and date is None:
            date = _to_date(part)
        elif "hhmi" in names and not (part == "9999" and ai in _NO_TIME_AIS):
            time_parts = [part[:2], part[2:]]
        elif names and names[0] in ("hh", "mi", "ss"):
            time_parts.append(part)
        elif "iso4217" in names:
            currency = part
    if date is not None and time_parts:
        hh, mm, ss = ([*time_parts, "0", "0"])[:3]
        dtime = _dt.datetime(date.year, date.month, date.day, int(hh), int(mm), int(ss))
    if entry.decimal_places is not None:
        dec = Decimal(int(parts[-1])).scaleb(-entry.decimal_places)
    return ElementInfo(
        ai, value, entry.title, tuple(parts), date, dtime, dec, currency,
        CURRENCY_ALPHA.get(currency) if currency else None, entry.unit,
    )

