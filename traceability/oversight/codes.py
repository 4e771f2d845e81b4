"""Turning anything a person or a scanner gives into GS1 elements, with errors people can act on.

Shared by ``POST /api/v1/codes/parse``, the inspector's trace, the console and ``flask gs1``.
"""

from flask import current_app

from .. import gs1
from ..errors import ServiceError

# Keyboard-wedge scanners send the GS separator in several disguises.
GS_STAND_INS = ("{GS}", "<GS>", "\\x1d", "␝")


class BadCode(ServiceError):
    """400: the code does not parse; ``errors["code"]`` says why, in English and Vietnamese."""

    status = 400
    slug = "bad-code"


def clean_input(text: str) -> str:
    text = (text or "").strip()
    for stand_in in GS_STAND_INS:
        text = text.replace(stand_in, "\x1d")
    return text


def parse(text: str) -> gs1.ParsedCode:
    text = clean_input(text)
    if not text:
        raise BadCode("Give a code: a Digital Link, an element string, scanner output or a GTIN.",
                      errors={"code": ["The code is empty."]})
    try:
        return gs1.parse_code(text)
    except gs1.GS1Error as error:
        messages = [problem.message for problem in error.problems]
        messages_vi = [problem.message_vi for problem in error.problems]
        raise BadCode("This code is not valid GS1 data: " + "; ".join(messages),
                      errors={"code": messages, "code_vi": messages_vi}) from error


def describe(parsed: gs1.ParsedCode) -> dict:
    """The answer of ``/codes/parse``."""
    answer = {
        "kind": parsed.kind,
        "symbology": parsed.symbology,
        "elements": [{"ai": ai, "value": value, "title": _title(ai)}
                     for ai, value in parsed.elements],
        "bracketed": parsed.bracketed,
        "hri": parsed.hri,
        "digital_link": None,
    }
    if parsed.primary_key is not None:
        answer["digital_link"] = parsed.digital_link(current_app.config["RESOLVER_BASE_URL"])
    return answer


def _title(ai: str) -> str:
    entry = gs1.get_ai(ai)
    return getattr(entry, "title", "") if entry is not None else ""
