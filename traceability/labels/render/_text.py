"""Human-readable text for raster (Pillow) and SVG output."""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw, ImageFont

from ._matrix import _num, xml_escape
from .fonts import find_font

SVG_FONT_FAMILY = "'OCR-B', 'DejaVu Sans Mono', 'Liberation Mono', monospace"
# Advance width of a DejaVu Sans Mono glyph, in em.
MONO_ADVANCE = 0.602


@cache
def pil_font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_font("mono")
    if path:
        return ImageFont.truetype(path, size_px)
    return ImageFont.load_default(size_px)


def fit_font(lines: list[str], max_width: float, preferred_px: int
             ) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Largest font <= preferred_px in which every line is at most max_width wide."""
    size = max(6, preferred_px)
    while size > 6:
        font = pil_font(size)
        if all(font.getlength(line) <= max_width for line in lines):
            return font
        size -= 1
    return pil_font(6)


def image_with_text_lines(image: Image.Image, lines: list[str], *, module_px: int
                          ) -> Image.Image:
    """Append centred text lines below a (1-bit) symbol image."""
    width = image.width
    font = fit_font(lines, width * 0.96, max(10, int(module_px * 2.2)))
    size = int(getattr(font, "size", 10))
    line_h = int(size * 1.25)
    extra = line_h * len(lines) + module_px
    out = Image.new("L", (width, image.height + extra), 255)
    out.paste(image.convert("L"), (0, 0))
    draw = ImageDraw.Draw(out)
    y = image.height
    for line in lines:
        draw.text((width / 2, y + line_h - size * 0.25), line, font=font, fill=0, anchor="ms")
        y += line_h
    return out.convert("1", dither=Image.Dither.NONE)


def hri_svg_lines(lines: list[str], *, width: float, top: float) -> tuple[list[str], float]:
    """``<text>`` elements (monospace, centred) below ``top``; returns them and their height."""
    longest = max(len(line) for line in lines)
    size = min(2.2, width * 0.96 / (MONO_ADVANCE * longest)) if longest else 2.2
    line_h = size * 1.25
    out = []
    y = top
    for line in lines:
        y += line_h
        out.append(
            f'<text x="{_num(width / 2)}" y="{_num(y - size * 0.25)}" '
            f'font-family="{SVG_FONT_FAMILY}" font-size="{_num(size)}" '
            f'text-anchor="middle" fill="#000">{xml_escape(line)}</text>'
        )
    return out, line_h * len(lines) + 1
