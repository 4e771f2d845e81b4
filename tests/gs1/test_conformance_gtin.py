"""gtin_cases.json: check digits and GTIN normalisation."""

import pytest

from tests.gs1._cases import group_cases, markup
from tests.vectors import require_vectors
from traceability.gs1 import (
    GS1Error,
    check_digit,
    gtin_format,
    is_valid_check_digit,
    lint,
    normalize_gtin,
    validate_key,
)


@pytest.mark.parametrize("case", group_cases("gtin_cases.json", "gs1_check_digit_lint"))
def test_check_digit_lint(case):
    require_vectors()
    result = lint("csum", case["input"])
    if case["valid"]:
        assert result is None
        assert is_valid_check_digit(case["input"])
    else:
        code, pos, length = result
        assert code == case["expected_error"]
        assert markup(case["input"], pos, length) == case["error_markup"]
        assert not is_valid_check_digit(case["input"])


@pytest.mark.parametrize("case", group_cases("gtin_cases.json", "parity_with_corrected_digit"))
def test_parity(case):
    require_vectors()
    key = case["input"]
    assert is_valid_check_digit(key) == case["valid"]
    assert (normalize_gtin(key) == key.zfill(14)) if case["valid"] else True
    if not case["valid"]:
        assert check_digit(key[:-1]) == case["expected_check_digit"]
        with pytest.raises(GS1Error) as err:
            normalize_gtin(key)
        assert err.value.code == "INCORRECT_CHECK_DIGIT"


@pytest.mark.parametrize("case", group_cases("gtin_cases.json", "biip"))
def test_biip(case):
    require_vectors()
    if case.get("operation") == "compute_check_digit":
        if case.get("valid") is False:
            with pytest.raises(GS1Error):
                check_digit(case["payload"])
        else:
            assert check_digit(case["payload"]) == case["expected_check_digit"]
        return
    text = case["input"]
    if case.get("key_type") == "SSCC":
        if case["valid"]:
            assert validate_key(text, "SSCC") == text
            assert int(text[-1]) == case["expected_check_digit"]
            assert int(text[0]) == case["expected_extension_digit"]
        else:
            with pytest.raises(GS1Error):
                validate_key(text, "SSCC")
            if "expected_check_digit" in case:
                assert check_digit(text[:-1]) == case["expected_check_digit"]
        return
    if not case["valid"]:
        with pytest.raises(GS1Error):
            normalize_gtin(text)
        if "expected_check_digit" in case:
            assert check_digit(text.strip()[:-1]) == case["expected_check_digit"]
        return
    gtin = normalize_gtin(text)
    assert gtin == case["expected_gtin14"]
    if "expected_format" in case:
        assert gtin_format(gtin) == case["expected_format"]
    if "expected_check_digit" in case:
        assert int(gtin[-1]) == case["expected_check_digit"]
    if "expected_indicator_digit" in case:
        assert int(gtin[0]) == case["expected_indicator_digit"]


@pytest.mark.parametrize("case", group_cases("gtin_cases.json", "zero_padding_from_dl"))
def test_zero_padding(case):
    require_vectors()
    assert normalize_gtin(case["input"]) == case["expected_gtin14"]


@pytest.mark.parametrize("case", group_cases("gtin_cases.json", "digital_link_js_check_digits"))
def test_check_digit_positions(case):
    require_vectors()
    key = case["input"]
    position = case.get("check_position", -1)
    if position not in (-1, None):
        key = key[:position]
    assert is_valid_check_digit(key) == case["valid"]
