import random
import string
import xml.etree.ElementTree as ET

import biip
import pytest
import zxingcpp

from traceability.labels.render import (
    datamatrix,
    gs1_datamatrix,
    gs1_datamatrix_png,
    gs1_datamatrix_svg,
)
from traceability.labels.render._matrix import matrix_image
from traceability.labels.render.datamatrix import SYMBOL_SIZES, encode_ascii

from ._support import GTIN14, decode_one, svg_to_image

SVG_NS = "{http://www.w3.org/2000/svg}"
GS = "\x1d"
ELEMENT_STRING = f"01{GTIN14}17270630" + f"10LOT2026A{GS}21Xy7/k9Qz2B"
HRI = f"(01){GTIN14}(17)270630(10)LOT2026A(21)Xy7/k9Qz2B"


def test_gs1_datamatrix_png_decodes_with_d2_and_gs_separator():
    result = decode_one(gs1_datamatrix_png(ELEMENT_STRING, HRI))
    assert result.format == zxingcpp.BarcodeFormat.DataMatrix
    assert result.symbology_identifier == "]d2"
    assert result.text == ELEMENT_STRING
    parsed = biip.parse(result.symbology_identifier + result.text)
    assert parsed.gs1_message is not None, parsed.gs1_message_error
    assert [e.ai.ai for e in parsed.gs1_message.element_strings] == ["01", "17", "10", "21"]


def test_gs1_datamatrix_svg_is_one_path_and_decodes():
    svg = gs1_datamatrix_svg(ELEMENT_STRING, HRI, module_px=10)
    root = ET.fromstring(svg)
    assert len(root.findall(f".//{SVG_NS}path")) == 1
    texts = [t.text for t in root.findall(f".//{SVG_NS}text")]
    assert texts == [f"(01){GTIN14}", "(17)270630", "(10)LOT2026A", "(21)Xy7/k9Qz2B"]
    result = decode_one(svg_to_image(svg, width=600))
    assert (result.symbology_identifier, result.text) == ("]d2", ELEMENT_STRING)


def test_fnc1_codewords():
    codewords = encode_ascii(f"10AB{GS}2112".encode(), gs1=True)
    assert codewords == [232, 140, 66, 67, 232, 151, 142]


@pytest.mark.parametrize("size", SYMBOL_SIZES, ids=lambda s: f"{s.rows}x{s.cols}")
def test_every_symbol_size_decodes(size):
    rnd = random.Random(size.rows * 1000 + size.cols)
    # uppercase letters take one codeword each, so this fills the symbol exactly
    data = "".join(rnd.choices(string.ascii_uppercase, k=size.data_codewords))
    symbol = datamatrix(data, shape="square" if size.square else "rectangle")
    assert symbol.size == size
    assert (symbol.matrix.height, symbol.matrix.width) == (size.rows, size.cols)
    image = matrix_image(symbol.matrix, module_px=3, size_px=None, border=2)
    result = decode_one(image)
    assert (result.symbology_identifier, result.text) == ("]d1", data)


@pytest.mark.parametrize("length", [1, 2, 5, 11, 29, 100])
def test_padding_and_digit_pairs(length):
    data = "".join(random.Random(length).choices(string.digits + "abcXYZ/", k=length))
    symbol = datamatrix(data)
    image = matrix_image(symbol.matrix, module_px=4, size_px=None, border=1)
    assert decode_one(image).text == data


def test_rectangular_gs1():
    symbol = gs1_datamatrix(f"01{GTIN14}21ABC", shape="rectangle")
    assert symbol.size.rows != symbol.size.cols
    image = matrix_image(symbol.matrix, module_px=5, size_px=None, border=2)
    assert decode_one(image).text == f"01{GTIN14}21ABC"


def test_invalid_element_strings():
    with pytest.raises(ValueError, match="character set 82"):
        gs1_datamatrix("10Cà phê")
    with pytest.raises(ValueError, match="two GS"):
        gs1_datamatrix(f"10A{GS}{GS}21B")
    with pytest.raises(ValueError, match="too long"):
        gs1_datamatrix("10" + "A" * 1600)
