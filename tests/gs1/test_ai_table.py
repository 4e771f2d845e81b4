"""The project's AI table cross-checked against ai_table.json (GS1 Syntax Dictionary)."""

import pytest

from tests.vectors import load_json, require_vectors
from traceability.gs1 import AI_TABLE, get_ai

_DATA = load_json("ai_table.json")
_ENTRIES = {e["ai"]: e for e in _DATA["entries"]} if _DATA else {}


def test_same_set_of_ais():
    require_vectors()
    assert set(AI_TABLE) == set(_ENTRIES)


@pytest.mark.parametrize("ai", sorted(_ENTRIES) or [pytest.param("-", marks=pytest.mark.skip)])
def test_ai_entry(ai):
    require_vectors()
    ref = _ENTRIES[ai]
    mine = get_ai(ai)
    assert mine is not None
    assert mine.title == ref["title"]
    assert (not mine.fnc1_required) == ref["predefined_length_no_fnc1"]
    assert mine.dl_data_attribute == ref["dl_data_attribute"]
    assert [
        {"type": c.type, "min": c.min, "max": c.max, "optional": c.optional,
         "linters": list(c.linters)}
        for c in mine.components
    ] == ref["components"]
    assert (mine.min_length, mine.max_length) == (ref["length_min"], ref["length_max"])
    assert [[list(alt) for alt in g] for g in mine.requires] == ref.get("requires_one_of", [])
    assert list(mine.excludes) == ref.get("excludes", [])
    assert mine.dl_primary_key == ref.get("dl_primary_key", False)
    assert [list(s) for s in mine.dl_qualifier_sequences] == ref.get("dl_qualifier_sequences", [])


def test_predefined_length_prefixes():
    require_vectors()
    table = {k: v for k, v in _DATA["predefined_length_prefixes"].items() if not k.startswith("_")}
    for ai, entry in AI_TABLE.items():
        if not entry.fnc1_required:
            assert table[ai[:2]] == entry.max_length == entry.min_length, ai


def test_decimal_places_and_units():
    assert get_ai("3103").decimal_places == 3
    assert get_ai("3103").unit == "kg"
    assert get_ai("3925").decimal_places == 5
    assert get_ai("01").decimal_places is None
    assert get_ai("01").dl_primary_key
    assert get_ai("01").dl_qualifier_sequences == (("22", "10", "21"), ("235",))
    assert get_ai("7030").title == "PROCESSOR # 0"
    assert get_ai("7239").title == "CERT # 10"
