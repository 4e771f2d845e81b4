"""QR Code (ISO/IEC 18004) encoder tuned for printing many GS1 Digital Links quickly.

Why not just ``qrcode``: building one matrix with the ``qrcode`` package costs ~4 ms (it redraws
the whole symbol in Python lists for each of the 8 masks). Here the symbol is a single Python
integer (one bit per module, rows separated by a zero padding bit), so masking is one XOR and
the ISO penalty rules are a few dozen big-integer shifts/ANDs. Everything that depends only
on the version (function patterns, data module order, mask bits) is computed once and cached.

The output is bit-for-bit what ``qrcode`` produces for the same segments and version (same mask
penalty rules, including its choice to score masks with the format/version areas left light);
the tests check this. Segmentation is optimal over numeric/alphanumeric/byte modes, so the
content is exactly the input string, in the smallest version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Literal

from ._matrix import ModuleMatrix, matrix_image, matrix_svg, png_bytes
from ._rs import QR_RS

ErrorCorrection = Literal["L", "M", "Q", "H"]

# Error correction codewords per block and number of blocks, versions 1..40
# (ISO/IEC 18004 table 9; checked against qrcode's RS_BLOCK_TABLE in the tests).
_ECC_PER_BLOCK = {
    "L": (7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
          28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
          26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
          28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
          30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}
_NUM_BLOCKS = {
    "L": (1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
          8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
          17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
          23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
          25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}
_EC_FORMAT_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}

# Modes: 0 numeric, 1 alphanumeric, 2 byte
NUMERIC, ALPHANUMERIC, BYTE = 0, 1, 2
MODE_NAMES = ("numeric", "alphanumeric", "byte")
_MODE_INDICATOR = (0b0001, 0b0010, 0b0100)
# Character count indicator bits per mode for versions 1-9, 10-26, 27-40.
_COUNT_BITS = ((10, 9, 8), (12, 11, 16), (14, 13, 16))
_VERSION_GROUPS = ((1, 9), (10, 26), (27, 40))

ALPHANUMERIC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM_VALUE = {ord(c): i for i, c in enumerate(ALPHANUMERIC_CHARS)}
# Runs of digits, of other alphanumeric characters, of anything else (bytes).
_CLASS_RUNS = re.compile(rb"([0-9]+)|([A-Z $%*+\-./:]+)|([^0-9A-Z $%*+\-./:]+)")


@dataclass(frozen=True, slots=True)
class Segment:
    mode: int
    data: bytes

    @property
    def mode_name(self) -> str:
        return MODE_NAMES[self.mode]


@dataclass(frozen=True, slots=True)
class QRSymbol:
    matrix: ModuleMatrix
    version: int
    error_correction: str
    mask: int
    segments: tuple[Segment, ...]

    @property
    def size(self) -> int:
        return self.matrix.width


def _check_ec(error_correction: str) -> str:
    ec = str(error_correction).upper()
    if ec not in _EC_FORMAT_BITS:
        raise ValueError(f"error_correction must be one of L, M, Q, H; got {error_correction!r}")
    return ec


# --------------------------------------------------------------------------- capacity


def _raw_data_modules(version: int) -> int:
    result = (16 * version + 128) * version + 64
    if version >= 2:
        num_align = version // 7 + 2
        result -= (25 * num_align - 10) * num_align - 55
        if version >= 7:
            result -= 36
    return result


def data_codewords(version: int, ec: str) -> int:
    """Number of data (non-EC) codewords of a symbol."""
    i = version - 1
    return _raw_data_modules(version) // 8 - _ECC_PER_BLOCK[ec][i] * _NUM_BLOCKS[ec][i]


# --------------------------------------------------------------------------- segmentation


def _segment_bits(mode: int, length: int) -> int:
    """Payload bits (without mode/count header) of ``length`` characters in ``mode``."""
    if mode == NUMERIC:
        return 10 * (length // 3) + (0, 4, 7)[length % 3]
    if mode == ALPHANUMERIC:
        return 11 * (length // 2) + 6 * (length % 2)
    return 8 * length


def _optimal_segments(data: bytes, group: int) -> tuple[list[Segment], int]:
    """Minimal-length segmentation (numeric/alphanumeric/byte) for one version group.

    Works on runs of one character class (digits, other alphanumerics, anything else): within
    such a run the cost per character is constant, so switching modes only pays off at run
    boundaries. Costs are in half bits so alphanumeric's 5.5 bits per character stay exact.
    """
    bits_n, bits_a, bits_b = _COUNT_BITS[group]
    head_n, head_a, head_b = 2 * (4 + bits_n), 2 * (4 + bits_a), 2 * (4 + bits_b)
    runs = [(NUMERIC if m.lastindex == 1 else (ALPHANUMERIC if m.lastindex == 2 else BYTE),
             m.start(), m.end()) for m in _CLASS_RUNS.finditer(data)]
    if not runs:
        return [], 0
    inf = 1 << 60
    # best cost with the open segment in mode N / A / B, and the segment chain as linked
    # tuples (previous chain, mode, first run index).
    cost_n = cost_a = cost_b = inf
    path_n = path_a = path_b = None
    for index, (cls, start, end) in enumerate(runs):
        length = end - start
        if index == 0:
            closed, closed_path = 0, None
        else:
            closed, closed_path = cost_n, path_n
            if cost_a < closed:
                closed, closed_path = cost_a, path_a
            if cost_b < closed:
                closed, closed_path = cost_b, path_b
            closed = (closed + 1) // 2 * 2  # the open segment ends on a whole bit
        per_b = 16 * length
        new_b = closed + head_b + per_b
        cont_b = cost_b + per_b
        if cont_b <= new_b:
            next_b, next_path_b = cont_b, path_b
        else:
            next_b, next_path_b = new_b, (closed_path, BYTE, index)
        if cls <= ALPHANUMERIC:
            per_a = 11 * length
            new_a = closed + head_a + per_a
            cont_a = cost_a + per_a
            if cont_a <= new_a:
                next_a, next_path_a = cont_a, path_a
            else:
                next_a, next_path_a = new_a, (closed_path, ALPHANUMERIC, index)
        else:
            next_a, next_path_a = inf, None
        if cls == NUMERIC:
            next_n = closed + head_n + 2 * _segment_bits(NUMERIC, length)
            next_path_n = (closed_path, NUMERIC, index)
        else:
            next_n, next_path_n = inf, None
        cost_n, cost_a, cost_b = next_n, next_a, next_b
        path_n, path_a, path_b = next_path_n, next_path_a, next_path_b
    path = path_n
    best = cost_n
    if cost_a < best:
        best, path = cost_a, path_a
    if cost_b < best:
        path = path_b
    chain = []
    while path is not None:
        path, mode, first = path
        chain.append((mode, first))
    chain.reverse()
    segments = []
    count_bits = (bits_n, bits_a, bits_b)
    total = 0
    for k, (mode, first) in enumerate(chain):
        last = chain[k + 1][1] if k + 1 < len(chain) else len(runs)
        chunk = data[runs[first][1]:runs[last - 1][2]]
        segments.append(Segment(mode, chunk))
        total += 4 + count_bits[mode] + _segment_bits(mode, len(chunk))
    return segments, total


def segments_bits(segments: list[Segment], version: int) -> int:
    group = 0 if version <= 9 else (1 if version <= 26 else 2)
    count_bits = _COUNT_BITS[group]
    return sum(4 + count_bits[s.mode] + _segment_bits(s.mode, len(s.data)) for s in segments)


def _choose_version(data: bytes, ec: str, min_version: int) -> tuple[int, list[Segment]]:
    for group, (low, high) in enumerate(_VERSION_GROUPS):
        if high < min_version:
            continue
        segments, bits = _optimal_segments(data, group)
        for version in range(max(low, min_version), high + 1):
            if bits <= data_codewords(version, ec) * 8:
                return version, segments
    raise ValueError(
        f"data too long for a QR Code at error correction {ec}: {len(data)} bytes "
        f"(version 40-{ec} holds at most {data_codewords(40, ec)} data codewords)"
    )


def _encode_data(segments: list[Segment], version: int, ec: str) -> bytes:
    group = 0 if version <= 9 else (1 if version <= 26 else 2)
    count_bits = _COUNT_BITS[group]
    acc = 0
    nbits = 0
    for seg in segments:
        data = seg.data
        n = len(data)
        acc = (acc << 4) | _MODE_INDICATOR[seg.mode]
        acc = (acc << count_bits[seg.mode]) | n
        nbits += 4 + count_bits[seg.mode]
        if seg.mode == NUMERIC:
            for i in range(0, n - 2, 3):
                acc = (acc << 10) | int(data[i:i + 3])
            rest = n % 3
            if rest:
                acc = (acc << (3 * rest + 1)) | int(data[n - rest:])
        elif seg.mode == ALPHANUMERIC:
            values = [_ALNUM_VALUE[b] for b in data]
            for i in range(0, n - 1, 2):
                acc = (acc << 11) | (values[i] * 45 + values[i + 1])
            if n % 2:
                acc = (acc << 6) | values[-1]
        else:
            acc = (acc << (8 * n)) | int.from_bytes(data, "big")
        nbits += _segment_bits(seg.mode, n)
    capacity = data_codewords(version, ec) * 8
    if nbits > capacity:
        raise ValueError("segments do not fit the chosen version")
    terminator = min(4, capacity - nbits)
    acc <<= terminator
    nbits += terminator
    pad = -nbits % 8
    acc <<= pad
    nbits += pad
    out = bytearray(acc.to_bytes(nbits // 8, "big"))
    pad_byte = 0xEC
    while len(out) < capacity // 8:
        out.append(pad_byte)
        pad_byte ^= 0xEC ^ 0x11
    return bytes(out)


def _add_ecc(data: bytes, version: int, ec: str) -> bytes:
    num_blocks = _NUM_BLOCKS[ec][version - 1]
    ecc_len = _ECC_PER_BLOCK[ec][version - 1]
    raw = _raw_data_modules(version) // 8
    num_short = num_blocks - raw % num_blocks
    short_len = raw // num_blocks - ecc_len
    blocks = []
    eccs = []
    k = 0
    for i in range(num_blocks):
        size = short_len + (0 if i < num_short else 1)
        block = data[k:k + size]
        k += size
        blocks.append(block)
        eccs.append(QR_RS.ecc(block, ecc_len))
    out = bytearray()
    for i in range(short_len + 1):
        for block in blocks:
            if i < len(block):
                out.append(block[i])
    for i in range(ecc_len):
        for code in eccs:
            out.append(code[i])
    return bytes(out)


# --------------------------------------------------------------------------- layout


def alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    size = version * 4 + 17
    num_align = version // 7 + 2
    step = (version * 8 + num_align * 3 + 5) // (num_align * 4 - 4) * 2
    result = [size - 7 - i * step for i in range(num_align - 1)]
    return [6, *reversed(result)]


def _format_bits(ec: str, mask: int) -> int:
    data = (_EC_FORMAT_BITS[ec] << 3) | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return ((data << 10) | rem) ^ 0x5412


def _version_bits(version: int) -> int:
    rem = version
    for _ in range(12):
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
    return (version << 12) | rem


_MASKS = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


class _Layout:
    """Everything about a version that does not depend on the data.

    The symbol is handled as one integer: module (x, y) is character ``y * stride + x`` of a
    '0'/'1' string (stride = size + 1; the extra column stays 0 so horizontal shifts never
    carry from one row into the next), and that string read as a binary number.
    """

    def __init__(self, version: int) -> None:
        size = version * 4 + 17
        stride = size + 1
        self.version = version
        self.size = size
        self.stride = stride
        self.length = size * stride
        dark = [[False] * size for _ in range(size)]
        func = [[False] * size for _ in range(size)]

        def put(x: int, y: int, value: bool) -> None:
            dark[y][x] = value
            func[y][x] = True

        for i in range(size):
            put(6, i, i % 2 == 0)
            put(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < size and 0 <= y < size:
                        put(x, y, max(abs(dx), abs(dy)) not in (2, 4))
        positions = alignment_positions(version)
        last = len(positions) - 1
        for i, ax in enumerate(positions):
            for j, ay in enumerate(positions):
                if (i, j) in ((0, 0), (0, last), (last, 0)):
                    continue
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        put(ax + dx, ay + dy, max(abs(dx), abs(dy)) != 1)
        function_dark = self._pack(dark)
        # Format information (both copies) and the always-dark module: reserved; their values
        # depend on EC level and mask and are OR-ed in at the end.
        fmt_cells = self._format_cells()
        for x, y, _ in fmt_cells:
            func[y][x] = True
        func[size - 8][8] = True
        self._format_cells_list = fmt_cells
        version_int = 0
        if version >= 7:
            bits = _version_bits(version)
            vdark = [[False] * size for _ in range(size)]
            for i in range(18):
                bit = (bits >> i) & 1 == 1
                a, b = size - 11 + i % 3, i // 3
                func[b][a] = func[a][b] = True
                vdark[b][a] = vdark[a][b] = bit
            version_int = self._pack(vdark)
        # Data modules in placement order (zig-zag column pairs from the bottom right).
        order = []
        right = size - 1
        while right >= 1:
            if right == 6:
                right = 5
            upward = ((right + 1) & 2) == 0
            for vert in range(size):
                y = size - 1 - vert if upward else vert
                for x in (right, right - 1):
                    if not func[y][x]:
                        order.append(y * stride + x)
            right -= 2
        self.data_positions = order
        self.total_codewords = _raw_data_modules(version) // 8
        nbits = self.total_codewords * 8
        # gather[p]: index of the codeword-stream bit that lands on string position p, or
        # ``nbits`` (a '0' sentinel) for function modules, padding and remainder bits.
        gather = [nbits] * self.length
        for i, p in enumerate(order[:nbits]):
            gather[p] = i
        self.gather = itemgetter(*gather)
        self.nbits = nbits
        self.function_dark = function_dark
        self.version_int = version_int
        valid = [[True] * size for _ in range(size)]
        self.valid = self._pack(valid)
        self.dark_module = self._bit(8, size - 8)
        self.masks = []
        for mask_fn in _MASKS:
            grid = [[False] * size for _ in range(size)]
            for y in range(size):
                for x in range(size):
                    if not func[y][x] and mask_fn(x, y):
                        grid[y][x] = True
            self.masks.append(self._pack(grid))
        self._format_ints: dict[tuple[str, int], int] = {}

    def _bit(self, x: int, y: int) -> int:
        return 1 << (self.length - 1 - (y * self.stride + x))

    def _pack(self, grid: list[list[bool]]) -> int:
        chars = []
        for row in grid:
            chars.extend("1" if v else "0" for v in row)
            chars.append("0")
        return int("".join(chars), 2)

    def _format_cells(self) -> list[tuple[int, int, int]]:
        size = self.size
        cells = []
        for i in range(6):
            cells.append((8, i, i))
        cells += [(8, 7, 6), (8, 8, 7), (7, 8, 8)]
        for i in range(9, 15):
            cells.append((14 - i, 8, i))
        for i in range(8):
            cells.append((size - 1 - i, 8, i))
        for i in range(8, 15):
            cells.append((8, size - 15 + i, i))
        return cells

    def format_int(self, ec: str, mask: int) -> int:
        key = (ec, mask)
        value = self._format_ints.get(key)
        if value is None:
            bits = _format_bits(ec, mask)
            value = self.dark_module
            for x, y, i in self._format_cells_list:
                if (bits >> i) & 1:
                    value |= self._bit(x, y)
            self._format_ints[key] = value
        return value


@cache
def _layout(version: int) -> _Layout:
    return _Layout(version)


def _runs_penalty(bits: int, shift: int) -> int:
    # a5: a run of >= 5 equal modules starts at this bit; each run of length k has k - 4
    # such bits and costs 3 + (k - 5) = (k - 4) + 2.
    a2 = bits & (bits >> shift)
    a5 = a2 & (a2 >> (2 * shift)) & (bits >> (4 * shift))
    if not a5:
        return 0
    starts = a5 & ~(bits << shift)
    return a5.bit_count() + 2 * starts.bit_count()


def _finder_like(dark: int, light: int, s: int) -> int:
    # 1:1:3:1:1 pattern (1011101) with four light modules before or after it.
    core = (dark & (light >> s) & (dark >> 2 * s) & (dark >> 3 * s) & (dark >> 4 * s)
            & (light >> 5 * s) & (dark >> 6 * s))
    if not core:
        return 0
    light4 = light & (light >> s) & (light >> 2 * s) & (light >> 3 * s)
    return (core & (light4 >> 7 * s)).bit_count() + (light4 & (core >> 4 * s)).bit_count()


def _penalty(dark: int, layout: _Layout) -> int:
    light = layout.valid & ~dark
    w = layout.stride
    score = (_runs_penalty(dark, 1) + _runs_penalty(light, 1)
             + _runs_penalty(dark, w) + _runs_penalty(light, w))
    blocks = (dark & (dark >> 1) & (dark >> w) & (dark >> (w + 1))).bit_count()
    blocks += (light & (light >> 1) & (light >> w) & (light >> (w + 1))).bit_count()
    score += 3 * blocks
    score += 40 * (_finder_like(dark, light, 1) + _finder_like(dark, light, w))
    size = layout.size
    percent = float(dark.bit_count()) / (size * size)
    score += int(abs(percent * 100 - 50) / 5) * 10
    return score


def _to_bytes(data: str | bytes) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    raise TypeError(f"QR data must be str or bytes, not {type(data).__name__}")


def qr_matrix(data: str | bytes, *, error_correction: ErrorCorrection = "M",
              min_version: int = 1, mask: int | None = None) -> QRSymbol:
    """Encode ``data`` (a str is encoded as UTF-8, no ECI) into a QR Code symbol.

    The smallest version >= ``min_version`` that holds the data at the requested error
    correction level is used. ``mask`` forces a mask pattern (0-7); by default the one with the
    lowest ISO 18004 penalty is chosen.
    """
    ec = _check_ec(error_correction)
    if not 1 <= min_version <= 40:
        raise ValueError(f"min_version must be in 1..40, got {min_version}")
    if mask is not None and not 0 <= mask <= 7:
        raise ValueError(f"mask must be in 0..7, got {mask}")
    raw = _to_bytes(data)
    if not raw:
        raise ValueError("QR data must not be empty")
    version, segments = _choose_version(raw, ec, min_version)
    return _build(segments, version, ec, mask)


def qr_from_segments(segments: list[Segment], version: int, *,
                     error_correction: ErrorCorrection = "M",
                     mask: int | None = None) -> QRSymbol:
    """Build a symbol from explicit segments and version (used by tests and tools)."""
    ec = _check_ec(error_correction)
    return _build(list(segments), version, ec, mask)


def _build(segments: list[Segment], version: int, ec: str, mask: int | None) -> QRSymbol:
    layout = _layout(version)
    codewords = _add_ecc(_encode_data(segments, version, ec), version, ec)
    stream = format(int.from_bytes(codewords, "big"), f"0{layout.nbits}b") + "0"
    data_bits = int("".join(layout.gather(stream)), 2)
    base = layout.function_dark
    if mask is None:
        best_score = -1
        for k, mask_bits in enumerate(layout.masks):
            score = _penalty(base | (data_bits ^ mask_bits), layout)
            if best_score < 0 or score < best_score:
                best_score, mask = score, k
    assert mask is not None
    final = (base | (data_bits ^ layout.masks[mask]) | layout.format_int(ec, mask)
             | layout.version_int)
    text = format(final, f"0{layout.length}b")
    size, stride = layout.size, layout.stride
    rows = tuple(text[y * stride:y * stride + size] for y in range(size))
    return QRSymbol(ModuleMatrix(rows), version, ec, mask, tuple(segments))


def qr_png(data: str | bytes, *, error_correction: ErrorCorrection = "M",
           module_px: int | None = None, size_px: int | None = None, border: int = 4,
           dpi: float | None = None) -> bytes:
    """PNG (1-bit) of the QR Code for ``data``.

    Size: ``module_px`` pixels per module (default 10), or ``size_px`` for an exact image side
    (the largest whole module size that fits; leftover pixels widen the quiet zone).
    ``border`` is the quiet zone in modules (4 per ISO 18004).
    """
    symbol = qr_matrix(data, error_correction=error_correction)
    image = matrix_image(symbol.matrix, module_px=module_px, size_px=size_px, border=border)
    return png_bytes(image, dpi)


def qr_svg(data: str | bytes, *, error_correction: ErrorCorrection = "M",
           module_px: int | None = None, size_px: int | None = None, border: int = 4) -> bytes:
    """SVG of the QR Code: one ``<path>`` for all dark modules (viewBox in modules)."""
    symbol = qr_matrix(data, error_correction=error_correction)
    return matrix_svg(symbol.matrix, module_px=module_px, size_px=size_px, border=border)
