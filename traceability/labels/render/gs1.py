"""Input checks shared by the symbol encoders (GTIN check digits, GS1 element strings).

Parsing and building element strings is the job of the GS1 library; this module only checks
what the renderers need so a bad input fails loudly instead of printing a wrong barcode.
"""

from __future__ import annotations

GS = "\x1d"

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CHARSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits before it (weights 3, 1, 3, ... from the right)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def validate_gtin_digits(digits: str, length: int, name: str) -> str:
    """Check length, digits and check digit; return the digits. Raise ValueError otherwise."""
    if not isinstance(digits, str):
        raise TypeError(f"{name} must be given as a string of digits, not {type(digits).__name__}")
    if len(digits) != length or not digits.isascii() or not digits.isdigit():
        raise ValueError(
            f"{name} needs exactly {length} digits including the check digit, got {digits!r}"
        )
    expected = gs1_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise ValueError(
            f"{name} {digits!r} has a wrong check digit: expected {expected}, got {digits[-1]}"
        )
    return digits


def validate_element_string(element_string: str, *, max_data_chars: int | None = 48) -> str:
    """Check a raw GS1 element string (AIs without parentheses, GS before a following AI).

    Checks the character set (set 82 plus GS), that it starts with an AI, that GS separators are
    neither leading, trailing nor doubled and each is followed by an AI, and the length limit
    (48 data characters for GS1-128, FNC1 not counted).
    """
    if not isinstance(element_string, str):
        raise TypeError(f"element string must be str, not {type(element_string).__name__}")
    if not element_string:
        raise ValueError("element string is empty")
    for pos, ch in enumerate(element_string):
        if ch != GS and ch not in CHARSET_82:
            raise ValueError(
                f"element string has a character outside GS1 character set 82 at position "
                f"{pos}: {ch!r} (only GS, \\x1d, may separate element strings)"
            )
    if element_string[0] == GS or element_string[-1] == GS:
        raise ValueError("element string must not start or end with a GS separator")
    for part in element_string.split(GS):
        if not part:
            raise ValueError("element string has two GS separators in a row")
        if len(part) < 2 or not part[:2].isdigit():
            raise ValueError(
                f"each element string must start with an Application Identifier; got {part!r}"
            )
    data_chars = len(element_string) - element_string.count(GS)
    if max_data_chars is not None and data_chars > max_data_chars:
        raise ValueError(
            f"element string has {data_chars} data characters; GS1-128 allows at most "
            f"{max_data_chars} per symbol"
        )
    return element_string
