import itertools
import random
import string
import xml.etree.ElementTree as ET

import pytest
import qrcode
import zxingcpp
from qrcode import util

from traceability.labels.render import qr_matrix, qr_png, qr_svg
from traceability.labels.render.qr import (
    _ECC_PER_BLOCK,
    _NUM_BLOCKS,
    _optimal_segments,
    alignment_positions,
    qr_from_segments,
    segments_bits,
)

from ._support import DIGITAL_LINK, DIGITAL_LINK_SERIAL, decode_one, svg_to_image, to_image

SVG_NS = "{http://www.w3.org/2000/svg}"
_QRCODE_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
              "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
_QRCODE_MODE = {0: util.MODE_NUMBER, 1: util.MODE_ALPHA_NUM, 2: util.MODE_8BIT_BYTE}


@pytest.mark.parametrize("url", [DIGITAL_LINK, DIGITAL_LINK_SERIAL])
@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
def test_png_decodes_to_exact_digital_link(url, ec):
    result = decode_one(qr_png(url, error_correction=ec, module_px=4))
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.text == url
    assert result.symbology_identifier == "]Q1"  # model 2, no ECI
    assert result.ec_level == ec


def test_default_is_m_with_four_module_quiet_zone():
    symbol = qr_matrix(DIGITAL_LINK_SERIAL)
    assert symbol.error_correction == "M"
    image = to_image(qr_png(DIGITAL_LINK_SERIAL, module_px=3))
    assert image.size == (3 * (symbol.size + 8),) * 2
    # the quiet zone (4 modules = 12 px) is all light, the finder corner starts right after it
    assert image.crop((0, 0, image.width, 12)).getextrema() == (255, 255)
    assert image.crop((0, 0, 12, image.height)).getextrema() == (255, 255)
    assert image.getpixel((12, 12)) == 0


def test_size_px_gives_exact_size_and_whole_modules():
    png = qr_png(DIGITAL_LINK, size_px=300)
    image = to_image(png)
    assert image.size == (300, 300)
    assert decode_one(png).text == DIGITAL_LINK
    with pytest.raises(ValueError, match="too small"):
        qr_png(DIGITAL_LINK, size_px=20)


def test_svg_is_one_path_and_decodes():
    svg = qr_svg(DIGITAL_LINK_SERIAL, module_px=5)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    paths = root.findall(f".//{SVG_NS}path")
    rects = root.findall(f".//{SVG_NS}rect")
    assert len(paths) == 1 and len(rects) == 1  # background + one path for all modules
    symbol = qr_matrix(DIGITAL_LINK_SERIAL)
    side = symbol.size + 8
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.get("width") == str(5 * side)
    runs = sum(1 for _ in symbol.matrix.runs())
    assert paths[0].get("d").count("M") == runs
    result = decode_one(svg_to_image(svg, width=5 * side))
    assert result.text == DIGITAL_LINK_SERIAL
    assert result.symbology_identifier == "]Q1"


def test_mixed_mode_segmentation_keeps_content_exact():
    symbol = qr_matrix(DIGITAL_LINK_SERIAL)
    assert b"".join(seg.data for seg in symbol.segments) == DIGITAL_LINK_SERIAL.encode()
    assert {seg.mode_name for seg in symbol.segments} >= {"byte", "numeric"}
    # the numeric GTIN segment makes it one version smaller than all-byte encoding
    assert symbol.version == 4


def test_uppercase_url_uses_alphanumeric_mode():
    url = "HTTPS://ID.EXAMPLE.VN/01/08931234567897/21/ABC123"
    symbol = qr_matrix(url)
    assert all(seg.mode_name != "byte" for seg in symbol.segments)
    assert decode_one(qr_png(url, module_px=4)).text == url


def test_non_ascii_text_round_trips_as_utf8():
    text = "Cà phê sữa đá"
    assert decode_one(qr_png(text, module_px=4)).text == text


def test_tables_match_qrcode_package():
    from qrcode import base

    for version in range(1, 41):
        assert alignment_positions(version) == util.pattern_position(version)
        for i, ec in enumerate("LMQH"):
            entry = base.RS_BLOCK_TABLE[(version - 1) * 4 + i]
            groups = [entry[j:j + 3] for j in range(0, len(entry), 3)]
            assert _NUM_BLOCKS[ec][version - 1] == sum(g[0] for g in groups)
            assert {g[1] - g[2] for g in groups} == {_ECC_PER_BLOCK[ec][version - 1]}


def _qrcode_reference(symbol):
    ref = qrcode.QRCode(version=symbol.version,
                        error_correction=_QRCODE_EC[symbol.error_correction], border=0)
    for seg in symbol.segments:
        ref.add_data(util.QRData(seg.data, mode=_QRCODE_MODE[seg.mode], check_data=False))
    ref.make(fit=False)
    rows = tuple("".join("1" if v else "0" for v in row) for row in ref.modules)
    return rows


def test_bit_exact_with_qrcode_package_including_mask_choice():
    rnd = random.Random(20260301)
    alphabet = string.ascii_letters + string.digits + "/:.-%?="
    for _ in range(60):
        text = "".join(rnd.choices(alphabet, k=rnd.choice([3, 17, 40, 66, 120, 260])))
        ec = rnd.choice("LMQH")
        symbol = qr_matrix(text, error_correction=ec)
        assert symbol.matrix.rows == _qrcode_reference(symbol), (text, ec)


@pytest.mark.parametrize("mask", range(8))
def test_forced_masks_decode(mask):
    symbol = qr_matrix(DIGITAL_LINK, mask=mask)
    assert symbol.mask == mask
    from traceability.labels.render._matrix import matrix_image

    image = matrix_image(symbol.matrix, module_px=4, size_px=None, border=4)
    assert decode_one(image).text == DIGITAL_LINK


def test_large_version_with_version_information():
    text = "https://id.example.vn/01/08931234567897/21/" + "x" * 300
    symbol = qr_matrix(text, error_correction="Q")
    assert symbol.version >= 7
    assert decode_one(qr_png(text, error_correction="Q", module_px=3)).text == text
    assert symbol.matrix.rows == _qrcode_reference(symbol)


def _brute_force_bits(text: bytes) -> int:
    alnum = set(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    choices = []
    for b in text:
        modes = [2]
        if b in alnum:
            modes.append(1)
        if 48 <= b <= 57:
            modes.append(0)
        choices.append(modes)
    best = None
    from traceability.labels.render.qr import Segment

    for assignment in itertools.product(*choices):
        segments = []
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or assignment[i] != assignment[start]:
                segments.append(Segment(assignment[start], text[start:i]))
                start = i
        bits = segments_bits(segments, 1)
        best = bits if best is None else min(best, bits)
    return best


def test_segmentation_is_optimal_for_short_strings():
    rnd = random.Random(7)
    for _ in range(300):
        text = "".join(rnd.choices("00000AB/a", k=rnd.randint(1, 8))).encode()
        segments, bits = _optimal_segments(text, 0)
        assert b"".join(s.data for s in segments) == text
        assert bits == segments_bits(segments, 1)
        assert bits == _brute_force_bits(text), text


def test_explicit_segments_and_version():
    from traceability.labels.render.qr import Segment

    symbol = qr_from_segments([Segment(2, b"abc")], 5, error_correction="H", mask=3)
    assert (symbol.version, symbol.mask, symbol.size) == (5, 3, 37)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": ""}, "empty"),
        ({"data": "x", "error_correction": "X"}, "error_correction"),
        ({"data": "x" * 3000, "error_correction": "H"}, "too long"),
        ({"data": "x", "mask": 8}, "mask"),
        ({"data": "x", "min_version": 41}, "min_version"),
    ],
)
def test_invalid_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        qr_matrix(**kwargs)


def test_min_version():
    assert qr_matrix("abc", min_version=7).version == 7
