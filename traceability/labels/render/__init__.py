"""Symbol rendering for GS1 labels: QR codes, linear barcodes, GS1 DataMatrix, PDF sheets.

Pure functions on plain data (no Flask, no database), shared by routes, the CLI and jobs.
See README.md in this folder for what each symbology uses and why.
"""

from ._matrix import ModuleMatrix
from .datamatrix import (
    DataMatrixSymbol,
    datamatrix,
    gs1_datamatrix,
    gs1_datamatrix_png,
    gs1_datamatrix_svg,
)
from .gs1 import GS, gs1_check_digit, validate_element_string
from .linear import (
    LinearSymbol,
    barcode_png,
    barcode_svg,
    ean8,
    ean13,
    gs1_128,
    itf14,
    linear_png,
    linear_svg,
    upca,
)
from .qr import QRSymbol, qr_matrix, qr_png, qr_svg
from .sheet import LabelData, LabelStyle, SheetResult, render_label_sheet
from .stock import STOCKS, LabelStock, get_stock

__all__ = [
    "GS",
    "STOCKS",
    "DataMatrixSymbol",
    "LabelData",
    "LabelStock",
    "LabelStyle",
    "LinearSymbol",
    "ModuleMatrix",
    "QRSymbol",
    "SheetResult",
    "barcode_png",
    "barcode_svg",
    "datamatrix",
    "ean8",
    "ean13",
    "get_stock",
    "gs1_128",
    "gs1_check_digit",
    "gs1_datamatrix",
    "gs1_datamatrix_png",
    "gs1_datamatrix_svg",
    "itf14",
    "linear_png",
    "linear_svg",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "render_label_sheet",
    "upca",
    "validate_element_string",
]
