"""What the gateway accepts: key syntax, required fields, and the lots an EPCIS event names.

The simulator plays an outside party, so it checks GS1 keys with its own few lines instead of
the project's ``gs1`` library: a mistake there must not be mirrored by the judge of the data.
"""

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from .problems import FieldErrors, Problem

TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_ZONE_OFFSET = re.compile(r"[+-]\d{2}:\d{2}")
# GS1 character set 82, the alphabet of a batch/lot number (AI 10), at most 20 characters.
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
LOT_MAX_LENGTH = 20
GTIN_LENGTHS = (8, 12, 13, 14)

EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
     "AssociationEvent"}
)
EVENTS_WITH_ACTION = EVENT_TYPES - {"TransformationEvent"}
EPC_LIST_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LIST_FIELDS = (
    "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"
)
LGTIN_PREFIX = "urn:epc:class:lgtin:"


def gs1_check_digit(body: str) -> int:
    """The mod-10 check digit GS1 appends to ``body`` (all digits but the last)."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1)
                for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _check_digit_ok(digits: str) -> bool:
    return gs1_check_digit(digits[:-1]) == int(digits[-1])


def normalize_gtin(value: object) -> str | None:
    """The GTIN-14 form of a valid GTIN-8/12/13/14, or None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) not in GTIN_LENGTHS or not _check_digit_ok(value):
        return None
    return value.zfill(14)


def valid_gln(value: object) -> bool:
    return (isinstance(value, str) and value.isascii() and value.isdigit()
            and len(value) == 13 and _check_digit_ok(value))


def valid_lot(value: object) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= LOT_MAX_LENGTH
            and all(char in CSET82 for char in value))


def valid_tax_code(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and TAX_CODE.fullmatch(value) is not None


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 date-time as naive UTC (how the simulator stores times), or None."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


# --- the keys in a request's path ------------------------------------------------------------

def require_tax_code(value: str) -> str:
    if not valid_tax_code(value):
        raise Problem(422, "Invalid tax code", code="validation_failed", errors={
            "maSoThue": ["A tax code is 10 digits, or 10 digits, '-' and 3 digits."]})
    return value


def require_gln(value: str) -> str:
    if not valid_gln(value):
        raise Problem(422, "Invalid GLN", code="validation_failed", errors={
            "gln": ["A GLN is 13 digits with a valid GS1 check digit."]})
    return value


def require_gtin(value: str) -> str:
    gtin = normalize_gtin(value)
    if gtin is None:
        raise Problem(422, "Invalid GTIN", code="validation_failed", errors={
            "gtin": ["A GTIN is 8, 12, 13 or 14 digits with a valid GS1 check digit."]})
    return gtin


def require_lot(value: str) -> str:
    if not valid_lot(value):
        raise Problem(422, "Invalid lot number", code="validation_failed", errors={
            "soLo": [f"A lot number is 1 to {LOT_MAX_LENGTH} characters of GS1 set 82."]})
    return value


def require_object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object", code="malformed_body")
    return body


# --- fields of a body ------------------------------------------------------------------------

def _text(errors: FieldErrors, body: dict, field: str, *, required: bool = True) -> None:
    value = body.get(field)
    if value is None:
        if required:
            errors.add(field, "This field is required.")
    elif not isinstance(value, str) or not value.strip():
        errors.add(field, "Must be a non-empty text.")


def _date(errors: FieldErrors, body: dict, field: str, *, required: bool = True) -> date | None:
    value = body.get(field)
    if value is None:
        if required:
            errors.add(field, "This field is required.")
        return None
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(field, "Must be a date written YYYY-MM-DD.")
    return None


def _date_order(errors: FieldErrors, field: str, start: date | None, end: date | None) -> None:
    if start and end and end < start:
        errors.add(field, "Cannot be earlier than the start date.")


def _gln_field(errors: FieldErrors, body: dict, field: str, *, required: bool) -> None:
    value = body.get(field)
    if value is None:
        if required:
            errors.add(field, "This field is required.")
    elif not valid_gln(value):
        errors.add(field, "A GLN is 13 digits with a valid GS1 check digit.")


def _tax_code_field(errors: FieldErrors, body: dict, field: str = "maSoThue") -> None:
    value = body.get(field)
    if value is None:
        errors.add(field, "This field is required.")
    elif not valid_tax_code(value):
        errors.add(field, "A tax code is 10 digits, or 10 digits, '-' and 3 digits.")


def _is_web_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate_organization(tax_code: str, body: dict) -> None:
    errors = FieldErrors()
    for field in ("ten", "diaChi", "tinhThanh"):
        _text(errors, body, field)
    _text(errors, body, "loaiHinh", required=False)
    _gln_field(errors, body, "gln", required=False)
    prefixes = body.get("maDoanhNghiepGS1")
    if prefixes is not None and not (
        isinstance(prefixes, list)
        and all(isinstance(p, str) and p.isascii() and p.isdigit() and 4 <= len(p) <= 12
                for p in prefixes)
    ):
        errors.add("maDoanhNghiepGS1", "Must be a list of GS1 company prefixes (4-12 digits).")
    if body.get("maSoThue") not in (None, tax_code):
        errors.add("maSoThue", "Differs from the tax code in the path.")
    errors.raise_if_any()


def validate_location(gln: str, body: dict) -> None:
    errors = FieldErrors()
    for field in ("ten", "loai"):
        _text(errors, body, field)
    _text(errors, body, "diaChi", required=False)
    _tax_code_field(errors, body)
    coordinates = body.get("toaDo")
    if coordinates is not None:
        latitude = coordinates.get("viDo") if isinstance(coordinates, dict) else None
        longitude = coordinates.get("kinhDo") if isinstance(coordinates, dict) else None
        if not (_number_within(latitude, 90) and _number_within(longitude, 180)):
            errors.add("toaDo", "Must be {\"viDo\": -90..90, \"kinhDo\": -180..180}.")
    if body.get("gln") not in (None, gln):
        errors.add("gln", "Differs from the GLN in the path.")
    errors.raise_if_any()


def _number_within(value: object, bound: float) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and -bound <= value <= bound)


def _positive_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def validate_product(gtin: str, body: dict) -> None:
    errors = FieldErrors()
    _text(errors, body, "ten")
    images = body.get("hinhAnh")
    if not isinstance(images, list) or not images:
        errors.add("hinhAnh", "At least one image URL is required.")
    elif not all(_is_web_url(image) for image in images):
        errors.add("hinhAnh", "Every image must be an http(s) URL.")
    net_content = body.get("khoiLuongTinh")
    if net_content is None or net_content == "":
        errors.add("khoiLuongTinh", "The net content is required.")
    elif not (
        (isinstance(net_content, str) and net_content.strip())
        or _positive_number(net_content)
        or (isinstance(net_content, dict) and _positive_number(net_content.get("giaTri"))
            and isinstance(net_content.get("donVi"), str) and net_content["donVi"].strip())
    ):
        errors.add("khoiLuongTinh", "Must be a text, a positive number, or {giaTri, donVi}.")
    _text(errors, body, "donViTinh")
    for field in ("nhanHieu", "xuatXu"):
        _text(errors, body, field, required=False)
    standards = body.get("tieuChuanApDung")
    if standards is not None and not (
        isinstance(standards, str)
        or (isinstance(standards, list) and all(isinstance(s, str) for s in standards))
    ):
        errors.add("tieuChuanApDung", "Must be a text or a list of texts.")
    _tax_code_field(errors, body)
    if body.get("gtin") is not None and normalize_gtin(body.get("gtin")) != gtin:
        errors.add("gtin", "Differs from the GTIN in the path.")
    errors.raise_if_any()


def validate_lot(body: dict) -> None:
    errors = FieldErrors()
    produced = _date(errors, body, "nsx")
    expires = _date(errors, body, "hsd", required=False)
    _date_order(errors, "hsd", produced, expires)
    quantity = body.get("soLuong")
    if quantity is not None and not (
        isinstance(quantity, int | float) and not isinstance(quantity, bool) and quantity >= 0
    ):
        errors.add("soLuong", "Must be a number, zero or more.")
    _text(errors, body, "donViTinh", required=quantity is not None)
    _gln_field(errors, body, "glnSanXuat", required=False)
    _text(errors, body, "trangThai", required=False)
    errors.raise_if_any()


def validate_certificate(body: dict) -> dict[str, str | None]:
    """Check a certificate; answers its scope as ``maSoThue``/``gln``/``gtin`` (GTIN-14)."""
    errors = FieldErrors()
    for field in ("loai", "noiCap"):
        _text(errors, body, field)
    issued = _date(errors, body, "ngayCap")
    expires = _date(errors, body, "ngayHetHan", required=False)
    _date_order(errors, "ngayHetHan", issued, expires)
    scope = body.get("phamVi")
    found: dict[str, str | None] = {"maSoThue": None, "gln": None, "gtin": None}
    if not isinstance(scope, dict) or not any(scope.get(key) for key in found):
        errors.add("phamVi", "Name what the certificate covers: maSoThue, gln and/or gtin.")
    else:
        if scope.get("maSoThue") is not None:
            if valid_tax_code(scope["maSoThue"]):
                found["maSoThue"] = scope["maSoThue"]
            else:
                errors.add("phamVi.maSoThue", "Not a valid tax code.")
        if scope.get("gln") is not None:
            if valid_gln(scope["gln"]):
                found["gln"] = scope["gln"]
            else:
                errors.add("phamVi.gln", "Not a valid GLN.")
        if scope.get("gtin") is not None:
            found["gtin"] = normalize_gtin(scope["gtin"])
            if found["gtin"] is None:
                errors.add("phamVi.gtin", "Not a valid GTIN.")
    errors.raise_if_any()
    return found


def validate_recall(body: dict) -> tuple[str, str]:
    """Check a recall; answers the recalled lot as (GTIN-14, lot)."""
    errors = FieldErrors()
    gtin = normalize_gtin(body.get("gtin"))
    if gtin is None:
        errors.add("gtin", "A valid GTIN is required.")
    if not valid_lot(body.get("soLo")):
        errors.add("soLo", "A valid lot number is required.")
    for field in ("lyDo", "mucDo"):
        _text(errors, body, field)
    when = body.get("ngay")
    if when is None:
        errors.add("ngay", "This field is required.")
    elif not isinstance(when, str) or (
        not (ISO_DATE.fullmatch(when) and _is_date(when)) and parse_instant(when) is None
    ):
        errors.add("ngay", "Must be a date (YYYY-MM-DD) or an ISO 8601 date-time.")
    errors.raise_if_any()
    return gtin, body["soLo"]


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- EPCIS -----------------------------------------------------------------------------------

def validate_epcis_document(document: object) -> list[dict]:
    """Check the shape of an EPCISDocument and answer its events."""
    document = require_object(document)
    errors = FieldErrors()
    if document.get("type") != "EPCISDocument":
        errors.add("type", "Must be \"EPCISDocument\".")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        errors.add("epcisBody.eventList", "An EPCISDocument carries epcisBody.eventList.")
        errors.raise_if_any("Not an EPCIS 2.0 document")
    for index, event in enumerate(events):
        where = f"epcisBody.eventList[{index}]"
        if not isinstance(event, dict):
            errors.add(where, "Each event must be an object.")
            continue
        if event.get("type") not in EVENT_TYPES:
            errors.add(f"{where}.type", "Unknown EPCIS event type.")
        if not isinstance(event.get("eventID"), str) or not event["eventID"].strip():
            errors.add(f"{where}.eventID", "Every event needs an eventID.")
        if not isinstance(event.get("eventTime"), str) or parse_instant(event["eventTime"]) is None:
            errors.add(f"{where}.eventTime", "Must be an ISO 8601 date-time.")
        offset = event.get("eventTimeZoneOffset")
        if not isinstance(offset, str) or not TIME_ZONE_OFFSET.fullmatch(offset):
            errors.add(f"{where}.eventTimeZoneOffset", "Must be written +hh:mm or -hh:mm.")
        if event.get("type") in EVENTS_WITH_ACTION and event.get("action") not in (
            "ADD", "OBSERVE", "DELETE"
        ):
            errors.add(f"{where}.action", "Must be ADD, OBSERVE or DELETE.")
    errors.raise_if_any("Not a valid EPCIS 2.0 document")
    return events


def lot_of_identifier(identifier: object) -> tuple[str, str] | None:
    """The (GTIN-14, lot) an EPC names as a Digital Link or an LGTIN URN, or None."""
    if not isinstance(identifier, str):
        return None
    if identifier.startswith(LGTIN_PREFIX):
        parts = identifier[len(LGTIN_PREFIX):].split(".", 2)
        if len(parts) != 3 or not parts[1]:
            return None
        company_prefix, item_reference, lot = parts
        body = item_reference[0] + company_prefix + item_reference[1:]
        if len(body) != 13 or not body.isdigit():
            return None
        return body + str(gs1_check_digit(body)), unquote(lot)
    if identifier.startswith(("http://", "https://")):
        segments = urlsplit(identifier).path.split("/")
        for index in range(len(segments) - 1):
            if segments[index] == "01" and normalize_gtin(segments[index + 1]):
                gtin = normalize_gtin(segments[index + 1])
                qualifiers = segments[index + 2:]
                for position in range(0, len(qualifiers) - 1, 2):
                    if qualifiers[position] == "10":
                        return gtin, unquote(qualifiers[position + 1])
                return None
    return None


def lots_named(event: dict) -> set[tuple[str, str]]:
    """Every lot an event names in its EPC lists and quantity lists."""
    identifiers: list[object] = []
    for field in EPC_LIST_FIELDS:
        if isinstance(event.get(field), list):
            identifiers.extend(event[field])
    for field in QUANTITY_LIST_FIELDS:
        if isinstance(event.get(field), list):
            identifiers.extend(q.get("epcClass") for q in event[field] if isinstance(q, dict))
    return {lot for lot in map(lot_of_identifier, identifiers) if lot is not None}
