"""Linear GS1 barcodes: EAN-13, EAN-8, UPC-A, ITF-14 (with bearer bars) and GS1-128.

The encoders are written here instead of using python-barcode (which the project still pins):

* EAN-13/EAN-8/UPC-A: python-barcode silently replaces a wrong check digit with the computed
  one (a typo becomes a valid barcode of another product), and its text layout is not the GS1
  one (leading digit in the left quiet zone, digit groups between the extended guard bars).
  The bar patterns themselves are checked against python-barcode's in the tests.
* ITF-14: python-barcode's ``ean14``/``gtin`` draws an EAN-13-style pattern that no scanner
  reads as a GTIN-14; its ``itf`` class has no bearer bars, a 2:5 narrow:wide ratio default
  and no check digit validation. Here: ITF with a 1:2.5 ratio, 10X quiet zones and a bearer
  frame.
* GS1-128: python-barcode needs FNC1 characters inserted by hand and validates nothing; here
  the input is the raw element string (GS = FNC1 separator), validated, and encoded with an
  optimal Code 128 B/C switching sequence.

All symbols are a list of bars in X units (module widths), rendered by one PNG renderer and one
SVG renderer, so quiet zones and human-readable text are consistent across symbologies.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageDraw

from ._matrix import _num, png_bytes, xml_escape
from ._text import SVG_FONT_FAMILY, pil_font
from .gs1 import GS, validate_element_string, validate_gtin_digits


@dataclass(frozen=True, slots=True)
class Bar:
    x: float  # left edge in X from the start of the symbol (quiet zone excluded)
    width: float
    extended: bool = False  # guard bars reaching down into the text area (EAN/UPC)


@dataclass(frozen=True, slots=True)
class TextItem:
    text: str
    x: float  # centre in X from the start of the symbol
    scale: float = 1.0  # relative to the symbol's text size


@dataclass(frozen=True, slots=True)
class LinearSymbol:
    symbology: str
    data: str  # what a scanner transmits (without symbology identifier)
    bars: tuple[Bar, ...]
    width: float  # symbol width in X, quiet zones excluded
    quiet_left: float
    quiet_right: float
    bar_height: float  # default bar height in X
    text_size: float  # font size (em) in X
    text: tuple[TextItem, ...] = ()
    text_style: Literal["ean", "center"] = "center"
    guard_extension: float = 0.0
    bearer: float = 0.0  # bearer bar thickness in X (ITF-14), 0 for none
    default_module_mm: float = 0.33
    modules: str = field(default="", repr=False)  # 1/0 string when all widths are 1X

    @property
    def hri(self) -> str:
        return "".join(item.text for item in self.text)


def _bars_from_modules(modules: str, extended_ranges: tuple[tuple[int, int], ...] = ()
                       ) -> tuple[Bar, ...]:
    bars = []
    i = 0
    n = len(modules)
    while i < n:
        if modules[i] == "1":
            j = i
            while j < n and modules[j] == "1":
                j += 1
            ext = any(lo <= i < hi for lo, hi in extended_ranges)
            bars.append(Bar(i, j - i, ext))
            i = j
        else:
            i += 1
    return tuple(bars)


def _bars_from_widths(widths: list[float]) -> tuple[tuple[Bar, ...], float]:
    bars = []
    x = 0.0
    for k, w in enumerate(widths):
        if k % 2 == 0:
            bars.append(Bar(x, w))
        x += w
    return tuple(bars), x


# --------------------------------------------------------------------------- EAN / UPC

_L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
            "0110001", "0101111", "0111011", "0110111", "0001011")
_R_CODES = tuple(code.translate(str.maketrans("01", "10")) for code in _L_CODES)
_G_CODES = tuple(code[::-1] for code in _R_CODES)
_EAN13_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                 "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
_EAN_TEXT_EM = 11.0  # digit em size in X (about 8X high digits, as on GS1 examples)


def _ean13_modules(digits: str) -> str:
    parity = _EAN13_PARITY[int(digits[0])]
    left = "".join((_L_CODES if p == "L" else _G_CODES)[int(d)]
                   for p, d in zip(parity, digits[1:7], strict=True))
    right = "".join(_R_CODES[int(d)] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


def ean13(digits: str, *, light_margin_indicator: bool = False) -> LinearSymbol:
    """EAN-13 for 13 digits including a valid check digit."""
    validate_gtin_digits(digits, 13, "EAN-13")
    modules = _ean13_modules(digits)
    guards = ((0, 3), (45, 50), (92, 95))
    text = [TextItem(digits[0], -5.0)]
    text += [TextItem(d, 3 + 7 * k + 3.5) for k, d in enumerate(digits[1:7])]
    text += [TextItem(d, 50 + 7 * k + 3.5) for k, d in enumerate(digits[7:])]
    if light_margin_indicator:
        text.append(TextItem(">", 95 + 3.5))
    return LinearSymbol("EAN-13", digits, _bars_from_modules(modules, guards), width=95,
                        quiet_left=11, quiet_right=7, bar_height=69.0, text_size=_EAN_TEXT_EM,
                        text=tuple(text), text_style="ean", guard_extension=5.0,
                        modules=modules)


def ean8(digits: str, *, light_margin_indicator: bool = False) -> LinearSymbol:
    """EAN-8 for 8 digits including a valid check digit."""
    validate_gtin_digits(digits, 8, "EAN-8")
    modules = ("101" + "".join(_L_CODES[int(d)] for d in digits[:4]) + "01010"
               + "".join(_R_CODES[int(d)] for d in digits[4:]) + "101")
    guards = ((0, 3), (31, 36), (64, 67))
    text = [TextItem(d, 3 + 7 * k + 3.5) for k, d in enumerate(digits[:4])]
    text += [TextItem(d, 36 + 7 * k + 3.5) for k, d in enumerate(digits[4:])]
    if light_margin_indicator:
        text = [TextItem("<", -3.5), *text, TextItem(">", 67 + 3.5)]
    return LinearSymbol("EAN-8", digits, _bars_from_modules(modules, guards), width=67,
                        quiet_left=7, quiet_right=7, bar_height=55.0, text_size=_EAN_TEXT_EM,
                        text=tuple(text), text_style="ean", guard_extension=5.0,
                        modules=modules)


def upca(digits: str) -> LinearSymbol:
    """UPC-A for 12 digits including a valid check digit (EAN-13 with a leading 0)."""
    validate_gtin_digits(digits, 12, "UPC-A")
    modules = _ean13_modules("0" + digits)
    # guards plus the first and last symbol characters are extended in UPC-A
    guards = ((0, 10), (45, 50), (85, 95))
    text = [TextItem(digits[0], -5.0, 0.75)]
    text += [TextItem(d, 3 + 7 * k + 3.5) for k, d in enumerate(digits[1:6], start=1)]
    text += [TextItem(d, 50 + 7 * k + 3.5) for k, d in enumerate(digits[6:11])]
    text.append(TextItem(digits[11], 95 + 5.0, 0.75))
    return LinearSymbol("UPC-A", digits, _bars_from_modules(modules, guards), width=95,
                        quiet_left=9, quiet_right=9, bar_height=69.0, text_size=_EAN_TEXT_EM,
                        text=tuple(text), text_style="ean", guard_extension=5.0,
                        modules=modules)


# --------------------------------------------------------------------------- ITF-14

_ITF_PATTERNS = ("nnwwn", "wnnnw", "nwnnw", "wwnnn", "nnwnw",
                 "wnwnn", "nwwnn", "nnnww", "wnnwn", "nwnwn")


def itf14(digits: str, *, wide_ratio: float = 2.5, bearer: float = 4.0,
          text: str | None = None) -> LinearSymbol:
    """ITF-14 (Interleaved 2 of 5) for a GTIN-14 (14 digits incl. a valid check digit).

    ``wide_ratio`` is the wide:narrow ratio (2.25-3.0 allowed, 2.5 is GS1's target);
    ``bearer`` the bearer frame thickness in X (0 disables it; GS1 asks for at least 2X).
    ``text`` overrides the human-readable line (default: the 14 digits).
    """
    validate_gtin_digits(digits, 14, "ITF-14")
    if not 2.25 <= wide_ratio <= 3.0:
        raise ValueError(f"ITF-14 wide:narrow ratio must be within 2.25..3.0, got {wide_ratio}")
    if bearer < 0:
        raise ValueError(f"bearer thickness must be >= 0, got {bearer}")
    widths: list[float] = [1, 1, 1, 1]  # start: bar space bar space
    for i in range(0, 14, 2):
        bars = _ITF_PATTERNS[int(digits[i])]
        spaces = _ITF_PATTERNS[int(digits[i + 1])]
        for b, s in zip(bars, spaces, strict=True):
            widths.append(wide_ratio if b == "w" else 1)
            widths.append(wide_ratio if s == "w" else 1)
    widths += [wide_ratio, 1, 1]  # stop: wide bar, space, bar
    bars, width = _bars_from_widths(widths)
    hri = digits if text is None else text
    items = (TextItem(hri, width / 2),) if hri else ()
    return LinearSymbol("ITF-14", digits, bars, width=width, quiet_left=10, quiet_right=10,
                        bar_height=32.0, text_size=7.0, text=items, text_style="center",
                        bearer=bearer, default_module_mm=0.495)


# --------------------------------------------------------------------------- GS1-128

# Code 128 symbol patterns (bar/space widths) for values 0..106 (ISO/IEC 15417 table 1).
CODE128_PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
_FNC1 = 102
_START_B, _START_C = 104, 105
_CODE_B, _CODE_C = 100, 99
_STOP = 106


def code128_values(tokens: list[str | None]) -> list[int]:
    """Shortest Code 128 value sequence (start, data, no check/stop) using sets B and C.

    ``tokens`` are single characters (ASCII 32..126) or None for FNC1.
    """
    n = len(tokens)
    inf = 10**9
    is_digit = [t is not None and "0" <= t <= "9" for t in tokens]
    # cost[i][s]: symbols needed for tokens[i:] when currently in set s (0 = B, 1 = C)
    cost = [[0, 0] for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        direct_b = 1 + cost[i + 1][0]
        if tokens[i] is None:
            direct_c = 1 + cost[i + 1][1]
        elif i + 1 < n and is_digit[i] and is_digit[i + 1]:
            direct_c = 1 + cost[i + 2][1]
        else:
            direct_c = inf
        cost[i][0] = min(direct_b, 1 + direct_c)
        cost[i][1] = min(direct_c, 1 + direct_b)
    current = 1 if cost[0][1] < cost[0][0] else 0
    values = [_START_C if current else _START_B]
    i = 0
    while i < n:
        token = tokens[i]
        if current == 1:
            pair_ok = token is None or (i + 1 < n and is_digit[i] and is_digit[i + 1])
            stay = (1 + cost[i + (1 if token is None else 2)][1]) if pair_ok else inf
            if stay <= 1 + (1 + cost[i + 1][0]):
                values.append(_FNC1 if token is None else int(token + tokens[i + 1]))
                i += 1 if token is None else 2
            else:
                values.append(_CODE_B)
                current = 0
        else:
            pair_ok = token is None or (i + 1 < n and is_digit[i] and is_digit[i + 1])
            via_c = (1 + 1 + cost[i + (1 if token is None else 2)][1]) if pair_ok else inf
            if via_c < 1 + cost[i + 1][0]:
                values.append(_CODE_C)
                current = 1
            else:
                values.append(_FNC1 if token is None else ord(token) - 32)
                i += 1
    return values


def _code128_widths(values: list[int]) -> list[int]:
    check = values[0]
    for pos, value in enumerate(values[1:], start=1):
        check += pos * value
    widths = []
    for value in [*values, check % 103, _STOP]:
        widths.extend(int(c) for c in CODE128_PATTERNS[value])
    return widths


def gs1_128(element_string: str, hri: str | None = None) -> LinearSymbol:
    """GS1-128 for a raw element string; GS (``\\x1d``) marks where an FNC1 separator goes.

    ``hri`` is the human-readable line, e.g. "(01)08931234567890(10)LOT1" (from the GS1
    library); without it no text is printed.
    """
    validate_element_string(element_string)
    tokens: list[str | None] = [None]  # FNC1 in first position
    tokens += [None if ch == GS else ch for ch in element_string]
    widths = _code128_widths(code128_values(tokens))
    bars, width = _bars_from_widths([float(w) for w in widths])
    items = (TextItem(hri, width / 2),) if hri else ()
    return LinearSymbol("GS1-128", element_string, bars, width=width, quiet_left=10,
                        quiet_right=10, bar_height=50.0, text_size=8.0, text=items,
                        text_style="center", default_module_mm=0.33)


# --------------------------------------------------------------------------- rendering

SymbolKind = Literal["ean13", "ean8", "upca", "itf14", "gs1-128"]


def make_symbol(kind: SymbolKind, data: str, hri: str | None = None) -> LinearSymbol:
    key = kind.lower().replace("_", "-")
    if key in ("ean13", "ean-13"):
        return ean13(data)
    if key in ("ean8", "ean-8"):
        return ean8(data)
    if key in ("upca", "upc-a"):
        return upca(data)
    if key in ("itf14", "itf-14"):
        return itf14(data) if hri is None else itf14(data, text=hri)
    if key in ("gs1-128", "gs1128"):
        return gs1_128(data, hri)
    raise ValueError(f"unknown linear symbology {kind!r}; use ean13, ean8, upca, itf14, gs1-128")


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Vertical layout in X units."""

    top: float  # bars start (below the top bearer)
    bar_bottom: float
    guard_bottom: float
    text_baseline: float
    total_height: float
    total_width: float
    bearer: float


def _geometry(symbol: LinearSymbol, bar_height: float | None, show_text: bool) -> _Geometry:
    height = symbol.bar_height if bar_height is None else bar_height
    if height <= 0:
        raise ValueError(f"bar height must be positive, got {height}")
    bearer = symbol.bearer
    top = bearer  # bars touch the top bearer bar
    bar_bottom = top + height
    guard_bottom = bar_bottom + (symbol.guard_extension if show_text else 0.0)
    total_width = symbol.quiet_left + symbol.width + symbol.quiet_right + 2 * bearer
    has_text = show_text and bool(symbol.text)
    if symbol.text_style == "ean":
        baseline = bar_bottom + 0.5 + 0.73 * symbol.text_size
        total_height = max(guard_bottom, baseline) + 1.0 if has_text else bar_bottom
    else:
        below = bar_bottom + bearer
        baseline = below + 1.0 + 0.76 * symbol.text_size
        total_height = baseline + 0.3 * symbol.text_size if has_text else below
    return _Geometry(top, bar_bottom, guard_bottom, baseline, total_height, total_width, bearer)


def linear_image(symbol: LinearSymbol, *, module_px: int = 3, bar_height: float | None = None,
                 show_text: bool = True) -> Image.Image:
    """Render to a 1-bit Pillow image, ``module_px`` pixels per X (narrow element)."""
    if module_px < 1:
        raise ValueError(f"module_px must be >= 1, got {module_px}")
    geo = _geometry(symbol, bar_height, show_text)
    px = module_px

    def to_px(value: float) -> int:
        return int(value * px + 0.5)

    # Element widths are rounded one by one so that every narrow/wide element keeps its
    # width in whole pixels (ITF's 2.5X becomes 5 px at 2 px/X, 3 px at 1 px/X).
    placed = []  # (x_px, w_px, extended)
    x_px = 0
    cursor = 0.0
    for bar in symbol.bars:
        x_px += to_px(bar.x - cursor)
        w_px = max(1, to_px(bar.width))
        placed.append((x_px, w_px, bar.extended))
        x_px += w_px
        cursor = bar.x + bar.width
    symbol_px = x_px + to_px(symbol.width - cursor)
    origin_px = to_px(geo.bearer + symbol.quiet_left)
    width_px = origin_px + symbol_px + to_px(symbol.quiet_right + geo.bearer)
    height_px = to_px(geo.total_height)
    image = Image.new("L", (width_px, height_px), 255)
    draw = ImageDraw.Draw(image)
    top_px = to_px(geo.top)
    for x, w, extended in placed:
        bottom = geo.guard_bottom if extended else geo.bar_bottom
        draw.rectangle((origin_px + x, top_px, origin_px + x + w - 1, to_px(bottom) - 1), fill=0)
    if geo.bearer:
        b = to_px(geo.bearer)
        frame_bottom = to_px(geo.bar_bottom + geo.bearer)
        draw.rectangle((0, 0, width_px - 1, b - 1), fill=0)
        draw.rectangle((0, frame_bottom - b, width_px - 1, frame_bottom - 1), fill=0)
        draw.rectangle((0, 0, b - 1, frame_bottom - 1), fill=0)
        draw.rectangle((width_px - b, 0, width_px - 1, frame_bottom - 1), fill=0)
    if show_text and symbol.text:
        for item in symbol.text:
            font = pil_font(max(6, int(symbol.text_size * item.scale * px)))
            if symbol.text_style == "center":
                x = width_px / 2
            else:
                x = origin_px + item.x * px
            draw.text((x, geo.text_baseline * px), item.text, font=font, fill=0, anchor="ms")
    return image.convert("1", dither=Image.Dither.NONE)


def linear_png(symbol: LinearSymbol, *, module_px: int = 3, bar_height: float | None = None,
               show_text: bool = True, dpi: float | None = None) -> bytes:
    """PNG of a linear symbol. ``bar_height`` in X (default per symbology)."""
    image = linear_image(symbol, module_px=module_px, bar_height=bar_height,
                         show_text=show_text)
    return png_bytes(image, dpi)


def linear_svg(symbol: LinearSymbol, *, module_mm: float | None = None,
               bar_height: float | None = None, show_text: bool = True) -> bytes:
    """SVG of a linear symbol sized in millimetres (``module_mm`` = X, default per symbology).

    All bars (and the bearer frame) are one ``<path>``; text is ``<text>`` in a monospace font.
    """
    x_mm = symbol.default_module_mm if module_mm is None else module_mm
    if x_mm <= 0:
        raise ValueError(f"module_mm must be positive, got {module_mm}")
    geo = _geometry(symbol, bar_height, show_text)
    origin = geo.bearer + symbol.quiet_left
    parts = []
    for bar in symbol.bars:
        bottom = geo.guard_bottom if bar.extended else geo.bar_bottom
        parts.append(f"M{_num(origin + bar.x)} {_num(geo.top)}h{_num(bar.width)}"
                     f"v{_num(bottom - geo.top)}h-{_num(bar.width)}z")
    if geo.bearer:
        w, b = geo.total_width, geo.bearer
        h = geo.bar_bottom + b
        # outer rectangle minus inner rectangle (even-odd fill) = frame
        parts.append(f"M0 0H{_num(w)}V{_num(h)}H0z"
                     f"M{_num(b)} {_num(b)}V{_num(h - b)}H{_num(w - b)}V{_num(b)}z")
    texts = []
    if show_text and symbol.text:
        for item in symbol.text:
            x = geo.total_width / 2 if symbol.text_style == "center" else origin + item.x
            texts.append(
                f'<text x="{_num(x)}" y="{_num(geo.text_baseline)}" '
                f'font-family="{SVG_FONT_FAMILY}" '
                f'font-size="{_num(symbol.text_size * item.scale)}" text-anchor="middle" '
                f'fill="#000">{xml_escape(item.text)}</text>'
            )
    w, h = geo.total_width, geo.total_height
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(w * x_mm)}mm" '
        f'height="{_num(h * x_mm)}mm" viewBox="0 0 {_num(w)} {_num(h)}">'
        f'<title>{xml_escape(symbol.symbology)} {xml_escape(_printable(symbol.data))}</title>'
        f'<rect width="{_num(w)}" height="{_num(h)}" fill="#fff"/>'
        f'<path fill="#000" fill-rule="evenodd" shape-rendering="crispEdges" '
        f'd="{"".join(parts)}"/>'
    )
    for text in texts:
        out.write(text)
    out.write("</svg>\n")
    return out.getvalue().encode("utf-8")


def _printable(data: str) -> str:
    return data.replace(GS, "<GS>")


def barcode_png(kind: SymbolKind, data: str, hri: str | None = None, **options) -> bytes:
    """Shortcut: ``barcode_png("ean13", "8931234567893")``; options go to ``linear_png``."""
    return linear_png(make_symbol(kind, data, hri), **options)


def barcode_svg(kind: SymbolKind, data: str, hri: str | None = None, **options) -> bytes:
    """Shortcut: ``barcode_svg("gs1-128", element_string, hri)``; options go to ``linear_svg``."""
    return linear_svg(make_symbol(kind, data, hri), **options)
