"""Helpers for resolver tests: the GS1 linkset schema, compressed links, SQL counting."""

import math
from contextlib import contextmanager

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import event

from tests.vectors import load_json, require_vectors
from traceability.extensions import db

GS1_VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"


def linkset_validator() -> Draft7Validator:
    require_vectors()
    schema = load_json("resolver/gs1-linkset-schema.json")
    return Draft7Validator(schema)


def assert_valid_linkset(body: dict) -> None:
    errors = sorted(linkset_validator().iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def compress_gtin_lot(gtin14: str, lot: str) -> str:
    """GS1 Digital Link compression of (01)+(10) with optimisation code 0B, lot in 7-bit ASCII."""
    bits = "0000" + "1011"
    value_bits = math.ceil(14 * math.log(10) / math.log(2) + 0.01)
    bits += format(int(gtin14), f"0{value_bits}b")
    length_bits = math.ceil(math.log(20) / math.log(2) + 0.01)
    bits += format(4, "03b") + format(len(lot), f"0{length_bits}b")
    bits += "".join(format(ord(ch), "07b") for ch in lot)
    bits += "0" * (-len(bits) % 6)
    return "".join(_B64[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))


@contextmanager
def count_queries():
    """Count the SQL statements run on the application's engine inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def links_of(entry: dict, link_type: str) -> list[dict]:
    return entry.get(GS1_VOC + link_type, [])


def skip_without_vectors():
    if load_json("resolver/resolver_conformance_checks.json") is None:
        pytest.skip("GS1 vectors folder (../shared/gs1_vectors) not present")
