"""Label stocks: page size and the grid of labels on it, in millimetres."""

from __future__ import annotations

from dataclasses import dataclass

# Tolerance for "fits on the page" checks; label makers round their dimensions to 0.1 mm.
_EPS = 0.01

A4 = (210.0, 297.0)


@dataclass(frozen=True, slots=True)
class LabelStock:
    """A sheet (or roll) of identical labels laid out in a grid.

    ``margin_left``/``margin_top`` are from the page's top-left corner to the first label;
    ``gap_x``/``gap_y`` are the spaces between neighbouring labels (pitch minus size).
    A roll is a page of one label (``columns = rows = 1``, page = label size).
    """

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    description: str = ""

    def __post_init__(self) -> None:
        for attr in ("page_width", "page_height", "label_width", "label_height"):
            value = getattr(self, attr)
            if not value > 0:
                raise ValueError(f"label stock {self.name!r}: {attr} must be > 0 mm, got {value}")
        for attr in ("margin_left", "margin_top", "gap_x", "gap_y"):
            value = getattr(self, attr)
            if value < 0:
                raise ValueError(f"label stock {self.name!r}: {attr} must be >= 0 mm, got {value}")
        for attr in ("columns", "rows"):
            value = getattr(self, attr)
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"label stock {self.name!r}: {attr} must be a whole number >= 1, got {value!r}"
                )
        used_w = (self.margin_left + self.columns * self.label_width
                  + (self.columns - 1) * self.gap_x)
        if used_w > self.page_width + _EPS:
            raise ValueError(
                f"label stock {self.name!r}: {self.columns} columns of {self.label_width:g} mm "
                f"with {self.gap_x:g} mm gaps and a {self.margin_left:g} mm left margin need "
                f"{used_w:g} mm, but the page is only {self.page_width:g} mm wide"
            )
        used_h = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if used_h > self.page_height + _EPS:
            raise ValueError(
                f"label stock {self.name!r}: {self.rows} rows of {self.label_height:g} mm "
                f"with {self.gap_y:g} mm gaps and a {self.margin_top:g} mm top margin need "
                f"{used_h:g} mm, but the page is only {self.page_height:g} mm high"
            )

    @classmethod
    def centered(cls, name: str, page: tuple[float, float], columns: int, rows: int,
                 label_width: float, label_height: float, *, gap_x: float = 0.0,
                 gap_y: float = 0.0, description: str = "") -> LabelStock:
        """A grid centred on the page (margins computed); ValueError if it does not fit."""
        page_w, page_h = page
        margin_left = (page_w - columns * label_width - (columns - 1) * gap_x) / 2
        margin_top = (page_h - rows * label_height - (rows - 1) * gap_y) / 2
        # A grid that does not fit gets zero margins, so __post_init__ raises its message.
        return cls(name, page_w, page_h, columns, rows, label_width, label_height,
                   max(margin_left, 0.0), max(margin_top, 0.0), gap_x, gap_y, description)

    @classmethod
    def roll(cls, name: str, label_width: float, label_height: float,
             description: str = "") -> LabelStock:
        """One label per page, page = label (thermal printers with a roll)."""
        return cls(name, label_width, label_height, 1, 1, label_width, label_height,
                   description=description)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def label_origin(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of label ``index`` (row-major)."""
        row, col = divmod(index % self.per_page, self.columns)
        x = self.margin_left + col * (self.label_width + self.gap_x)
        y = self.margin_top + row * (self.label_height + self.gap_y)
        return x, y


STOCKS: dict[str, LabelStock] = {
    stock.name: stock
    for stock in (
        LabelStock("a4-3x8-70x37", *A4, 3, 8, 70.0, 37.0, 0.0, 0.5,
                   description="A4, 24 labels 70 x 37 mm, no gaps (e.g. Herma 4453, Avery 3490)"),
        LabelStock("a4-2x7-99.1x38.1", *A4, 2, 7, 99.1, 38.1, 4.65, 15.15, 2.5, 0.0,
                   description="A4, 14 labels 99.1 x 38.1 mm (Avery L7163)"),
        LabelStock("a4-4x10-48.5x25.4", *A4, 4, 10, 48.5, 25.4, 8.0, 21.5, 0.0, 0.0,
                   description="A4, 40 labels 48.5 x 25.4 mm (Avery L4778 / 3657 style)"),
        LabelStock("a4-3x7-63.5x38.1", *A4, 3, 7, 63.5, 38.1, 7.2, 15.15, 2.5, 0.0,
                   description="A4, 21 labels 63.5 x 38.1 mm (Avery L7160)"),
        LabelStock.roll("roll-50x30", 50.0, 30.0, description="50 x 30 mm thermal roll"),
        LabelStock.roll("roll-100x50", 100.0, 50.0, description="100 x 50 mm thermal roll"),
    )
}


def get_stock(name: str) -> LabelStock:
    try:
        return STOCKS[name]
    except KeyError:
        known = ", ".join(sorted(STOCKS))
        raise ValueError(f"unknown label stock {name!r}; known stocks: {known}") from None
