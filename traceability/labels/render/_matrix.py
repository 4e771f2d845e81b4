"""Module matrices (QR, Data Matrix) and their PNG / SVG output."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from PIL import Image

_RUN = re.compile("1+")
# '1' (dark) -> 0x00, '0' (light) -> 0xFF, for 8-bit greyscale rows
_TO_GREY = bytes.maketrans(b"01", b"\xff\x00")


@dataclass(frozen=True, slots=True)
class ModuleMatrix:
    """A 2D symbol without quiet zone: ``rows[y][x] == "1"`` is a dark module."""

    rows: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    def is_dark(self, x: int, y: int) -> bool:
        return self.rows[y][x] == "1"

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """Horizontal runs of dark modules as ``(x, y, length)``, top row first."""
        for y, row in enumerate(self.rows):
            for match in _RUN.finditer(row):
                start, end = match.span()
                yield start, y, end - start


def module_scale(modules: int, module_px: int | None, size_px: int | None) -> tuple[int, int]:
    """Pixels per module and total image side for a symbol ``modules`` wide incl. quiet zone.

    With ``size_px`` the largest whole module size that fits is used and the remaining pixels
    widen the quiet zone, so modules stay crisp and the image is exactly ``size_px``.
    """
    if size_px is not None:
        if size_px < modules:
            raise ValueError(
                f"size_px={size_px} is too small: the symbol needs at least {modules} pixels "
                "(one per module, quiet zone included)"
            )
        return size_px // modules, size_px
    if module_px is None:
        module_px = 10
    if module_px < 1:
        raise ValueError(f"module_px must be >= 1, got {module_px}")
    return module_px, module_px * modules


def matrix_image(matrix: ModuleMatrix, *, module_px: int | None, size_px: int | None,
                 border: int) -> Image.Image:
    """1-bit image of the matrix with a light quiet zone of ``border`` modules."""
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}")
    w, h = matrix.width, matrix.height
    px, side_w = module_scale(w + 2 * border, module_px, size_px)
    side_h = px * (h + 2 * border) + (side_w - px * (w + 2 * border))
    grey = "".join(matrix.rows).encode("ascii").translate(_TO_GREY)
    small = Image.frombytes("L", (w, h), grey)
    if px != 1:
        small = small.resize((w * px, h * px), Image.Resampling.NEAREST)
    canvas = Image.new("L", (side_w, side_h), 255)
    canvas.paste(small, ((side_w - w * px) // 2, (side_h - h * px) // 2))
    return canvas.convert("1", dither=Image.Dither.NONE)


def png_bytes(image: Image.Image, dpi: float | None = None) -> bytes:
    buf = io.BytesIO()
    if dpi:
        image.save(buf, format="PNG", optimize=False, dpi=(dpi, dpi))
    else:
        image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def matrix_svg(matrix: ModuleMatrix, *, module_px: int | None, size_px: int | None, border: int,
               extra: Sequence[str] = (), extra_height: float = 0.0) -> bytes:
    """Compact SVG: one background rect and ONE path holding every dark run.

    Coordinates are in modules (``viewBox``); ``width``/``height`` give the pixel size.
    ``extra`` elements (e.g. HRI text) are appended, drawn below the quiet zone in an area
    ``extra_height`` modules tall.
    """
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}")
    w, h = matrix.width, matrix.height
    px, side = module_scale(w + 2 * border, module_px, size_px)
    scale = side / (w + 2 * border)
    vb_w = w + 2 * border
    vb_h = h + 2 * border + extra_height
    parts = [f"M{x + border} {y + border}h{n}v1h-{n}z" for x, y, n in matrix.runs()]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(vb_w * scale)}" '
        f'height="{_num(vb_h * scale)}" viewBox="0 0 {_num(vb_w)} {_num(vb_h)}">',
        f'<rect width="{_num(vb_w)}" height="{_num(vb_h)}" fill="#fff"/>',
        f'<path fill="#000" shape-rendering="crispEdges" d="{"".join(parts)}"/>',
        *extra,
        "</svg>\n",
    ]
    return "".join(out).encode("utf-8")


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def xml_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
