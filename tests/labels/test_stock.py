import pytest

from traceability.labels.render import STOCKS, LabelStock, get_stock


def test_predefined_stocks():
    assert {"a4-3x8-70x37", "a4-2x7-99.1x38.1", "a4-4x10-48.5x25.4", "roll-50x30"} <= set(STOCKS)
    a4 = get_stock("a4-3x8-70x37")
    assert (a4.page_width, a4.page_height, a4.per_page) == (210, 297, 24)
    roll = get_stock("roll-50x30")
    assert (roll.page_width, roll.page_height, roll.per_page) == (50, 30, 1)


def test_label_origins_follow_the_grid():
    stock = get_stock("a4-2x7-99.1x38.1")
    assert stock.label_origin(0) == (4.65, 15.15)
    x, y = stock.label_origin(3)  # second row, second column
    assert x == pytest.approx(4.65 + 99.1 + 2.5)
    assert y == pytest.approx(15.15 + 38.1)
    assert stock.label_origin(14) == stock.label_origin(0)  # next page


def test_grid_wider_than_page_raises():
    message = ("3 columns of 70 mm with 0 mm gaps and a 4 mm left margin need 214 mm, "
               "but the page is only 210 mm wide")
    with pytest.raises(ValueError, match=message):
        LabelStock("too-wide", 210, 297, 3, 8, 70, 37, margin_left=4)


def test_grid_taller_than_page_raises():
    with pytest.raises(ValueError, match="need 333 mm, but the page is only 297 mm high"):
        LabelStock("too-tall", 210, 297, 3, 9, 70, 37)


def test_centered_stock():
    stock = LabelStock.centered("c", (210, 297), 4, 10, 48.5, 25.4)
    assert stock.margin_left == pytest.approx(8.0)
    assert stock.margin_top == pytest.approx(21.5)
    with pytest.raises(ValueError, match="wide"):
        LabelStock.centered("c", (210, 297), 5, 10, 48.5, 25.4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns": 0}, "columns must be a whole number"),
        ({"rows": 2.5}, "rows must be a whole number"),
        ({"label_width": 0}, "label_width must be > 0"),
        ({"gap_x": -1}, "gap_x must be >= 0"),
    ],
)
def test_invalid_dimensions(kwargs, message):
    base = {"name": "x", "page_width": 210, "page_height": 297, "columns": 2, "rows": 2,
            "label_width": 50, "label_height": 30}
    with pytest.raises(ValueError, match=message):
        LabelStock(**{**base, **kwargs})


def test_unknown_stock_name():
    with pytest.raises(ValueError, match="known stocks"):
        get_stock("letter-3x10")
