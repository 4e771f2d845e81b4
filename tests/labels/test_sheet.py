import io
import os
import random
import string
import subprocess
import tracemalloc
from datetime import date

import pytest
import zxingcpp

from traceability.labels.render import (
    LabelData,
    LabelStock,
    LabelStyle,
    get_stock,
    render_label_sheet,
)
from traceability.labels.render.fonts import find_font
from traceability.labels.render.sheet import _fold, _register, _vera_path

from ._support import GTIN14, check_xref, decode, pdf_streams, rasterise_pdf_page, require_tool

PRODUCT = "Cà phê sữa đá Việt Nam – hộp 20 gói"
LOT = "LÔ/26 A"
LOT_ENCODED = "L%C3%94%2F26%20A"


def make_labels(count: int, seed: int = 1, product: str = PRODUCT) -> list[LabelData]:
    rnd = random.Random(seed)
    labels = []
    for _ in range(count):
        serial = "".join(rnd.choices(string.ascii_letters + string.digits, k=10))
        url = f"https://id.example.vn/01/{GTIN14}/10/{LOT_ENCODED}/21/{serial}"
        labels.append(LabelData(url, product, LOT, date(2026, 3, 1), date(2027, 2, 28), serial))
    return labels


def render(labels, stock, **kwargs) -> bytes:
    buf = io.BytesIO()
    render_label_sheet(labels, stock, buf, **kwargs)
    return buf.getvalue()


def decode_page(tmp_path, pdf: bytes, stock: LabelStock, page: int, labels: list[LabelData]):
    """Rasterise one page at 300 dpi and decode each label's area on its own."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    image = rasterise_pdf_page(path, page, 300, tmp_path)
    px = 300 / 25.4
    found = []
    for index in range(stock.per_page):
        x, y = stock.label_origin(index)
        box = (round(x * px), round(y * px), round((x + stock.label_width) * px),
               round((y + stock.label_height) * px))
        results = decode(image.crop(box), formats=zxingcpp.BarcodeFormat.QRCode)
        found.append([(r.text, r.symbology_identifier) for r in results])
    return found


@pytest.mark.parametrize("stock_name", ["a4-3x8-70x37", "a4-4x10-48.5x25.4", "a4-2x7-99.1x38.1",
                                        "roll-50x30"])
def test_first_page_decodes_label_by_label(tmp_path, stock_name):
    require_tool("pdftoppm")
    stock = get_stock(stock_name)
    labels = make_labels(stock.per_page + 3)
    pdf = render(labels, stock)
    found = decode_page(tmp_path, pdf, stock, 1, labels)
    expected = [[(label.qr_data, "]Q1")] for label in labels[:stock.per_page]]
    assert found == expected


def test_second_page_holds_the_rest(tmp_path):
    require_tool("pdftoppm")
    stock = get_stock("a4-3x8-70x37")
    labels = make_labels(30, seed=5)
    pdf = render(labels, stock)
    found = decode_page(tmp_path, pdf, stock, 2, labels)
    assert found[:6] == [[(label.qr_data, "]Q1")] for label in labels[24:]]
    assert found[6:] == [[]] * 18  # empty slots


def test_vietnamese_text_is_embedded_and_extractable(tmp_path):
    if find_font("regular") is None:
        pytest.skip("no DejaVu/Noto font installed (Debian fonts-dejavu-core)")
    labels = make_labels(3)
    pdf = render(labels, get_stock("a4-2x7-99.1x38.1"))
    assert b"/FontFile2" in pdf  # embedded TrueType
    assert b"DejaVuSans" in pdf
    tool = require_tool("pdftotext")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True
                          ).stdout.decode("utf-8")
    assert "Cà phê sữa đá Việt Nam" in text
    assert "Lô: LÔ/26 A" in text
    assert "NSX: 01/03/2026" in text and "HSD: 28/02/2027" in text
    for label in labels:
        assert f"S/N: {label.serial}" in text


def test_qr_is_vector_and_file_is_well_formed():
    stock = get_stock("a4-3x8-70x37")
    pdf = render(make_labels(50), stock)
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" not in pdf  # no image XObjects
    objects = check_xref(pdf)
    assert objects > 3
    streams = pdf_streams(pdf)
    page_streams = [s for s in streams if b" re\n" in s and b"cm" in s]
    assert len(page_streams) == 3
    assert not any(b"\nBI" in s or s.startswith(b"BI") for s in streams)  # no inline images
    # one filled path per QR code: 24 + 24 + 2 "f Q"
    assert sum(s.count(b"\nf Q") for s in page_streams) == 50
    assert b"/Count 3" in pdf


def test_constant_text_goes_into_a_reused_form():
    pdf = render(make_labels(24), get_stock("a4-3x8-70x37"))
    streams = pdf_streams(pdf)
    page = next(s for s in streams if s.count(b"\nf Q") == 24)
    # the first label draws its text directly, the 23 others reuse one form XObject
    assert page.count(b"/FormXob.lbl1 Do") == 23
    assert pdf.count(b"/Subtype /Form") == 1


def test_progress_is_reported_per_page_and_output_streams():
    written = []

    class Sink(io.RawIOBase):
        def __init__(self):
            self.size = 0

        def writable(self):
            return True

        def write(self, data):
            self.size += len(data)
            return len(data)

    sink = Sink()
    calls = []

    def progress(done, pages):
        calls.append((done, pages))
        written.append(sink.size)

    result = render_label_sheet(make_labels(50), get_stock("a4-3x8-70x37"), sink, progress)
    assert (result.labels, result.pages) == (50, 3)
    assert calls == [(24, 1), (48, 2), (50, 3)]
    # pages reach the output while rendering goes on, not only at the end
    assert 0 < written[0] < written[1] < written[2] < sink.size


def test_memory_stays_flat_with_more_labels():
    stock = get_stock("a4-4x10-48.5x25.4")

    def peak(count: int) -> int:
        def labels():
            rnd = random.Random(count)
            for i in range(count):
                serial = "".join(rnd.choices(string.ascii_letters, k=10))
                yield LabelData(f"https://id.example.vn/01/{GTIN14}/21/{serial}", PRODUCT,
                                "L1", date(2026, 1, 1), None, serial if i % 2 else None)

        sink = open(os.devnull, "wb")  # noqa: SIM115
        try:
            render_label_sheet(labels(), stock, sink)  # warm-up: fonts, caches
            tracemalloc.start()
            render_label_sheet(labels(), stock, sink)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            sink.close()

    small = peak(200)
    large = peak(2000)
    assert large < small * 1.5 + 1_000_000, (small, large)


def test_empty_input_gives_one_blank_page():
    buf = io.BytesIO()
    result = render_label_sheet([], get_stock("roll-50x30"), buf)
    assert (result.labels, result.pages) == (0, 1)
    check_xref(buf.getvalue())


def test_long_name_is_wrapped_and_cut_within_the_label(tmp_path):
    require_tool("pdftoppm")
    stock = get_stock("a4-4x10-48.5x25.4")
    long_name = "Nước mắm Phú Quốc đặc biệt 40 độ đạm chai thủy tinh 500ml xuất khẩu"
    labels = make_labels(stock.per_page, product=long_name)
    pdf = render(labels, stock)
    found = decode_page(tmp_path, pdf, stock, 1, labels)
    assert found == [[(label.qr_data, "]Q1")] for label in labels]


def test_label_too_narrow_for_text_raises():
    stock = LabelStock.roll("tiny", 20, 20)
    with pytest.raises(ValueError, match="left for text"):
        render(make_labels(1), stock)


def test_style_options(tmp_path):
    style = LabelStyle(caption_lot="Lot", caption_production="MFG", caption_expiry="EXP",
                       date_format="%Y-%m-%d", error_correction="Q", outline=True)
    pdf = render(make_labels(2), get_stock("a4-2x7-99.1x38.1"), style=style)
    tool = require_tool("pdftotext")
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([tool, str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "MFG: 2026-03-01" in text and "EXP: 2027-02-28" in text and "Lot: LÔ/26 A" in text
    require_tool("pdftoppm")
    stock = get_stock("a4-2x7-99.1x38.1")
    image = rasterise_pdf_page(path, 1, 200, tmp_path)
    px = 200 / 25.4
    x, y = stock.label_origin(0)
    crop = image.crop((round(x * px), round(y * px), round((x + stock.label_width) * px),
                       round((y + stock.label_height) * px)))
    (result,) = decode(crop)
    assert result.ec_level == "Q"


def test_fallback_font_folds_vietnamese_to_base_letters():
    _, vera_chars = _register(_vera_path(False))
    assert ord("ữ") not in vera_chars and ord("ạ") not in vera_chars
    assert _fold("Cà phê sữa ạ", vera_chars) == "Cà phê sua a"
    assert _fold("e\u0301", vera_chars) == "é"  # NFC first
    assert _fold("\u4e2d", vera_chars) == "?"


def test_fallback_font_renders(tmp_path):
    style = LabelStyle(font_path=_vera_path(False), bold_font_path=_vera_path(True))
    pdf = render(make_labels(1), get_stock("roll-50x30"), style=style)
    assert b"BitstreamVeraSans" in pdf or b"Vera" in pdf
