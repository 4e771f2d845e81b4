"""The GS1 Application Identifier table as Python objects.

``AI_TABLE`` maps every AI of the GS1 General Specifications to an :class:`AIEntry`; it is
built once, at import, from the project's table in :mod:`._ai_data`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType

from ._ai_data import AI_NAMES, AI_TABLE_TEXT

__all__ = [
    "AI_TABLE",
    "AIEntry",
    "Component",
    "ai_length_for_prefix",
    "get_ai",
    "matches_pattern",
]

CSET_NAMES = {"N": "numeric", "X": "cset82", "Y": "cset39", "Z": "cset64"}


@dataclass(frozen=True, slots=True)
class Component:
    """One component of an AI value."""

    cset: str  # "N", "X", "Y" or "Z"
    min: int
    max: int
    optional: bool = False
    linters: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        """``numeric``, ``cset82``, ``cset39`` or ``cset64``."""
        return CSET_NAMES[self.cset]

    @property
    def fixed(self) -> bool:
        return self.min == self.max


@dataclass(frozen=True, slots=True)
class AIEntry:
    """Definition of one Application Identifier."""

    ai: str
    title: str
    components: tuple[Component, ...]
    fnc1_required: bool
    dl_data_attribute: bool
    requires: tuple[tuple[tuple[str, ...], ...], ...] = ()
    excludes: tuple[str, ...] = ()
    dl_primary_key: bool = False
    dl_qualifier_sequences: tuple[tuple[str, ...], ...] = ()
    decimal_places: int | None = None
    unit: str | None = None
    name: str = ""
    name_vi: str = ""
    min_length: int = field(init=False)
    max_length: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "min_length", sum(c.min for c in self.components if not c.optional)
        )
        object.__setattr__(self, "max_length", sum(c.max for c in self.components))

    @property
    def predefined_length(self) -> bool:
        """In the General Specifications' table of predefined-length element strings."""
        return not self.fnc1_required

    @property
    def fixed_length(self) -> bool:
        return self.min_length == self.max_length

    @property
    def is_numeric(self) -> bool:
        return all(c.cset == "N" for c in self.components)

    @property
    def dl_qualifiers(self) -> frozenset[str]:
        """Every AI that may qualify this primary key in a Digital Link path."""
        return frozenset(q for seq in self.dl_qualifier_sequences for q in seq)

    @property
    def format(self) -> str:
        """Format string in General Specifications notation, e.g. ``N13+X..17``."""
        parts = []
        for c in self.components:
            text = f"{c.cset}{c.max}" if c.fixed else f"{c.cset}..{c.max}"
            parts.append(f"[{text}]" if c.optional else text)
        return "+".join(parts)


_COMPONENT_RE = re.compile(r"^\[?([NXYZ])(\.\.)?(\d+)((?:,[a-z0-9]+)*)\]?$")


def _parse_component(token: str) -> Component:
    m = _COMPONENT_RE.match(token)
    if not m:
        raise ValueError(f"bad component {token!r}")
    cset, variable, length, linters = m.groups()
    size = int(length)
    return Component(
        cset=cset,
        min=1 if variable else size,
        max=size,
        optional=token.startswith("["),
        linters=tuple(x for x in linters.split(",") if x),
    )


def _parse_table(text: str) -> dict[str, AIEntry]:
    table: dict[str, AIEntry] = {}
    for raw in text.strip().splitlines():
        body, _, title = raw.partition("#")
        title = title.strip()
        tokens = body.split()
        first, last = (tokens[0].split("-") + [tokens[0]])[:2]
        tokens = tokens[1:]
        flags = ""
        if tokens and set(tokens[0]) <= {"*", "?"}:
            flags = tokens.pop(0)
        components: list[Component] = []
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: tuple[str, ...] = ()
        pkey = False
        sequences: tuple[tuple[str, ...], ...] = ()
        dp = False
        unit = None
        for tok in tokens:
            key, eq, val = tok.partition("=")
            if key == "req":
                requires.append(tuple(tuple(alt.split("+")) for alt in val.split(",")))
            elif key == "ex":
                excludes = tuple(val.split(","))
            elif key == "dlpkey":
                pkey = True
                sequences = tuple(tuple(s.split(",")) for s in val.split("|")) if eq else ((),)
            elif key == "dp":
                dp = True
            elif key == "unit":
                unit = val
            else:
                components.append(_parse_component(tok))
        width = len(first)
        for number in range(int(first), int(last) + 1):
            ai = str(number).zfill(width)
            digit = int(ai[-1])
            names = AI_NAMES.get(ai, ("", ""))
            table[ai] = AIEntry(
                ai=ai,
                title=title.replace("{n1}", str(digit + 1)).replace("{n}", str(digit)),
                components=tuple(components),
                fnc1_required="*" not in flags,
                dl_data_attribute="?" in flags,
                requires=tuple(requires),
                excludes=excludes,
                dl_primary_key=pkey,
                dl_qualifier_sequences=sequences,
                decimal_places=digit if dp else None,
                unit=unit,
                name=names[0] or title,
                name_vi=names[1],
            )
    return table


_TABLE = _parse_table(AI_TABLE_TEXT)
AI_TABLE: MappingProxyType[str, AIEntry] = MappingProxyType(_TABLE)

# Length of the AI itself, by its first two digits (known AIs of one prefix share a length).
_AI_LENGTH_BY_PREFIX: dict[str, int] = {}
for _ai in _TABLE:
    _AI_LENGTH_BY_PREFIX.setdefault(_ai[:2], len(_ai))

# AIs grouped by length, for fast prefix matching of raw element strings.
AIS_BY_LENGTH: dict[int, frozenset[str]] = {
    n: frozenset(a for a in _TABLE if len(a) == n) for n in (2, 3, 4)
}


def get_ai(code: str) -> AIEntry | None:
    """The table entry for ``code`` or ``None`` when the AI is unknown."""
    return _TABLE.get(code)


def ai_length_for_prefix(prefix: str) -> int | None:
    """Number of digits of the AIs starting with the two digits ``prefix``, if known."""
    return _AI_LENGTH_BY_PREFIX.get(prefix)


def matches_pattern(ai: str, pattern: str) -> bool:
    """``pattern`` is an AI where ``n`` stands for any digit (``394n``, ``31nn``)."""
    if len(ai) != len(pattern):
        return False
    return all(p in ("n", a) for a, p in zip(ai, pattern, strict=True))
