"""Data Matrix ECC 200 (ISO/IEC 16022) encoder with GS1 mode (FNC1 first, GS -> FNC1).

Written in-house rather than depending on ``pylibdmtx`` (needs Debian's libdmtx and has no
GS1/FNC1 support) or on zxing-cpp's writer (zxing-cpp 2.3 has no GS1 mode in its writer, and
the tests use zxing-cpp as the independent decoder). ASCII encodation with digit pairs is used:
GS1 element strings are mostly digits, where it is optimal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from ._matrix import ModuleMatrix, matrix_image, matrix_svg, png_bytes
from ._rs import DATAMATRIX_RS
from ._text import hri_svg_lines, image_with_text_lines
from .gs1 import GS, validate_element_string

_AI_START = re.compile(r"(?=\(\d{2,4}\))")

FNC1 = 232
_PAD = 129
_UPPER_SHIFT = 235

Shape = Literal["square", "rectangle", "any"]


@dataclass(frozen=True, slots=True)
class SymbolSize:
    rows: int
    cols: int
    data_codewords: int
    ecc_codewords: int  # total, all blocks
    region_rows: int  # data region size (without finder / timing)
    region_cols: int
    blocks: int

    @property
    def square(self) -> bool:
        return self.rows == self.cols


# ISO/IEC 16022 table 7 (ECC 200 symbol attributes).
SYMBOL_SIZES: tuple[SymbolSize, ...] = (
    SymbolSize(10, 10, 3, 5, 8, 8, 1),
    SymbolSize(12, 12, 5, 7, 10, 10, 1),
    SymbolSize(8, 18, 5, 7, 6, 16, 1),
    SymbolSize(14, 14, 8, 10, 12, 12, 1),
    SymbolSize(8, 32, 10, 11, 6, 14, 1),
    SymbolSize(16, 16, 12, 12, 14, 14, 1),
    SymbolSize(12, 26, 16, 14, 10, 24, 1),
    SymbolSize(18, 18, 18, 14, 16, 16, 1),
    SymbolSize(20, 20, 22, 18, 18, 18, 1),
    SymbolSize(12, 36, 22, 18, 10, 16, 1),
    SymbolSize(22, 22, 30, 20, 20, 20, 1),
    SymbolSize(16, 36, 32, 24, 14, 16, 1),
    SymbolSize(24, 24, 36, 24, 22, 22, 1),
    SymbolSize(26, 26, 44, 28, 24, 24, 1),
    SymbolSize(16, 48, 49, 28, 14, 22, 1),
    SymbolSize(32, 32, 62, 36, 14, 14, 1),
    SymbolSize(36, 36, 86, 42, 16, 16, 1),
    SymbolSize(40, 40, 114, 48, 18, 18, 1),
    SymbolSize(44, 44, 144, 56, 20, 20, 1),
    SymbolSize(48, 48, 174, 68, 22, 22, 1),
    SymbolSize(52, 52, 204, 84, 24, 24, 2),
    SymbolSize(64, 64, 280, 112, 14, 14, 2),
    SymbolSize(72, 72, 368, 144, 16, 16, 4),
    SymbolSize(80, 80, 456, 192, 18, 18, 4),
    SymbolSize(88, 88, 576, 224, 20, 20, 4),
    SymbolSize(96, 96, 696, 272, 22, 22, 4),
    SymbolSize(104, 104, 816, 336, 24, 24, 6),
    SymbolSize(120, 120, 1050, 408, 18, 18, 6),
    SymbolSize(132, 132, 1304, 496, 20, 20, 8),
    SymbolSize(144, 144, 1558, 620, 22, 22, 10),
)


@dataclass(frozen=True, slots=True)
class DataMatrixSymbol:
    matrix: ModuleMatrix
    size: SymbolSize
    codewords: tuple[int, ...]  # data codewords incl. padding, before error correction


def encode_ascii(data: bytes, *, gs1: bool) -> list[int]:
    """ASCII encodation. In GS1 mode an FNC1 leads and every GS (0x1D) becomes FNC1."""
    out = [FNC1] if gs1 else []
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if 48 <= c <= 57 and i + 1 < n and 48 <= data[i + 1] <= 57:
            out.append(130 + (c - 48) * 10 + (data[i + 1] - 48))
            i += 2
            continue
        if gs1 and c == 0x1D:
            out.append(FNC1)
        elif c < 128:
            out.append(c + 1)
        else:
            out.append(_UPPER_SHIFT)
            out.append(c - 127)
        i += 1
    return out


def _pad(codewords: list[int], capacity: int) -> list[int]:
    out = list(codewords)
    if len(out) < capacity:
        out.append(_PAD)
    while len(out) < capacity:
        position = len(out) + 1
        value = _PAD + ((149 * position) % 253) + 1
        if value > 254:
            value -= 254
        out.append(value)
    return out


def _choose_size(count: int, shape: Shape) -> SymbolSize:
    for size in SYMBOL_SIZES:
        if shape == "square" and not size.square:
            continue
        if shape == "rectangle" and size.square:
            continue
        if size.data_codewords >= count:
            return size
    largest = max(s.data_codewords for s in SYMBOL_SIZES
                  if shape == "any" or s.square == (shape == "square"))
    raise ValueError(
        f"data too long for a Data Matrix ({shape}): needs {count} codewords, "
        f"the largest symbol holds {largest}"
    )


def _with_ecc(data: list[int], size: SymbolSize) -> list[int]:
    blocks = size.blocks
    ecc_per_block = size.ecc_codewords // blocks
    out = list(data) + [0] * size.ecc_codewords
    for b in range(blocks):
        block = bytes(data[b::blocks])
        ecc = DATAMATRIX_RS.ecc(block, ecc_per_block)
        for k, value in enumerate(ecc):
            out[size.data_codewords + b + k * blocks] = value
    return out


@cache
def _placement(nrow: int, ncol: int) -> tuple[tuple[int, ...], tuple[int, int]]:
    """ISO 16022 annex F module placement for a mapping matrix of nrow x ncol.

    Returns for each mapping position (row-major) ``codeword * 8 + bit`` (bit 0 = MSB), or -1
    for the unused bottom-right corner, and the fixed-pattern flags for that corner.
    """
    grid = [-2] * (nrow * ncol)  # -2: unset

    def module(row: int, col: int, chr_: int, bit: int) -> None:
        if row < 0:
            row += nrow
            col += 4 - ((nrow + 4) % 8)
        if col < 0:
            col += ncol
            row += 4 - ((ncol + 4) % 8)
        grid[row * ncol + col] = chr_ * 8 + bit - 1

    def utah(row: int, col: int, chr_: int) -> None:
        module(row - 2, col - 2, chr_, 1)
        module(row - 2, col - 1, chr_, 2)
        module(row - 1, col - 2, chr_, 3)
        module(row - 1, col - 1, chr_, 4)
        module(row - 1, col, chr_, 5)
        module(row, col - 2, chr_, 6)
        module(row, col - 1, chr_, 7)
        module(row, col, chr_, 8)

    def corner(chr_: int, cells: tuple[tuple[int, int], ...]) -> None:
        for bit, (r, c) in enumerate(cells, start=1):
            module(r, c, chr_, bit)

    corner1 = ((nrow - 1, 0), (nrow - 1, 1), (nrow - 1, 2), (0, ncol - 2), (0, ncol - 1),
               (1, ncol - 1), (2, ncol - 1), (3, ncol - 1))
    corner2 = ((nrow - 3, 0), (nrow - 2, 0), (nrow - 1, 0), (0, ncol - 4), (0, ncol - 3),
               (0, ncol - 2), (0, ncol - 1), (1, ncol - 1))
    corner3 = ((nrow - 3, 0), (nrow - 2, 0), (nrow - 1, 0), (0, ncol - 2), (0, ncol - 1),
               (1, ncol - 1), (2, ncol - 1), (3, ncol - 1))
    corner4 = ((nrow - 1, 0), (nrow - 1, ncol - 1), (0, ncol - 3), (0, ncol - 2),
               (0, ncol - 1), (1, ncol - 3), (1, ncol - 2), (1, ncol - 1))

    chr_ = 0
    row, col = 4, 0
    while True:
        if row == nrow and col == 0:
            corner(chr_, corner1)
            chr_ += 1
        if row == nrow - 2 and col == 0 and ncol % 4:
            corner(chr_, corner2)
            chr_ += 1
        if row == nrow - 2 and col == 0 and ncol % 8 == 4:
            corner(chr_, corner3)
            chr_ += 1
        if row == nrow + 4 and col == 2 and ncol % 8 == 0:
            corner(chr_, corner4)
            chr_ += 1
        while True:  # sweep up and to the right
            if row < nrow and col >= 0 and grid[row * ncol + col] == -2:
                utah(row, col, chr_)
                chr_ += 1
            row -= 2
            col += 2
            if not (row >= 0 and col < ncol):
                break
        row += 1
        col += 3
        while True:  # sweep down and to the left
            if row >= 0 and col < ncol and grid[row * ncol + col] == -2:
                utah(row, col, chr_)
                chr_ += 1
            row += 2
            col -= 2
            if not (row < nrow and col >= 0):
                break
        row += 3
        col += 1
        if not (row < nrow or col < ncol):
            break
    corner_fill = (0, 0)
    if grid[nrow * ncol - 1] == -2:
        # unused corner: fixed pattern, dark at the bottom-right and the one diagonal to it
        corner_fill = (1, 1)
    result = tuple(-1 if v == -2 else v for v in grid)
    return result, corner_fill


def _symbol_rows(size: SymbolSize, codewords: list[int]) -> tuple[str, ...]:
    rh, rw = size.region_rows, size.region_cols
    regions_v = size.rows // (rh + 2)
    regions_h = size.cols // (rw + 2)
    nrow, ncol = regions_v * rh, regions_h * rw
    order, corner_fill = _placement(nrow, ncol)
    bits = format(int.from_bytes(bytes(codewords), "big"), f"0{8 * len(codewords)}b")
    mapping = ["1" if (v >= 0 and bits[v] == "1") else "0" for v in order]
    if corner_fill == (1, 1):
        mapping[nrow * ncol - 1] = "1"
        mapping[(nrow - 2) * ncol + ncol - 2] = "1"
    rows = []
    for ry in range(regions_v):
        top = ["".join("1" if (x % (rw + 2)) % 2 == 0 else "0" for x in range(size.cols))]
        body = []
        for y in range(rh):
            line = []
            src = (ry * rh + y) * ncol
            for rx in range(regions_h):
                line.append("1")
                line.append("".join(mapping[src + rx * rw:src + rx * rw + rw]))
                line.append("1" if y % 2 == 0 else "0")
            body.append("".join(line))
        bottom = ["1" * size.cols]
        rows.extend(top + body + bottom)
    return tuple(rows)


def datamatrix(data: str | bytes, *, gs1: bool = False, shape: Shape = "square"
               ) -> DataMatrixSymbol:
    """Encode ``data`` as Data Matrix ECC 200 (smallest symbol of the given shape)."""
    raw = data.encode("latin-1") if isinstance(data, str) else bytes(data)
    codewords = encode_ascii(raw, gs1=gs1)
    size = _choose_size(len(codewords), shape)
    padded = _pad(codewords, size.data_codewords)
    rows = _symbol_rows(size, _with_ecc(padded, size))
    return DataMatrixSymbol(ModuleMatrix(rows), size, tuple(padded))


def gs1_datamatrix(element_string: str, *, shape: Shape = "square") -> DataMatrixSymbol:
    """GS1 DataMatrix for a raw element string (GS, ``\\x1d``, marks FNC1 separators)."""
    validate_element_string(element_string, max_data_chars=None)
    return datamatrix(element_string, gs1=True, shape=shape)


def gs1_datamatrix_png(element_string: str, hri: str | None = None, *, module_px: int = 8,
                       border: int = 2, shape: Shape = "square",
                       dpi: float | None = None) -> bytes:
    """PNG of a GS1 DataMatrix; ``hri`` (e.g. "(01)...(17)...") is printed below, one AI per line.

    ``border`` is the quiet zone in modules (ISO 16022 requires 1; 2 is kinder to scanners).
    """
    symbol = gs1_datamatrix(element_string, shape=shape)
    image = matrix_image(symbol.matrix, module_px=module_px, size_px=None, border=border)
    if hri:
        image = image_with_text_lines(image, _hri_lines(hri), module_px=module_px)
    return png_bytes(image, dpi)


def gs1_datamatrix_svg(element_string: str, hri: str | None = None, *, module_px: int = 8,
                       border: int = 2, shape: Shape = "square") -> bytes:
    """SVG of a GS1 DataMatrix: one path for the modules, HRI as ``<text>`` lines below."""
    symbol = gs1_datamatrix(element_string, shape=shape)
    extra, extra_height = ([], 0.0)
    if hri:
        extra, extra_height = hri_svg_lines(
            _hri_lines(hri), width=symbol.matrix.width + 2 * border,
            top=symbol.matrix.height + 2 * border)
    return matrix_svg(symbol.matrix, module_px=module_px, size_px=None, border=border,
                      extra=extra, extra_height=extra_height)


def _hri_lines(hri: str) -> list[str]:
    """Split "(01)...(17)...(10)..." into one line per AI."""
    lines = [part for part in _AI_START.split(hri.replace(GS, "")) if part]
    return lines or [hri]
