"""EPCIS timestamps (``xsd:dateTimeStamp``: RFC 3339 date-time with a mandatory offset)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<frac>\d+))?(?P<tz>[Zz]|[+-]\d{2}:\d{2})$"
)
_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2})$")


def parse_offset(text: object) -> timedelta | None:
    """``"+07:00"`` → ``timedelta(hours=7)``; None unless it is a valid EPCIS time zone offset.

    EPCIS allows -14:00 … +14:00 (the schema pattern: hours 00-13 with any minutes, or 14:00).
    """
    if not isinstance(text, str):
        return None
    match = _OFFSET.match(text)
    if not match:
        return None
    hours, minutes = int(match["h"]), int(match["m"])
    if minutes > 59 or hours > 14 or (hours == 14 and minutes != 0):
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if match["sign"] == "-" else delta


def format_offset(delta: timedelta) -> str:
    """``timedelta(hours=7)`` → ``"+07:00"``."""
    total = int(delta.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def parse_timestamp(text: object) -> datetime | None:
    """Parse an EPCIS timestamp into an aware datetime (sub-microsecond digits are dropped).

    Returns None when ``text`` is not an RFC 3339 date-time with an explicit offset.
    """
    parsed = _parse(text)
    return parsed[0] if parsed else None


def canonical_timestamp(text: object) -> str | None:
    """The CBV 2.0 event-hash form: UTC, millisecond precision, ``Z`` suffix.

    The milliseconds are rounded up when the fourth decimal is 5-9 (CBV 2.0, section 8.9,
    ``2023-01-18T11:04:03.1415Z`` → ``2023-01-18T11:04:03.142Z``).
    """
    parsed = _parse(text)
    if parsed is None:
        return None
    moment, fraction = parsed
    moment = moment.replace(microsecond=0)
    digits = (fraction + "000")[:3]
    millis = int(digits)
    if len(fraction) > 3 and fraction[3] in "56789":
        millis += 1
    moment = (moment + timedelta(milliseconds=millis)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(text: object) -> tuple[datetime, str] | None:
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.match(text.strip())
    if not match:
        return None
    fraction = match["frac"] or ""
    tz_text = match["tz"]
    if tz_text in ("Z", "z"):
        tz = UTC
    else:
        offset = _parse_any_offset(tz_text)
        if offset is None:
            return None
        tz = timezone(offset)
    try:
        moment = datetime.fromisoformat(
            f"{match['date']}T{match['h']}:{match['m']}:{match['s']}"
        ).replace(microsecond=int((fraction + "000000")[:6]), tzinfo=tz)
    except ValueError:
        return None
    return moment, fraction


def _parse_any_offset(text: str) -> timedelta | None:
    match = _OFFSET.match(text)
    if not match:
        return None
    hours, minutes = int(match["h"]), int(match["m"])
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if match["sign"] == "-" else delta
