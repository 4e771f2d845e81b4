import xml.etree.ElementTree as ET

import barcode as python_barcode
import biip
import pytest
import zxingcpp

from traceability.labels.render import (
    barcode_png,
    barcode_svg,
    ean8,
    ean13,
    gs1_128,
    gs1_check_digit,
    itf14,
    linear_png,
    upca,
)
from traceability.labels.render.linear import CODE128_PATTERNS, code128_values

from ._support import GTIN14, decode_one, svg_to_image, to_image

SVG_NS = "{http://www.w3.org/2000/svg}"
GS = "\x1d"
EAN13 = "8931234567897"
EAN8 = "96385074"
UPCA = "036000291452"
ITF14 = "18931234567894"
ELEMENT_STRING = f"01{GTIN14}17270630" + f"10LOT2026A{GS}21ABC/123"
ELEMENT_HRI = f"(01){GTIN14}(17)270630(10)LOT2026A(21)ABC/123"

CASES = [
    # kind, data, hri, zxing format, symbology identifier, text zxing transmits
    ("ean13", EAN13, None, zxingcpp.BarcodeFormat.EAN13, "]E0", EAN13),
    ("ean8", EAN8, None, zxingcpp.BarcodeFormat.EAN8, "]E4", EAN8),
    ("upca", UPCA, None, zxingcpp.BarcodeFormat.UPCA, "]E0", UPCA),
    ("itf14", ITF14, None, zxingcpp.BarcodeFormat.ITF, "]I1", ITF14),
    ("gs1-128", ELEMENT_STRING, ELEMENT_HRI, zxingcpp.BarcodeFormat.Code128, "]C1",
     ELEMENT_STRING),
    ("gs1-128", "00389312340000000013", "(00)389312340000000013",
     zxingcpp.BarcodeFormat.Code128, "]C1", "00389312340000000013"),
]


@pytest.mark.parametrize("module_px", [1, 2, 3])
@pytest.mark.parametrize(("kind", "data", "hri", "fmt", "symid", "text"), CASES)
def test_png_decodes(kind, data, hri, fmt, symid, text, module_px):
    result = decode_one(barcode_png(kind, data, hri, module_px=module_px))
    assert result.format == fmt
    assert result.symbology_identifier == symid
    assert result.text == text


@pytest.mark.parametrize(("kind", "data", "hri", "fmt", "symid", "text"), CASES)
def test_svg_structure_and_decodes(kind, data, hri, fmt, symid, text):
    svg = barcode_svg(kind, data, hri)
    root = ET.fromstring(svg)
    paths = root.findall(f".//{SVG_NS}path")
    assert len(paths) == 1, "all bars in one path"
    assert root.get("width").endswith("mm")
    texts = [t.text for t in root.findall(f".//{SVG_NS}text")]
    if kind in ("ean13", "upca"):
        assert "".join(texts) == data
    if hri:
        assert texts == [hri]
    result = decode_one(svg_to_image(svg, width=1200))
    assert (result.format, result.symbology_identifier, result.text) == (fmt, symid, text)


def test_gs1_content_parses_as_gs1_message():
    result = decode_one(barcode_png("gs1-128", ELEMENT_STRING, ELEMENT_HRI))
    parsed = biip.parse(result.symbology_identifier + result.text)
    assert parsed.gs1_message is not None, parsed.gs1_message_error
    values = {e.ai.ai: e.value for e in parsed.gs1_message.element_strings}
    assert values == {"01": GTIN14, "17": "270630", "10": "LOT2026A", "21": "ABC/123"}


@pytest.mark.parametrize(
    ("builder", "digits", "kind"),
    [(ean13, EAN13, python_barcode.EAN13), (ean8, EAN8, python_barcode.EAN8),
     (upca, UPCA, python_barcode.UPCA)],
)
def test_bar_patterns_match_python_barcode(builder, digits, kind):
    ours = builder(digits).modules
    theirs = kind(digits).build()[0].replace("G", "1")
    assert ours == theirs


def test_code128_table_matches_python_barcode():
    from barcode.charsets import code128

    def widths(modules: str) -> str:
        out, prev = [], None
        for ch in modules:
            if ch == prev:
                out[-1] += 1
            else:
                out.append(1)
                prev = ch
        return "".join(map(str, out))

    assert list(CODE128_PATTERNS[:106]) == [widths(code) for code in code128.CODES]


def test_code128_switching_is_minimal():
    # digits go to code set C, letters to B; FNC1 is valid in either set
    values = code128_values([None, *"0189312345678901", None, *"21AB"])
    # Start C, FNC1, 8 digit pairs, FNC1, "21", Code B, "A", "B"
    assert values == [105, 102, 1, 89, 31, 23, 45, 67, 89, 1, 102, 21, 100, 33, 34]
    # odd digit run: one digit in B, then code set C for the remaining pairs
    values = code128_values([None, *"10ABC", None, *"2112345"])
    assert len(values) == 13


def test_itf14_has_bearer_bars_and_quiet_zones():
    symbol = itf14(ITF14)
    assert symbol.bearer >= 2 and symbol.quiet_left == symbol.quiet_right == 10
    image = to_image(linear_png(symbol, module_px=2, show_text=False))
    # the frame is dark along all four edges
    w, h = image.size
    for x, y in [(w // 2, 1), (w // 2, h - 2), (1, h // 2), (w - 2, h // 2)]:
        assert image.getpixel((x, y)) == 0
    # 2.5:1 wide:narrow ratio at 2 px per X -> 5 px wide bars exist
    row = [image.getpixel((x, h // 2)) for x in range(w)]
    runs, current, count = [], row[0], 0
    for value in row:
        if value == current:
            count += 1
        else:
            runs.append((current, count))
            current, count = value, 1
    assert {n for v, n in runs if v == 0} >= {2, 5}


def test_itf14_without_bearer_and_custom_text():
    svg = barcode_svg("itf14", ITF14, "1 89 31234 56789 4")
    assert b"1 89 31234 56789 4" in svg
    result = decode_one(linear_png(itf14(ITF14, bearer=0), module_px=2))
    assert result.text == ITF14


def test_text_changes_image_height():
    with_text = to_image(barcode_png("ean13", EAN13))
    without = to_image(barcode_png("ean13", EAN13, show_text=False))
    assert with_text.height > without.height
    assert with_text.width == without.width == 3 * (11 + 95 + 7)


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("ean13", "8931234567890", "wrong check digit: expected 7, got 0"),
        ("ean13", "893123456789", "exactly 13 digits"),
        ("ean13", "89312345678a7", "exactly 13 digits"),
        ("ean8", "96385070", "wrong check digit"),
        ("upca", "036000291450", "wrong check digit"),
        ("itf14", "18931234567890", "wrong check digit"),
        ("itf14", "8931234567897", "exactly 14 digits"),
        ("ean13", "８９３１２３４５６７８９７", "exactly 13 digits"),  # full-width digits
    ],
)
def test_bad_gtin_digits_raise(kind, data, message):
    with pytest.raises(ValueError, match=message):
        barcode_png(kind, data)


@pytest.mark.parametrize(
    ("element_string", "message"),
    [
        ("", "empty"),
        (f"{GS}0108931234567897", "start or end"),
        (f"10ABC{GS}", "start or end"),
        (f"10ABC{GS}{GS}21X", "two GS"),
        ("10ABC#", "character set 82"),
        ("10Cà phê", "character set 82"),
        (f"10ABC{GS}X1", "Application Identifier"),
        ("AB123", "Application Identifier"),
        ("10" + "A" * 47, "at most 48"),
    ],
)
def test_bad_element_strings_raise(element_string, message):
    with pytest.raises(ValueError, match=message):
        gs1_128(element_string)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown linear symbology"):
        barcode_png("code39", "ABC")


def test_check_digit_helper():
    assert gs1_check_digit("893123456789") == 7
    assert gs1_check_digit("0893123456789") == 7
    assert gs1_check_digit("0036000291452"[:-1]) == 2
