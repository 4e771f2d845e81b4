"""Decoding helpers: every symbol is read back with zxing-cpp, independent of our encoders."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

GTIN14 = "08931234567897"  # valid check digit
DIGITAL_LINK = "https://id.example.vn/01/08931234567897/10/L%C3%94%2F26%20A"
DIGITAL_LINK_SERIAL = "https://id.example.vn/01/08931234567897/10/LOT2026A/21/Xy7%2Fk9Qz2B"


def to_image(data: bytes | Image.Image) -> Image.Image:
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    return image.convert("L")


def decode(data: bytes | Image.Image, formats=None) -> list[zxingcpp.Barcode]:
    """Plain text mode: GS1 content comes back raw, with GS (\x1d) separators."""
    kwargs = {"text_mode": zxingcpp.TextMode.Plain}
    if formats is not None:
        kwargs["formats"] = formats
    return zxingcpp.read_barcodes(to_image(data), **kwargs)


def decode_one(data: bytes | Image.Image, formats=None) -> zxingcpp.Barcode:
    results = decode(data, formats)
    assert len(results) == 1, f"expected one symbol, zxing found {len(results)}"
    return results[0]


def svg_to_image(svg: bytes, width: int = 1000) -> Image.Image:
    """Rasterise with cairosvg (a test-only dependency); skip when it is not installed."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: libcairo missing
        pytest.skip(f"cairosvg not available: {exc}")
    png = cairosvg.svg2png(bytestring=svg, output_width=width, background_color="white")
    return to_image(png)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (Debian package poppler-utils)")
    return path


def rasterise_pdf_page(pdf: Path, page: int, dpi: int, out_dir: Path) -> Image.Image:
    tool = require_tool("pdftoppm")
    prefix = out_dir / f"page{page}"
    subprocess.run([tool, "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png",
                    str(pdf), str(prefix)], check=True, capture_output=True)
    produced = sorted(out_dir.glob(f"page{page}*.png"))
    assert produced, "pdftoppm produced no image"
    return Image.open(produced[-1]).convert("L")


def pdf_streams(data: bytes) -> list[bytes]:
    """Decoded contents of every stream in a PDF (FlateDecode and ASCII85Decode filters)."""
    out = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n", data, re.DOTALL):
        header = match.group(1)
        length = re.search(rb"/Length (\d+)", header)
        if length is None:
            continue
        raw = data[match.end():match.end() + int(length.group(1))]
        if b"/ASCII85Decode" in header:
            raw = base64.a85decode(raw.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            raw = zlib.decompress(raw)
        out.append(raw)
    return out


def check_xref(data: bytes) -> int:
    """Every cross-reference entry points at its "N 0 obj"; returns the object count."""
    start = int(data[data.rindex(b"startxref") + 9:].split()[0])
    assert data[start:start + 4] == b"xref"
    header = data[start:].split(b"\n", 2)
    first, count = (int(v) for v in header[1].split())
    assert first == 0
    table = header[2]
    for number in range(1, count):
        entry = table[number * 20:(number + 1) * 20]
        offset = int(entry[:10])
        assert entry[17:18] == b"n"
        assert data[offset:].startswith(f"{number} 0 obj".encode()), number
    return count - 1
