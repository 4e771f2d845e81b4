"""Labels: QR codes, linear barcodes, PDF label sheets, serial issuing."""
