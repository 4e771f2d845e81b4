"""Reading what an inspector types, pastes or scans into the console's one search box.

A keyboard-wedge scanner types a GS1-128 or DataMatrix code as keystrokes. The GS separator
(ASCII 29) that ends a variable-length field arrives as the GS character, as the text "{GS}",
or, with many scanner and keyboard settings, as nothing at all: "(10)ABC" followed by
"(17)261231" then reads as one long lot "ABC17261231". The box accepts the text raw; when a
variable-length field could hide a dropped separator, :func:`hidden_separator_readings` lists
every other valid reading so the console can try them or offer them.
"""

from dataclasses import dataclass, field

from .. import gs1
from ..gs1.ai import get_ai
from ..gs1.element_string import validate_value

GS1_SYMBOLOGY_IDS = ("]C1", "]e0", "]d2", "]Q3", "]J1", "]z1")
MAX_READINGS = 6
_MAX_STEPS = 20000


@dataclass
class Reading:
    """What the box held: the parse (or its error) and other readings to offer."""

    text: str
    parsed: gs1.ParsedCode | None = None
    error: gs1.GS1Error | None = None
    alternatives: list[list[tuple[str, str]]] = field(default_factory=list)


def clean(text: str) -> str:
    """Trim the box; keep GS characters; drop a wedge's trailing carriage return/newline."""
    text = (text or "").replace("{GS}", gs1.GS).replace("\u241d", gs1.GS)
    return text.strip(" \t\r\n")


def read(text: str) -> Reading:
    text = clean(text)
    reading = Reading(text=text)
    try:
        reading.parsed = gs1.parse_code(text)
    except gs1.GS1Error as error:
        reading.error = error
    first = reading.parsed.elements if reading.parsed else None
    reading.alternatives = [
        elements for elements in hidden_separator_readings(text) if elements != first
    ]
    return reading


def hidden_separator_readings(text: str, limit: int = MAX_READINGS) -> list[list]:
    """Valid element readings of raw AI data assuming separators may have been dropped.

    Only raw data (optionally after a GS1 symbology identifier) qualifies: Digital Links,
    bracketed strings and bare GTINs carry no separators to lose.
    """
    data = text
    if data[:3] in GS1_SYMBOLOGY_IDS:
        data = data[3:]
    if not data or not data[:2].isdigit() or not data.isascii() or data.isdigit() and len(
            data) in (8, 12, 13, 14):
        return []
    segments = [part for part in data.split(gs1.GS) if part]
    found: list[list] = []
    steps = [0]

    def walk(segment_index: int, position: int, elements: list) -> None:
        if len(found) >= limit * 3 or steps[0] > _MAX_STEPS:
            return
        steps[0] += 1
        if segment_index == len(segments):
            found.append(list(elements))
            return
        segment = segments[segment_index]
        if position == len(segment):
            walk(segment_index + 1, 0, elements)
            return
        entry = None
        for size in (2, 3, 4):
            entry = get_ai(segment[position:position + size])
            if entry is not None:
                break
        if entry is None:
            return
        ai = entry.ai
        start = position + len(ai)
        if not entry.fnc1_required:
            end = start + entry.max_length
            if end <= len(segment) and not validate_value(ai, segment[start:end]):
                walk(segment_index, end, [*elements, (ai, segment[start:end])])
            return
        longest = min(len(segment), start + entry.max_length)
        for end in range(longest, start + max(entry.min_length, 1) - 1, -1):
            value = segment[start:end]
            if not validate_value(ai, value):
                walk(segment_index, end, [*elements, (ai, value)])

    walk(0, 0, [])
    valid = []
    for elements in found:
        if gs1.validate_elements(elements):
            continue
        if elements not in valid:
            valid.append(elements)
    return valid[:limit]


def bracketed(elements) -> str:
    return gs1.build_bracketed(elements)
