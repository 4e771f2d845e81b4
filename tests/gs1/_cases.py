"""Parametrisation helpers over the shared GS1 vectors (tests skip when they are absent)."""

import pytest

from tests.vectors import load_json

NO_VECTORS = pytest.param(
    None, id="no-vectors", marks=pytest.mark.skip(reason="GS1 vectors folder not present")
)


def group_cases(filename: str, group: str, key: str = "cases") -> list:
    """One pytest param per case of ``group`` in ``filename`` (id ``group-index``)."""
    data = load_json(filename)
    if data is None:
        return [NO_VECTORS]
    cases = data["groups"][group][key]
    return [pytest.param(case, id=f"{group}-{i}") for i, case in enumerate(cases)]


def flat_cases(filename: str, prefix: str, key: str = "cases") -> list:
    data = load_json(filename)
    if data is None:
        return [NO_VECTORS]
    return [pytest.param(case, id=f"{prefix}-{i}") for i, case in enumerate(data[key])]


def markup(value: str, position: int, length: int) -> str:
    end = position + length
    return f"{value[:position]}*{value[position:end]}*{value[end:]}"
