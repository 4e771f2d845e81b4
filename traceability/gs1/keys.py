"""GS1 identification keys: check digits, GTIN normalisation and GS1 prefix analysis."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import GS1Error
from .linters import csumalpha_pair, gs1_check_digit

__all__ = [
    "KEY_TYPES",
    "KeyType",
    "PrefixInfo",
    "check_digit",
    "check_character_pair",
    "gtin_company_prefix_info",
    "gtin_display",
    "gtin_format",
    "is_valid_check_character_pair",
    "is_valid_check_digit",
    "is_valid_gtin",
    "normalize_gtin",
    "prefix_info",
    "validate_key",
]


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_digit(digits: str) -> int:
    """GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    Weights 3, 1, 3, 1 ... apply from the rightmost digit. Raises :class:`GS1Error` unless
    ``digits`` is a non-empty string of ASCII digits.
    """
    if not isinstance(digits, str) or not digits or not _ascii_digits(digits):
        raise GS1Error.of("NON_DIGIT_CHARACTER", detail=repr(digits))
    return gs1_check_digit(digits)


def is_valid_check_digit(key: str) -> bool:
    """True when the last digit of ``key`` is its correct GS1 mod-10 check digit."""
    if not isinstance(key, str) or len(key) < 2 or not _ascii_digits(key):
        return False
    return gs1_check_digit(key[:-1]) == ord(key[-1]) - 48


def check_character_pair(data: str) -> str:
    """Alphanumeric check character pair (GMN, AI 8013 / 8014) for ``data``."""
    from .linters import CSET82

    if not data or any(ch not in CSET82 for ch in data) or len(data) > 97:
        raise GS1Error.of("INVALID_CSET82_CHARACTER", detail=repr(data))
    return csumalpha_pair(data)


def is_valid_check_character_pair(value: str) -> bool:
    """True when the last two characters of ``value`` are its correct check character pair."""
    from .linters import lint_csumalpha

    return lint_csumalpha(value) is None


# --- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyType:
    """A GS1 identification key with a mod-10 check digit in a fixed position."""

    name: str
    ai: str
    length: int  # length of the numeric part carrying the check digit
    check_position: int  # 1-based position of the check digit
    serial_max: int = 0  # optional serial component after the check digit (max length)


KEY_TYPES: dict[str, KeyType] = {
    "GTIN-8": KeyType("GTIN-8", "01", 8, 8),
    "GTIN-12": KeyType("GTIN-12", "01", 12, 12),
    "GTIN-13": KeyType("GTIN-13", "01", 13, 13),
    "GTIN-14": KeyType("GTIN-14", "01", 14, 14),
    "GTIN": KeyType("GTIN", "01", 14, 14),
    "SSCC": KeyType("SSCC", "00", 18, 18),
    "GLN": KeyType("GLN", "414", 13, 13),
    "GRAI": KeyType("GRAI", "8003", 14, 14, 16),
    "GDTI": KeyType("GDTI", "253", 13, 13, 17),
    "GCN": KeyType("GCN", "255", 13, 13, 12),
    "GSRN": KeyType("GSRN", "8018", 18, 18),
    "GSRN-P": KeyType("GSRN-P", "8017", 18, 18),
    "GSIN": KeyType("GSIN", "402", 17, 17),
    "ITIP": KeyType("ITIP", "8006", 18, 14),
}


def validate_key(key: str, kind: str) -> str:
    """Validate a numeric GS1 key of type ``kind`` (see :data:`KEY_TYPES`); return it.

    GIAI, GINC, CPID and GMN have no check digit (GMN has a check character pair, see
    :func:`is_valid_check_character_pair`).
    """
    spec = KEY_TYPES[kind]
    if not isinstance(key, str):
        raise GS1Error.of("NON_DIGIT_CHARACTER", spec.ai)
    head = key[: spec.length]
    if len(head) != spec.length or len(key) > spec.length + spec.serial_max:
        raise GS1Error.of("INVALID_KEY_LENGTH", spec.ai, 0, len(key), kind)
    if not _ascii_digits(head):
        pos = next(i for i, ch in enumerate(head) if not ("0" <= ch <= "9"))
        raise GS1Error.of("NON_DIGIT_CHARACTER", spec.ai, pos, 1)
    cp = spec.check_position
    if gs1_check_digit(head[: cp - 1]) != ord(head[cp - 1]) - 48:
        raise GS1Error.of("INCORRECT_CHECK_DIGIT", spec.ai, cp - 1, 1)
    return key


# --- GTIN ----------------------------------------------------------------------------------


def normalize_gtin(text: str) -> str:
    """GTIN-8/12/13/14 (surrounding whitespace allowed) -> 14-digit GTIN; raises GS1Error."""
    if not isinstance(text, str):
        raise GS1Error.of("NON_DIGIT_CHARACTER", "01")
    value = text.strip()
    if not _ascii_digits(value):
        pos = next((i for i, ch in enumerate(value) if not ("0" <= ch <= "9")), 0)
        raise GS1Error.of("NON_DIGIT_CHARACTER", "01", pos, 1)
    if len(value) not in (8, 12, 13, 14):
        raise GS1Error.of("INVALID_GTIN_LENGTH", "01", 0, len(value))
    if gs1_check_digit(value[:-1]) != ord(value[-1]) - 48:
        raise GS1Error.of("INCORRECT_CHECK_DIGIT", "01", len(value) - 1, 1)
    return value.zfill(14)


def is_valid_gtin(text: str) -> bool:
    try:
        normalize_gtin(text)
    except GS1Error:
        return False
    return True


def gtin_format(gtin: str) -> str:
    """``GTIN-8``, ``GTIN-12``, ``GTIN-13`` or ``GTIN-14`` for a (normalisable) GTIN."""
    g = normalize_gtin(gtin)
    if g.startswith("000000"):
        return "GTIN-8"
    if g.startswith("00"):
        return "GTIN-12"
    if g.startswith("0"):
        return "GTIN-13"
    return "GTIN-14"


def gtin_display(gtin14: str) -> str:
    """Shortest display form of a GTIN: 8, 12, 13 or 14 digits."""
    g = normalize_gtin(gtin14)
    return g[-int(gtin_format(g)[5:]) :]


# --- GS1 prefixes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrefixInfo:
    """What the GS1 prefix of a GTIN (or GLN, SSCC ...) says."""

    prefix: str  # the GS1 prefix that decided (2 or 3 digits of the GTIN-13 form)
    kind: str  # "company", "restricted", "coupon", "refund", "issn", "isbn", "ismn",
    #             "demo", "global_office", "gtin8", "unused"
    organisation: str  # GS1 Member Organisation / meaning, in English
    country: str | None = None  # ISO 3166 alpha-2 of the Member Organisation, when one
    valid_for_trade_item: bool = True
    variable_measure: bool = False
    note: str = ""

    @property
    def is_vietnam(self) -> bool:
        return self.country == "VN"

    @property
    def restricted_circulation(self) -> bool:
        return self.kind == "restricted"


# (first, last, organisation, ISO alpha-2) over 3-digit prefixes of the GTIN-13 form.
_MO_RANGES: tuple[tuple[int, int, str, str | None], ...] = (
    (1, 19, "GS1 US", "US"), (30, 39, "GS1 US", "US"), (60, 99, "GS1 US", "US"),
    (100, 139, "GS1 US", "US"), (300, 379, "GS1 France", "FR"), (380, 380, "GS1 Bulgaria", "BG"),
    (383, 383, "GS1 Slovenija", "SI"), (385, 385, "GS1 Croatia", "HR"),
    (387, 387, "GS1 BIH", "BA"), (389, 389, "GS1 Montenegro", "ME"),
    (390, 390, "GS1 Kosovo", "XK"), (400, 440, "GS1 Germany", "DE"),
    (450, 459, "GS1 Japan", "JP"), (460, 469, "GS1 Russia", "RU"),
    (470, 470, "GS1 Kyrgyzstan", "KG"), (471, 471, "GS1 Taiwan", "TW"),
    (474, 474, "GS1 Estonia", "EE"), (475, 475, "GS1 Latvia", "LV"),
    (476, 476, "GS1 Azerbaijan", "AZ"), (477, 477, "GS1 Lithuania", "LT"),
    (478, 478, "GS1 Uzbekistan", "UZ"), (479, 479, "GS1 Sri Lanka", "LK"),
    (480, 480, "GS1 Philippines", "PH"), (481, 481, "GS1 Belarus", "BY"),
    (482, 482, "GS1 Ukraine", "UA"), (483, 483, "GS1 Turkmenistan", "TM"),
    (484, 484, "GS1 Moldova", "MD"), (485, 485, "GS1 Armenia", "AM"),
    (486, 486, "GS1 Georgia", "GE"), (487, 487, "GS1 Kazakhstan", "KZ"),
    (488, 488, "GS1 Tajikistan", "TJ"), (489, 489, "GS1 Hong Kong, China", "HK"),
    (490, 499, "GS1 Japan", "JP"), (500, 509, "GS1 UK", "GB"), (520, 521, "GS1 Greece", "GR"),
    (528, 528, "GS1 Lebanon", "LB"), (529, 529, "GS1 Cyprus", "CY"),
    (530, 530, "GS1 Albania", "AL"), (531, 531, "GS1 North Macedonia", "MK"),
    (535, 535, "GS1 Malta", "MT"), (539, 539, "GS1 Ireland", "IE"),
    (540, 549, "GS1 Belgium & Luxembourg", "BE"), (560, 560, "GS1 Portugal", "PT"),
    (569, 569, "GS1 Iceland", "IS"), (570, 579, "GS1 Denmark", "DK"),
    (590, 590, "GS1 Poland", "PL"), (594, 594, "GS1 Romania", "RO"),
    (599, 599, "GS1 Hungary", "HU"), (600, 601, "GS1 South Africa", "ZA"),
    (603, 603, "GS1 Ghana", "GH"), (604, 604, "GS1 Senegal", "SN"),
    (605, 605, "GS1 Uganda", "UG"), (606, 606, "GS1 Angola", "AO"),
    (607, 607, "GS1 Oman", "OM"), (608, 608, "GS1 Bahrain", "BH"),
    (609, 609, "GS1 Mauritius", "MU"), (611, 611, "GS1 Morocco", "MA"),
    (612, 612, "GS1 Somalia", "SO"), (613, 613, "GS1 Algeria", "DZ"),
    (615, 615, "GS1 Nigeria", "NG"), (616, 616, "GS1 Kenya", "KE"),
    (617, 617, "GS1 Cameroon", "CM"), (618, 618, "GS1 Côte d'Ivoire", "CI"),
    (619, 619, "GS1 Tunisia", "TN"), (620, 620, "GS1 Tanzania", "TZ"),
    (621, 621, "GS1 Syria", "SY"), (622, 622, "GS1 Egypt", "EG"),
    (623, 623, "GS1 Brunei", "BN"), (624, 624, "GS1 Libya", "LY"),
    (625, 625, "GS1 Jordan", "JO"), (626, 626, "GS1 Iran", "IR"),
    (627, 627, "GS1 Kuwait", "KW"), (628, 628, "GS1 Saudi Arabia", "SA"),
    (629, 629, "GS1 Emirates", "AE"), (630, 630, "GS1 Qatar", "QA"),
    (631, 631, "GS1 Namibia", "NA"), (632, 632, "GS1 Rwanda", "RW"),
    (640, 649, "GS1 Finland", "FI"), (680, 681, "GS1 China", "CN"),
    (690, 699, "GS1 China", "CN"), (700, 709, "GS1 Norway", "NO"),
    (729, 729, "GS1 Israel", "IL"), (730, 739, "GS1 Sweden", "SE"),
    (740, 740, "GS1 Guatemala", "GT"), (741, 741, "GS1 El Salvador", "SV"),
    (742, 742, "GS1 Honduras", "HN"), (743, 743, "GS1 Nicaragua", "NI"),
    (744, 744, "GS1 Costa Rica", "CR"), (745, 745, "GS1 Panama", "PA"),
    (746, 746, "GS1 Republica Dominicana", "DO"), (750, 750, "GS1 Mexico", "MX"),
    (754, 755, "GS1 Canada", "CA"), (759, 759, "GS1 Venezuela", "VE"),
    (760, 769, "GS1 Switzerland", "CH"), (770, 771, "GS1 Colombia", "CO"),
    (773, 773, "GS1 Uruguay", "UY"), (775, 775, "GS1 Peru", "PE"),
    (777, 777, "GS1 Bolivia", "BO"), (778, 779, "GS1 Argentina", "AR"),
    (780, 780, "GS1 Chile", "CL"), (784, 784, "GS1 Paraguay", "PY"),
    (786, 786, "GS1 Ecuador", "EC"), (789, 790, "GS1 Brasil", "BR"),
    (800, 839, "GS1 Italy", "IT"), (840, 849, "GS1 Spain", "ES"),
    (850, 850, "GS1 Cuba", "CU"), (858, 858, "GS1 Slovakia", "SK"),
    (859, 859, "GS1 Czech", "CZ"), (860, 860, "GS1 Serbia", "RS"),
    (865, 865, "GS1 Mongolia", "MN"), (867, 867, "GS1 North Korea", "KP"),
    (868, 869, "GS1 Türkiye", "TR"), (870, 879, "GS1 Netherlands", "NL"),
    (880, 881, "GS1 Korea", "KR"), (883, 883, "GS1 Myanmar", "MM"),
    (884, 884, "GS1 Cambodia", "KH"), (885, 885, "GS1 Thailand", "TH"),
    (888, 888, "GS1 Singapore", "SG"), (890, 890, "GS1 India", "IN"),
    (893, 893, "GS1 Vietnam", "VN"), (894, 894, "GS1 Bangladesh", "BD"),
    (896, 896, "GS1 Pakistan", "PK"), (899, 899, "GS1 Indonesia", "ID"),
    (900, 919, "GS1 Austria", "AT"), (930, 939, "GS1 Australia", "AU"),
    (940, 949, "GS1 New Zealand", "NZ"), (955, 955, "GS1 Malaysia", "MY"),
    (958, 958, "GS1 Macau, China", "MO"),
)
_MO_BY_PREFIX: dict[int, tuple[str, str | None]] = {}
for _lo, _hi, _org, _cc in _MO_RANGES:
    for _p in range(_lo, _hi + 1):
        _MO_BY_PREFIX[_p] = (_org, _cc)


def prefix_info(gtin13: str) -> PrefixInfo:
    """Analyse the GS1 prefix of a 13-digit key body (GTIN-13 form, GLN, SSCC body ...)."""
    p3 = gtin13[:3]
    n3 = int(p3)
    n2 = n3 // 10
    if n2 in (2, 4) or 200 <= n3 <= 299:
        prefix = p3[:2] if n2 in (2, 4) else p3
        return PrefixInfo(
            prefix, "restricted", "Restricted circulation number (RCN)", None, False,
            variable_measure=n2 == 2 or 200 <= n3 <= 299,
            note="Internal or regional use only, not a globally unique GTIN",
        )
    if n2 == 5:
        return PrefixInfo(p3[:2], "coupon", "GS1 US coupons", "US", False)
    if n3 == 0 and gtin13.startswith("00000"):
        if gtin13.startswith("00000000"):
            return PrefixInfo(p3, "unused", "Unused (leading zeros)", None, False)
        return _gtin8_info(gtin13[5:])
    if n3 == 0:
        return PrefixInfo(p3, "company", "GS1 US", "US")
    if n3 in (977,):
        return PrefixInfo(p3, "issn", "Serial publications (ISSN)", None, True)
    if n3 == 978 or (n3 == 979 and gtin13[3] != "0"):
        return PrefixInfo(p3, "isbn", "Bookland (ISBN)", None, True)
    if n3 == 979:
        return PrefixInfo(p3, "ismn", "Printed music (ISMN)", None, True)
    if n3 == 980:
        return PrefixInfo(p3, "refund", "Refund receipts", None, False)
    if 981 <= n3 <= 984:
        return PrefixInfo(p3, "coupon", "Coupons in common currency areas", None, False)
    if 990 <= n3 <= 999:
        return PrefixInfo(p3, "coupon", "Coupons", None, False)
    if n3 == 952:
        return PrefixInfo(
            p3, "demo", "GS1 Global Office: demonstrations and examples", None, False,
            note="For documentation and demonstrations only, never on real products",
        )
    if n3 in (950, 951):
        return PrefixInfo(p3, "global_office", "GS1 Global Office", None, n3 == 950)
    if 960 <= n3 <= 969:
        return PrefixInfo(p3, "global_office", "GS1 Global Office (GTIN-8 allocations)", None)
    mo = _MO_BY_PREFIX.get(n3)
    if mo is None:
        return PrefixInfo(p3, "unused", "Not allocated by GS1", None, False)
    return PrefixInfo(p3, "company", mo[0], mo[1])


def _gtin8_info(gtin8: str) -> PrefixInfo:
    first = gtin8[0]
    if first in "02":
        return PrefixInfo(
            first, "restricted", "Restricted circulation number (RCN-8)", None, False,
            note="GTIN-8 starting with 0 or 2 is for internal use only",
        )
    p3 = gtin8[:3]
    n3 = int(p3)
    if 977 <= n3 <= 999:
        return PrefixInfo(p3, "unused", "Not used in GTIN-8", None, False)
    mo = _MO_BY_PREFIX.get(n3)
    if 960 <= n3 <= 969:
        return PrefixInfo(p3, "gtin8", "GS1 Global Office (GTIN-8 allocations)", None)
    if mo is None:
        return PrefixInfo(p3, "unused", "Not allocated by GS1", None, False)
    return PrefixInfo(p3, "gtin8", mo[0], mo[1])


def gtin_company_prefix_info(gtin: str) -> PrefixInfo:
    """GS1 prefix analysis of a GTIN (any length; check digit validated).

    Tells the Member Organisation (e.g. GS1 Vietnam for 893), restricted circulation
    numbers (02, 04, 20-29), coupons (05, 981-984, 99), refund receipts (980), ISSN (977),
    ISBN/ISMN (978-979), the demo prefix 952 and whether the number may identify a trade item.
    A GTIN-14 with indicator digit 9 is a variable measure trade item.
    """
    g = normalize_gtin(gtin)
    info = prefix_info(g[1:])
    if g[0] == "9":
        return PrefixInfo(
            info.prefix, info.kind, info.organisation, info.country,
            info.valid_for_trade_item, True, info.note or "Variable measure trade item",
        )
    return info
