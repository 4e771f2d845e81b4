"""Content checks ("linters") for the components of AI values.

Each linter takes the component text and returns ``None`` when it is fine, or a tuple
``(code, position, length)`` locating the offending characters. The codes and the reported
spans follow the GS1 Barcode Syntax Tests, so the results can be compared with the reference
implementation.
"""

from __future__ import annotations

from collections.abc import Callable

from ._codelists import (
    ISO3166_ALPHA2,
    ISO3166_NUMERIC,
    ISO4217_NUMERIC,
    MEDIA_TYPES,
    PACKAGE_TYPES,
)

__all__ = [
    "CSET39",
    "CSET64",
    "CSET82",
    "LINTERS",
    "LintResult",
    "gs1_check_digit",
    "is_cset82",
    "lint",
    "set_gcp_lookup",
]

LintResult = tuple[str, int, int] | None

_CSET82_ORDER = (  # GS1 AI encodable character set 82, in check-character weight order
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET82 = frozenset(_CSET82_ORDER)
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CSET64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_CSET82_VALUE = {c: i for i, c in enumerate(_CSET82_ORDER)}
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PRIMES = (
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
    97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
    191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
    283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
    401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
    509,
)
_HEX = frozenset("0123456789abcdefABCDEF")
_IMPORTER_IDX = frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# mod-10 weight tables: value of digit d at an odd position from the right (weight 3) etc.
_W3 = tuple(3 * d for d in range(10))


def _isdigits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _first_not_in(text: str, allowed: frozenset[str]) -> int:
    for i, ch in enumerate(text):
        if ch not in allowed:
            return i
    return -1


def is_cset82(text: str) -> bool:
    """True when every character is in GS1 AI encodable character set 82 (lots, serials)."""
    return all(ch in CSET82 for ch in text)


def gs1_check_digit(payload: str) -> int:
    """GS1 mod-10 check digit of ``payload`` (ASCII digits, without the check digit)."""
    total = 0
    odd = True
    for ch in reversed(payload):
        d = ord(ch) - 48
        total += 3 * d if odd else d
        odd = not odd
    return (10 - total % 10) % 10


# --- character sets -------------------------------------------------------------------------


def lint_csetnumeric(v: str) -> LintResult:
    if _isdigits(v) or not v:
        return None
    return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1


def lint_cset82(v: str) -> LintResult:
    i = _first_not_in(v, CSET82)
    return None if i < 0 else ("INVALID_CSET82_CHARACTER", i, 1)


def lint_cset39(v: str) -> LintResult:
    i = _first_not_in(v, CSET39)
    return None if i < 0 else ("INVALID_CSET39_CHARACTER", i, 1)


def lint_cset64(v: str) -> LintResult:
    data = v.rstrip("=")
    d = len(data)
    i = _first_not_in(data, CSET64)
    if i >= 0:
        return "INVALID_CSET64_CHARACTER", i, 1
    pad = len(v) - d
    if pad and (d == 0 or pad > 2 or (d + pad) % 3):
        return "INVALID_CSET64_PADDING", d, pad
    return None


# --- check characters ------------------------------------------------------------------------


def lint_csum(v: str) -> LintResult:
    n = len(v)
    if not n:
        return "TOO_SHORT_FOR_CHECK_DIGIT", 0, 0
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if gs1_check_digit(v[:-1]) != ord(v[-1]) - 48:
        return "INCORRECT_CHECK_DIGIT", n - 1, 1
    return None


def csumalpha_pair(data: str) -> str:
    """The two check characters for ``data`` (GS1 alphanumeric check character pair)."""
    n = len(data)
    total = 0
    for i, ch in enumerate(data):
        total += _CSET82_VALUE[ch] * _PRIMES[n - 1 - i]
    total %= 1021
    return _CSET32[total >> 5] + _CSET32[total & 31]


def lint_csumalpha(v: str) -> LintResult:
    n = len(v)
    if n < 2:
        return "TOO_SHORT_FOR_CHECK_PAIR", 0, n
    if n - 2 > len(_PRIMES):
        return "TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION", 0, n
    i = _first_not_in(v[:-2], CSET82)
    if i >= 0:
        return "INVALID_CSET82_CHARACTER", i, 1
    if csumalpha_pair(v[:-2]) != v[-2:]:
        return "INCORRECT_CHECK_PAIR", n - 2, 2
    return None


# --- GS1 Company Prefix ----------------------------------------------------------------------

GcpLookup = Callable[[str], str]
_gcp_lookup: list[GcpLookup | None] = [None]


def set_gcp_lookup(lookup: GcpLookup | None) -> GcpLookup | None:
    """Install a GS1 Company Prefix lookup; returns the previous one.

    ``lookup(data)`` receives data that should start with a GCP and returns ``"valid"``,
    ``"invalid"`` or ``"offline"``. Without a lookup only the shape is checked.
    """
    previous = _gcp_lookup[0]
    _gcp_lookup[0] = lookup
    return previous


def lint_gcppos1(v: str) -> LintResult:
    n = len(v)
    if n < 4:
        return "TOO_SHORT_FOR_GCP", 0, n
    for i in range(4):
        if v[i] not in _DIGITS:
            return "INVALID_GCP_PREFIX", i, 1
    lookup = _gcp_lookup[0]
    if lookup is not None:
        verdict = lookup(v)
        if verdict == "offline":
            return "GCP_DATASOURCE_OFFLINE", 0, n
        if verdict != "valid":
            return "INVALID_GCP_PREFIX", 0, n
    return None


def lint_gcppos2(v: str) -> LintResult:
    res = lint_gcppos1(v[1:])
    if res is None:
        return None
    return res[0], res[1] + 1, res[2]


# --- dates and times -------------------------------------------------------------------------


def _date(v: str, year_digits: int, zero_day: bool) -> LintResult:
    n = len(v)
    want = year_digits + 4
    if n < want:
        return "DATE_TOO_SHORT", 0, n
    if n > want:
        return "DATE_TOO_LONG", 0, n
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    month = int(v[year_digits : year_digits + 2])
    if not 1 <= month <= 12:
        return "ILLEGAL_MONTH", year_digits, 2
    day = int(v[year_digits + 2 :])
    if day == 0 and zero_day:
        return None
    year = int(v[:year_digits])
    if year_digits == 2:
        leap = year % 4 == 0
    else:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = 29 if month == 2 and leap else (28 if month == 2 else _DAYS[month])
    if not 1 <= day <= last:
        return "ILLEGAL_DAY", year_digits + 2, 2
    return None


def lint_yymmdd(v: str) -> LintResult:
    return _date(v, 2, False)


def lint_yymmd0(v: str) -> LintResult:
    return _date(v, 2, True)


def lint_yyyymmdd(v: str) -> LintResult:
    return _date(v, 4, False)


def lint_yyyymmd0(v: str) -> LintResult:
    return _date(v, 4, True)


def _two_digit(v: str, name: str, limit: int, illegal: str) -> LintResult:
    n = len(v)
    if n < 2:
        return f"{name}_TOO_SHORT", 0, n
    if n > 2:
        return f"{name}_TOO_LONG", 0, n
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if int(v) > limit:
        return illegal, 0, 2
    return None


def lint_hh(v: str) -> LintResult:
    return _two_digit(v, "HOUR", 23, "ILLEGAL_HOUR")


def lint_mi(v: str) -> LintResult:
    return _two_digit(v, "MINUTE", 59, "ILLEGAL_MINUTE")


def lint_ss(v: str) -> LintResult:
    return _two_digit(v, "SECOND", 59, "ILLEGAL_SECOND")


def lint_hhmi(v: str) -> LintResult:
    n = len(v)
    if n < 4:
        return "HOUR_WITH_MINUTE_TOO_SHORT", 0, n
    if n > 4:
        return "HOUR_WITH_MINUTE_TOO_LONG", 0, n
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if int(v[:2]) > 23:
        return "ILLEGAL_HOUR", 0, 2
    if int(v[2:]) > 59:
        return "ILLEGAL_MINUTE", 2, 2
    return None


# --- code lists --------------------------------------------------------------------------------


def _in_list(allowed: frozenset[str], code: str) -> Callable[[str], LintResult]:
    def linter(v: str) -> LintResult:
        return None if v in allowed else (code, 0, len(v))

    return linter


lint_iso3166 = _in_list(ISO3166_NUMERIC, "NOT_ISO3166")
lint_iso3166999 = _in_list(ISO3166_NUMERIC | {"999"}, "NOT_ISO3166_OR_999")
lint_iso3166alpha2 = _in_list(ISO3166_ALPHA2, "NOT_ISO3166_ALPHA2")
lint_iso4217 = _in_list(ISO4217_NUMERIC, "NOT_ISO4217")
lint_iso5218 = _in_list(frozenset({"0", "1", "2", "9"}), "INVALID_BIOLOGICAL_SEX_CODE")
lint_mediatype = _in_list(MEDIA_TYPES, "INVALID_MEDIA_TYPE")
lint_packagetype = _in_list(PACKAGE_TYPES, "INVALID_PACKAGE_TYPE")
lint_winding = _in_list(frozenset({"0", "1", "9"}), "INVALID_WINDING_DIRECTION")
lint_yesno = _in_list(frozenset({"0", "1"}), "NOT_ZERO_OR_ONE")


def lint_zero(v: str) -> LintResult:
    if v and v.count("0") == len(v):
        return None
    return "NOT_ZERO", 0, len(v)


def lint_hyphen(v: str) -> LintResult:
    if v and v.count("-") == len(v):
        return None
    return "NOT_HYPHEN", 0, len(v)


def lint_importeridx(v: str) -> LintResult:
    if len(v) != 1:
        return "IMPORTER_IDX_MUST_BE_ONE_CHARACTER", 0, len(v)
    if v not in _IMPORTER_IDX:
        return "INVALID_IMPORT_IDX_CHARACTER", 0, 1
    return None


# --- numbers -------------------------------------------------------------------------------


def lint_nonzero(v: str) -> LintResult:
    if v and not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if v.count("0") == len(v):
        return "ILLEGAL_ZERO_VALUE", 0, len(v)
    return None


def lint_nozeroprefix(v: str) -> LintResult:
    if v and not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if v[:1] == "0":
        return "ILLEGAL_ZERO_PREFIX", 0, 1
    return None


def lint_hasnondigit(v: str) -> LintResult:
    if _isdigits(v) or not v:
        return "REQUIRES_NON_DIGIT_CHARACTER", 0, len(v)
    return None


def lint_pieceoftotal(v: str) -> LintResult:
    n = len(v)
    if n == 0 or n % 2:
        return "INVALID_LENGTH_FOR_PIECE_OF_TOTAL", 0, n
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    half = n // 2
    piece, total = int(v[:half]), int(v[half:])
    if piece == 0:
        return "ZERO_PIECE_NUMBER", 0, half
    if total == 0:
        return "ZERO_TOTAL_PIECES", half, half
    if piece > total:
        return "PIECE_NUMBER_EXCEEDS_TOTAL", 0, n
    return None


def lint_posinseqslash(v: str) -> LintResult:
    n = len(v)
    pos, sep, end = v.partition("/")
    if not sep or not _isdigits(pos) or not _isdigits(end):
        return "POSITION_IN_SEQUENCE_MALFORMED", 0, n
    if pos[0] == "0":
        return "ILLEGAL_ZERO_PREFIX", 0, len(pos)
    if end[0] == "0":
        return "ILLEGAL_ZERO_PREFIX", len(pos) + 1, len(end)
    if int(pos) > int(end):
        return "POSITION_EXCEEDS_END", 0, n
    return None


def _coordinate(v: str, name: str, limit: int) -> LintResult:
    n = len(v)
    if n != 10:
        return f"{name}_INVALID_LENGTH", 0, n
    if not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    if int(v) > limit:
        return f"INVALID_{name}", 0, 10
    return None


def lint_latitude(v: str) -> LintResult:
    return _coordinate(v, "LATITUDE", 1800000000)


def lint_longitude(v: str) -> LintResult:
    return _coordinate(v, "LONGITUDE", 3600000000)


def lint_pcenc(v: str) -> LintResult:
    n = len(v)
    i = v.find("%")
    while i >= 0:
        if i + 2 >= n or v[i + 1] not in _HEX or v[i + 2] not in _HEX:
            return "INVALID_PERCENT_SEQUENCE", i, min(3, n - i)
        i = v.find("%", i + 3)
    return None


_IBAN_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def lint_iban(v: str) -> LintResult:
    n = len(v)
    if n < 4:
        return "IBAN_TOO_SHORT", 0, n
    if v[:2] not in ISO3166_ALPHA2:
        return "ILLEGAL_IBAN_COUNTRY_CODE", 0, 2
    if n > 34:
        return "IBAN_TOO_LONG", 0, n
    if n <= 10:
        return "IBAN_TOO_SHORT", 0, n
    total = 0
    for k in range(4, n + 4):
        pos = k if k < n else k - n
        val = _IBAN_VALUE.get(v[pos])
        if val is None:
            return "INVALID_IBAN_CHARACTER", pos, 1
        total = (total * (10 if val < 10 else 100) + val) % 97
    if total != 1:
        return "INCORRECT_IBAN_CHECKSUM", 2, 2
    return None


# --- coupons (North American Coupon Code) ------------------------------------------------------


class _Stop(Exception):
    def __init__(self, result: tuple[str, int, int]):
        self.result = result


def _truncated(code: str, p: int, q: int) -> _Stop:
    # Reference convention: at end of data the whole value is marked, otherwise the rest.
    return _Stop((code, 0, q) if p == q else (code, p, q - p))


def _vli_field(v: str, p: int, q: int, missing: str, invalid: str, truncated: str,
               valid: str, offset: int) -> tuple[int, int]:
    """Read a one-digit length indicator at ``p``; return (position after it, field length)."""
    if p == q:
        raise _Stop((missing, 0, q))
    if v[p] not in valid:
        raise _Stop((invalid, p, 1))
    length = int(v[p]) + offset
    p += 1
    if q - p < length:
        raise _truncated(truncated, p, q)
    return p, length


def _gcp(v: str, p: int, length: int) -> None:
    res = lint_gcppos1(v[p : p + length])
    if res is not None:
        raise _Stop((res[0], p, length))


def _purchase(v: str, p: int, q: int, which: str, gcp: bool) -> int:
    p, length = _vli_field(
        v, p, q, f"COUPON_MISSING_{which}_PURCHASE_REQUIREMENT_VLI",
        f"COUPON_INVALID_{which}_PURCHASE_REQUIREMENT_LENGTH",
        f"COUPON_TRUNCATED_{which}_PURCHASE_REQUIREMENT", "12345", 0,
    )
    p += length
    if p == q:
        raise _Stop((f"COUPON_MISSING_{which}_PURCHASE_REQUIREMENT_CODE", 0, q))
    if v[p] not in "012349":
        raise _Stop((f"COUPON_INVALID_{which}_PURCHASE_REQUIREMENT_CODE", p, 1))
    p += 1
    if q - p < 3:
        raise _truncated(f"COUPON_TRUNCATED_{which}_PURCHASE_FAMILY_CODE", p, q)
    p += 3
    if gcp:
        if p == q:
            raise _Stop((f"COUPON_MISSING_{which}_PURCHASE_GCP_VLI", 0, q))
        if v[p] not in "01234569":
            raise _Stop((f"COUPON_INVALID_{which}_PURCHASE_GCP_LENGTH", p, 1))
        length = 0 if v[p] == "9" else int(v[p]) + 6
        p += 1
        if q - p < length:
            raise _truncated(f"COUPON_TRUNCATED_{which}_PURCHASE_GCP", p, q)
        if length:
            _gcp(v, p, length)
            p += length
    return p


def _coupon_date(v: str, p: int, q: int, short: str, invalid: str) -> int:
    p += 1
    if q - p < 6:
        raise _truncated(short, p, q)
    if lint_yymmdd(v[p : p + 6]) is not None:
        raise _Stop((invalid, p, 6))
    return p


def _lint_couponcode(v: str) -> None:
    q = len(v)
    if q == 0:
        raise _Stop(("COUPON_MISSING_GCP_VLI", 0, 0))
    p, length = _vli_field(
        v, 0, q, "COUPON_MISSING_GCP_VLI", "COUPON_INVALID_GCP_LENGTH",
        "COUPON_TRUNCATED_GCP", "0123456", 6,
    )
    _gcp(v, p, length)
    p += length
    if q - p < 6:
        raise _truncated("COUPON_TRUNCATED_OFFER_CODE", p, q)
    p += 6
    p, length = _vli_field(
        v, p, q, "COUPON_MISSING_SAVE_VALUE_VLI", "COUPON_INVALID_SAVE_VALUE_LENGTH",
        "COUPON_TRUNCATED_SAVE_VALUE", "12345", 0,
    )
    p += length
    p = _purchase(v, p, q, "1ST", gcp=False)
    if p < q and v[p] == "1":
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_ADDITIONAL_PURCHASE_RULES_CODE", 0, q))
        if v[p] > "3":
            raise _Stop(("COUPON_INVALID_ADDITIONAL_PURCHASE_RULES_CODE", p, 1))
        p = _purchase(v, p + 1, q, "2ND", gcp=True)
    if p < q and v[p] == "2":
        p = _purchase(v, p + 1, q, "3RD", gcp=True)
    expiry = None
    if p < q and v[p] == "3":
        p = _coupon_date(v, p, q, "COUPON_TOO_SHORT_FOR_EXPIRATION_DATE",
                         "COUPON_INVALID_EXIPIRATION_DATE")
        expiry = v[p : p + 6]
        p += 6
    if p < q and v[p] == "4":
        p = _coupon_date(v, p, q, "COUPON_TOO_SHORT_FOR_START_DATE", "COUPON_INVALID_START_DATE")
        if expiry is not None and v[p : p + 6] > expiry:
            raise _Stop(("COUPON_EXPIRATION_BEFORE_START", p - 8, 14))
        p += 6
    if p < q and v[p] == "5":
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_SERIAL_NUMBER_VLI", 0, q))
        length = int(v[p]) + 6
        p += 1
        if q - p < length:
            raise _truncated("COUPON_TRUNCATED_SERIAL_NUMBER", p, q)
        p += length
    if p < q and v[p] == "6":
        p, length = _vli_field(
            v, p + 1, q, "COUPON_MISSING_RETAILER_GCP_OR_GLN_VLI",
            "COUPON_INVALID_RETAILER_GCP_OR_GLN_LENGTH", "COUPON_TRUNCATED_RETAILER_GCP_OR_GLN",
            "1234567", 6,
        )
        _gcp(v, p, length)
        p += length
    if p < q and v[p] == "9":
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_SAVE_VALUE_CODE", 0, q))
        if v[p] not in "01256":
            raise _Stop(("COUPON_INVALID_SAVE_VALUE_CODE", p, 1))
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_SAVE_VALUE_APPLIES_TO_ITEM", 0, q))
        if v[p] > "2":
            raise _Stop(("COUPON_INVALID_SAVE_VALUE_APPLIES_TO_ITEM", p, 1))
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_STORE_COUPON_FLAG", 0, q))
        p += 1
        if p == q:
            raise _Stop(("COUPON_MISSING_DONT_MULTIPLY_FLAG", 0, q))
        if v[p] not in "01":
            raise _Stop(("COUPON_INVALID_DONT_MULTIPLY_FLAG", p, 1))
        p += 1
    if p != q:
        raise _Stop(("COUPON_EXCESS_DATA", p, q - p))


def lint_couponcode(v: str) -> LintResult:
    if v and not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    try:
        _lint_couponcode(v)
    except _Stop as stop:
        return stop.result
    return None


def _lint_couponposoffer(v: str) -> None:
    q = len(v)
    if q == 0:
        raise _Stop(("COUPON_MISSING_FORMAT_CODE", 0, 0))
    if v[0] not in "01":
        raise _Stop(("COUPON_INVALID_FORMAT_CODE", 0, 1))
    p, length = _vli_field(
        v, 1, q, "COUPON_MISSING_FUNDER_VLI", "COUPON_INVALID_FUNDER_LENGTH",
        "COUPON_TRUNCATED_FUNDER", "0123456", 6,
    )
    _gcp(v, p, length)
    p += length
    if q - p < 6:
        raise _truncated("COUPON_TRUNCATED_OFFER_CODE", p, q)
    p += 6
    if p == q:
        raise _Stop(("COUPON_MISSING_SERIAL_NUMBER_VLI", 0, q))
    length = int(v[p]) + 6
    p += 1
    if q - p < length:
        raise _truncated("COUPON_TRUNCATED_SERIAL_NUMBER", p, q)
    p += length
    if p != q:
        raise _Stop(("COUPON_EXCESS_DATA", p, q - p))


def lint_couponposoffer(v: str) -> LintResult:
    if v and not _isdigits(v):
        return "NON_DIGIT_CHARACTER", _first_not_in(v, _DIGITS), 1
    try:
        _lint_couponposoffer(v)
    except _Stop as stop:
        return stop.result
    return None


LINTERS: dict[str, Callable[[str], LintResult]] = {
    "couponcode": lint_couponcode,
    "couponposoffer": lint_couponposoffer,
    "cset39": lint_cset39,
    "cset64": lint_cset64,
    "cset82": lint_cset82,
    "csetnumeric": lint_csetnumeric,
    "csum": lint_csum,
    "csumalpha": lint_csumalpha,
    "gcppos1": lint_gcppos1,
    "gcppos2": lint_gcppos2,
    "hasnondigit": lint_hasnondigit,
    "hh": lint_hh,
    "hhmi": lint_hhmi,
    "hyphen": lint_hyphen,
    "iban": lint_iban,
    "importeridx": lint_importeridx,
    "iso3166": lint_iso3166,
    "iso3166999": lint_iso3166999,
    "iso3166alpha2": lint_iso3166alpha2,
    "iso4217": lint_iso4217,
    "iso5218": lint_iso5218,
    "latitude": lint_latitude,
    "longitude": lint_longitude,
    "mediatype": lint_mediatype,
    "mi": lint_mi,
    "nonzero": lint_nonzero,
    "nozeroprefix": lint_nozeroprefix,
    "packagetype": lint_packagetype,
    "pcenc": lint_pcenc,
    "pieceoftotal": lint_pieceoftotal,
    "posinseqslash": lint_posinseqslash,
    "ss": lint_ss,
    "winding": lint_winding,
    "yesno": lint_yesno,
    "yymmd0": lint_yymmd0,
    "yymmdd": lint_yymmdd,
    "yyyymmd0": lint_yyyymmd0,
    "yyyymmdd": lint_yyyymmdd,
    "zero": lint_zero,
}


def lint(name: str, value: str) -> LintResult:
    """Run the named linter on ``value``."""
    return LINTERS[name](value)
