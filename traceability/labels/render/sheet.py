"""Print-ready PDF label sheets: vector QR code + product name, lot, dates and serial.

* QR modules are drawn as vectors: one path of rectangles (one per horizontal run of dark
  modules, in a module-unit coordinate system) filled once per symbol; no bitmaps.
* Text uses an embedded TrueType font with Vietnamese coverage (DejaVu Sans; see ``fonts``).
  If none is installed, reportlab's bundled Vera is used and characters it lacks are folded to
  their base letter ("Cà phê sữa" -> "Cà phê sua"), with a warning in the log.
* The text block that does not change from label to label (name, lot, dates) is drawn once into
  a Form XObject and reused; only the QR code and the serial are drawn per label.
* Pages are written to ``out`` as they are finished (see ``_pdfstream``): memory stays flat
  however many labels the iterable yields.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ._pdfstream import StreamingCanvas
from .fonts import find_font
from .qr import ErrorCorrection, qr_matrix
from .stock import LabelStock

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class LabelData:
    """What one label shows. ``qr_data`` is encoded verbatim (e.g. a GS1 Digital Link URL)."""

    qr_data: str
    product_name: str = ""
    lot: str | None = None
    production_date: date | str | None = None
    expiry_date: date | str | None = None
    serial: str | None = None
    extra_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelStyle:
    """Layout and wording; the defaults suit Vietnamese labels (NSX/HSD)."""

    caption_lot: str = "Lô"
    caption_production: str = "NSX"
    caption_expiry: str = "HSD"
    caption_serial: str = "S/N"
    date_format: str = "%d/%m/%Y"
    error_correction: ErrorCorrection = "M"
    padding_mm: float = 1.5
    qr_max_fraction: float = 0.5  # of the label width
    max_font_pt: float = 9.0
    min_font_pt: float = 4.0
    font_path: str | None = None  # regular TTF; default: fonts.find_font("regular")
    bold_font_path: str | None = None
    outline: bool = False  # thin grey label outlines, for proofs on plain paper
    title: str = "Labels"


@dataclass(frozen=True, slots=True)
class SheetResult:
    labels: int
    pages: int


# --------------------------------------------------------------------------- fonts

_font_lock = threading.Lock()
_registered: dict[str, tuple[str, frozenset[int]]] = {}


def _vera_path(bold: bool) -> str:
    import reportlab

    return os.path.join(os.path.dirname(reportlab.__file__), "fonts",
                        "VeraBd.ttf" if bold else "Vera.ttf")


def _register(path: str) -> tuple[str, frozenset[int]]:
    """Register a TTF with reportlab once per process; return its name and its characters."""
    with _font_lock:
        found = _registered.get(path)
        if found is None:
            name = f"TLFont{len(_registered) + 1}"
            font = TTFont(name, path)
            pdfmetrics.registerFont(font)
            found = (name, frozenset(font.face.charToGlyph))
            _registered[path] = found
        return found


@dataclass(frozen=True, slots=True)
class _Fonts:
    regular: str
    bold: str
    chars: frozenset[int]
    folding: bool


def _fonts(style: LabelStyle) -> _Fonts:
    regular = style.font_path or find_font("regular")
    bold = style.bold_font_path or find_font("bold") or regular
    folding = False
    if regular is None:
        log.warning(
            "no TrueType font with Vietnamese coverage found (install Debian's fonts-dejavu-core "
            "or set TRACEABILITY_LABEL_FONT_DIR); using reportlab's Vera and folding "
            "unsupported characters to their base letters"
        )
        regular, bold, folding = _vera_path(False), _vera_path(True), True
    assert bold is not None
    reg_name, reg_chars = _register(regular)
    bold_name, bold_chars = _register(bold)
    return _Fonts(reg_name, bold_name, reg_chars & bold_chars, folding)


_SPECIAL_FOLD = {"đ": "d", "Đ": "D"}


def _fold(text: str, chars: frozenset[int]) -> str:
    """NFC-normalise; replace characters the font lacks by their base letter (or '?')."""
    text = unicodedata.normalize("NFC", text)
    if all(ord(c) in chars for c in text):
        return text
    out = []
    for c in text:
        if ord(c) in chars:
            out.append(c)
            continue
        base = _SPECIAL_FOLD.get(c) or "".join(
            ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
        out.append(base if base and all(ord(b) in chars for b in base) else "?")
    return "".join(out)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class _Layout:
    width: float  # label, points
    height: float
    qr_x: float  # QR box (quiet zone included), from the label's bottom-left
    qr_y: float
    qr_size: float
    text_x: float
    text_w: float
    text_top: float
    text_bottom: float
    font_pt: float
    line_gap: float = 1.2


def _layout(stock: LabelStock, style: LabelStyle, lines: int) -> _Layout:
    w, h = stock.label_width * mm, stock.label_height * mm
    pad = style.padding_mm * mm
    qr_pad = min(pad, 0.8 * mm)  # the QR quiet zone already keeps the modules off the edge
    qr_size = min(h - 2 * qr_pad, w * style.qr_max_fraction)
    if qr_size <= 0:
        raise ValueError(f"label stock {stock.name!r} is too small for a QR code")
    text_x = qr_pad + qr_size + 0.5 * mm
    text_w = w - text_x - pad
    if text_w < 8 * mm:
        raise ValueError(
            f"label stock {stock.name!r}: only {text_w / mm:.1f} mm left for text beside the QR "
            "code; lower LabelStyle.qr_max_fraction or use a wider label"
        )
    avail = h - 2 * pad
    font_pt = max(style.min_font_pt, min(style.max_font_pt, avail / (lines * 1.2)))
    return _Layout(w, h, qr_pad, (h - qr_size) / 2, qr_size, text_x, text_w, h - pad, pad,
                   font_pt)


# --------------------------------------------------------------------------- text blocks


@dataclass(slots=True)
class _TextLine:
    font: str
    size: float
    x: float
    y: float
    text: str


@dataclass(slots=True)
class _Block:
    lines: list[_TextLine]
    serial_y: float
    size: float
    uses: int = 0
    form: str | None = None


@dataclass(slots=True)
class _Renderer:
    stock: LabelStock
    style: LabelStyle
    fonts: _Fonts
    layout: _Layout
    blocks: OrderedDict = field(default_factory=OrderedDict)
    form_counter: int = 0
    max_blocks: int = 512

    def fmt_date(self, value: date | str | None) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, date):
            return value.strftime(self.style.date_format)
        return str(value)

    def truncate(self, text: str, font: str, size: float) -> str:
        """Cut ``text`` with an ellipsis so it fits the text column at ``size``."""
        limit = self.layout.text_w
        if pdfmetrics.stringWidth(text, font, size) <= limit:
            return text
        while text and pdfmetrics.stringWidth(text.rstrip() + "…", font, size) > limit:
            text = text[:-1]
        return text.rstrip() + "…"

    def fit(self, text: str, font: str, size: float) -> tuple[str, float]:
        """Shrink to fit the text column (down to min_font_pt), then cut with an ellipsis."""
        width = pdfmetrics.stringWidth(text, font, size)
        limit = self.layout.text_w
        if width <= limit:
            return text, size
        smaller = max(self.style.min_font_pt, size * limit / width * 0.995)
        return self.truncate(text, font, smaller), smaller

    def wrap_name(self, name: str, size: float) -> tuple[list[str], float]:
        """Word-wrap into at most two lines, shrinking down to 70 %, then cutting."""
        font = self.fonts.bold
        limit = self.layout.text_w
        words = name.split()
        lines: list[str] = []
        trial = size
        for trial in (size, size * 0.9, size * 0.8, max(self.style.min_font_pt, size * 0.7)):
            lines = []
            current = ""
            for word in words:
                candidate = f"{current} {word}".strip()
                if not current or pdfmetrics.stringWidth(candidate, font, trial) <= limit:
                    current = candidate
                else:
                    lines.append(current)
                    current = word
            if current:
                lines.append(current)
            if len(lines) <= 2 and all(
                    pdfmetrics.stringWidth(line, font, trial) <= limit for line in lines):
                return lines, trial
        first = self.truncate(lines[0], font, trial)
        if len(lines) == 1:
            return [first], trial
        return [first, self.truncate(" ".join(lines[1:]), font, trial)], trial

    def block(self, label: LabelData) -> _Block:
        key = (label.product_name, label.lot, label.production_date, label.expiry_date,
               label.extra_lines, bool(label.serial))
        found = self.blocks.get(key)
        if found is not None:
            self.blocks.move_to_end(key)
            return found
        style, lay, fonts = self.style, self.layout, self.fonts
        size = lay.font_pt
        name_lines: list[str] = []
        if label.product_name:
            name_lines, size = self.wrap_name(_fold(label.product_name, fonts.chars), size)
        # one size for the whole block (the name's, which may have shrunk to fit two lines)
        pitch = size * lay.line_gap
        info = []
        if label.lot:
            info.append(f"{style.caption_lot}: {label.lot}")
        production = self.fmt_date(label.production_date)
        if production:
            info.append(f"{style.caption_production}: {production}")
        expiry = self.fmt_date(label.expiry_date)
        if expiry:
            info.append(f"{style.caption_expiry}: {expiry}")
        info.extend(label.extra_lines)
        # centre the block (serial line included) vertically in the text area
        count = len(name_lines) + len(info) + (1 if label.serial else 0)
        spare = max(0.0, (lay.text_top - lay.text_bottom) - count * pitch)
        y = lay.text_top - spare / 2 - 0.8 * size - (pitch - size) / 2
        lines: list[_TextLine] = []
        for text in name_lines:
            lines.append(_TextLine(fonts.bold, size, lay.text_x, y, text))
            y -= pitch
        for raw in info:
            text, line_size = self.fit(_fold(raw, fonts.chars), fonts.regular, size)
            lines.append(_TextLine(fonts.regular, line_size, lay.text_x, y, text))
            y -= pitch
        found = _Block(lines, y, size)
        self.blocks[key] = found
        if len(self.blocks) > self.max_blocks:
            self.blocks.popitem(last=False)
        return found


def _draw_lines(canvas: StreamingCanvas, lines: list[_TextLine]) -> None:
    current = None
    for line in lines:
        if (line.font, line.size) != current:
            canvas.setFont(line.font, line.size)
            current = (line.font, line.size)
        canvas.drawString(line.x, line.y, line.text)


_RUN = re.compile("1+")
_span = re.Match.span
# (start, end) of a run in the joined matrix string -> its "x y w 1 re" operator, per stride.
# Only small symbols are cached (Digital Links are versions 3-7), which bounds the memory.
_OP_CACHE: dict[int, dict[tuple[int, int], str]] = {}
_OP_CACHE_MAX_STRIDE = 62  # version 10


def _qr_path(rows: tuple[str, ...]) -> str:
    """``re`` operators for every horizontal dark run, in module units, y growing downwards."""
    stride = len(rows) + 1
    joined = "0".join(rows)
    cache = _OP_CACHE.get(stride)
    if cache is None:
        cache = {} if stride <= _OP_CACHE_MAX_STRIDE else None
        if cache is not None:
            _OP_CACHE[stride] = cache
    ops = []
    append = ops.append
    for span in map(_span, _RUN.finditer(joined)):
        op = cache.get(span) if cache is not None else None
        if op is None:
            start, end = span
            y, x = divmod(start, stride)
            op = f"{x} {y} {end - start} 1 re"
            if cache is not None:
                cache[span] = op
        append(op)
    return "\n".join(ops)


def render_label_sheet(labels: Iterable[LabelData], stock: LabelStock, out: BinaryIO,
                       progress: ProgressCallback | None = None, *,
                       style: LabelStyle | None = None) -> SheetResult:
    """Write a PDF of ``labels`` laid out on ``stock`` to the binary file ``out``.

    Pages are written as they fill up; ``labels`` may be a generator of any length.
    ``progress(labels_done, pages_done)`` is called after each page is written.
    Returns the number of labels and pages. An empty iterable gives one blank page.
    """
    style = style or LabelStyle()
    fonts = _fonts(style)
    # name (2) + lot + production + expiry + serial
    layout = _layout(stock, style, lines=6)
    renderer = _Renderer(stock, style, fonts, layout)
    page_w, page_h = stock.page_width * mm, stock.page_height * mm
    canvas = StreamingCanvas(out, pagesize=(page_w, page_h), initialFontName=fonts.regular)
    canvas.setTitle(style.title)
    canvas.setCreator("traceability.labels.render")
    per_page = stock.per_page
    origins = []
    for index in range(per_page):
        left, top = stock.label_origin(index)
        origins.append((left * mm, page_h - top * mm - layout.height))
    ec = style.error_correction
    qr_inner = layout.qr_size
    slot = 0
    count = 0
    pages = 0
    for label in labels:
        ox, oy = origins[slot]
        if slot == 0 and style.outline:
            _draw_outlines(canvas, origins, layout)
        symbol = qr_matrix(label.qr_data, error_correction=ec)
        modules = symbol.size + 8
        m = qr_inner / modules
        x0 = ox + layout.qr_x + 4 * m
        y0 = oy + layout.qr_y + qr_inner - 4 * m
        canvas.addLiteral(f"q {m:.6f} 0 0 {-m:.6f} {x0:.4f} {y0:.4f} cm\n"
                          f"{_qr_path(symbol.matrix.rows)}\nf Q")
        block = renderer.block(label)
        if block.form is not None:
            canvas.saveState()
            canvas.translate(ox, oy)
            canvas.doForm(block.form)
            canvas.restoreState()
        elif block.uses >= 1:
            renderer.form_counter += 1
            block.form = f"lbl{renderer.form_counter}"
            canvas.beginForm(block.form, 0, 0, layout.width, layout.height)
            _draw_lines(canvas, block.lines)
            canvas.endForm()
            canvas.saveState()
            canvas.translate(ox, oy)
            canvas.doForm(block.form)
            canvas.restoreState()
        else:
            canvas.saveState()
            canvas.translate(ox, oy)
            _draw_lines(canvas, block.lines)
            canvas.restoreState()
        block.uses += 1
        if label.serial:
            text, size = renderer.fit(
                _fold(f"{style.caption_serial}: {label.serial}", fonts.chars), fonts.regular,
                block.size)
            canvas.setFont(fonts.regular, size)
            canvas.drawString(ox + layout.text_x, oy + block.serial_y, text)
        count += 1
        slot += 1
        if slot == per_page:
            canvas.showPage()
            pages += 1
            slot = 0
            if progress is not None:
                progress(count, pages)
    if slot or pages == 0:
        if pages == 0 and count == 0 and style.outline:
            _draw_outlines(canvas, origins, layout)
        canvas.showPage()
        pages += 1
        if progress is not None:
            progress(count, pages)
    canvas.save()
    return SheetResult(count, pages)


def _draw_outlines(canvas: StreamingCanvas, origins: list[tuple[float, float]],
                   layout: _Layout) -> None:
    canvas.saveState()
    canvas.setStrokeGray(0.75)
    canvas.setLineWidth(0.25)
    for ox, oy in origins:
        canvas.rect(ox, oy, layout.width, layout.height, stroke=1, fill=0)
    canvas.restoreState()
