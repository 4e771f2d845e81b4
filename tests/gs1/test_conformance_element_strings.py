"""element_string_cases.json: bracketed/raw element strings, scanner data, content and rules."""

from decimal import Decimal

import pytest

from tests.gs1._cases import group_cases
from tests.vectors import require_vectors
from traceability.gs1 import (
    GS,
    GS1Error,
    build_bracketed,
    build_raw,
    hri,
    interpret,
    parse_bracketed,
    parse_code,
    parse_element_string,
    parse_raw,
    parse_scan_data,
    validate_elements,
)
from traceability.gs1.scan import build_scan_data, parse_data_str

FILE = "element_string_cases.json"


def fnc1(elements) -> str:
    return build_raw(elements, "^", fnc1="^")


@pytest.mark.parametrize("case", group_cases(FILE, "bracketed_to_fnc1"))
def test_bracketed_to_fnc1(case):
    require_vectors()
    text = case["input_bracketed"]
    if not case["valid"]:
        with pytest.raises(GS1Error):
            parse_bracketed(text, associations=False)
        return
    elements = parse_bracketed(text, associations=False)
    assert fnc1(elements) == case["expected_fnc1"]
    assert build_raw(elements) == case["expected_gs"]
    assert build_bracketed(elements) == text


@pytest.mark.parametrize("case", group_cases(FILE, "raw_fnc1_validation"))
def test_raw_fnc1_validation(case):
    require_vectors()
    options = case.get("options", {})
    kwargs = {
        "requisites": options.get("validate_requisite_ais", True),
        "permit_unknown": options.get("permit_unknown_ais", False),
    }
    data = case["input_fnc1"]
    if not case["valid"]:
        if data.startswith("^"):
            with pytest.raises(GS1Error):
                parse_raw(data[1:], separators="^", **kwargs)
            with pytest.raises(GS1Error):
                parse_raw(case["input_gs"], **kwargs)
        else:  # no FNC1 in first position: not GS1 AI data at all
            assert parse_data_str(data) is None
        return
    assert data.startswith("^")
    elements = parse_raw(data[1:], separators="^", **kwargs)
    assert parse_raw(case["input_gs"], **kwargs) == elements
    assert build_bracketed(elements) == case["reference_bracketed"]


@pytest.mark.parametrize("case", group_cases(FILE, "scan_data"))
def test_scan_data(case):
    require_vectors()
    if case["direction"] == "scan_to_data":
        text = case["input_scan_data"]
        if not case["valid"]:
            with pytest.raises(GS1Error):
                parse_scan_data(text)
            return
        scan = parse_scan_data(text)
        assert scan.symbology == case["expected_symbology"]
        assert scan.data_str == case["expected_data_str"]
        if case.get("reference_bracketed"):
            assert build_bracketed(scan.elements) == case["reference_bracketed"]
        return
    options = case.get("options", {})
    kwargs = {"add_check_digit": options.get("add_check_digit", False)}
    if not case["valid"]:
        with pytest.raises(GS1Error):
            build_scan_data(case["input_data_str"], case["symbology"], **kwargs)
        return
    assert build_scan_data(case["input_data_str"], case["symbology"], **kwargs) == (
        case["expected_scan_data"]
    )


@pytest.mark.parametrize("case", group_cases(FILE, "ai_data_api"))
def test_ai_data_api(case):
    require_vectors()
    if "input_scan_data" in case:
        if case.get("valid") is False:
            with pytest.raises(GS1Error):
                parse_scan_data(case["input_scan_data"])
            return
        scan = parse_scan_data(case["input_scan_data"])
        assert scan.data_str == case["expected_data_str"]
        assert scan.symbology == case["expected_symbology"]
        return
    if "input_bracketed" in case:
        elements = parse_bracketed(case["input_bracketed"])
        assert fnc1(elements) == case["expected_fnc1"]
        return
    data = case["input_data_str"]
    if case.get("valid") is False:
        with pytest.raises(GS1Error):
            parse_data_str(data)
        return
    elements = parse_data_str(data)
    if case["expected_bracketed"] is None:
        assert elements is None
    else:
        assert build_bracketed(elements) == case["expected_bracketed"]


@pytest.mark.parametrize("case", group_cases(FILE, "hri"))
def test_hri(case):
    require_vectors()
    if "input_bracketed" in case:
        elements = parse_bracketed(case["input_bracketed"])
    else:
        elements = parse_data_str(case["input_data_str"])
    assert hri(elements) == case["expected_hri"]


@pytest.mark.parametrize("case", group_cases(FILE, "ai_content_errors"))
def test_ai_content_errors(case):
    require_vectors()
    text = case["input_bracketed"]
    if case["valid"]:
        parse_bracketed(text, associations=False)
        return
    with pytest.raises(GS1Error) as err:
        parse_bracketed(text, associations=False)
    assert err.value.code == case["expected_error"]


@pytest.mark.parametrize("case", group_cases(FILE, "ai_associations"))
def test_ai_associations(case):
    require_vectors()
    permit = case.get("options", {}).get("permit_unknown_ais", False)
    if case["valid"]:
        parse_bracketed(case["input_bracketed"], permit_unknown=permit)
        return
    with pytest.raises(GS1Error) as err:
        parse_bracketed(case["input_bracketed"], permit_unknown=permit)
    expected = {
        "repeated_ai_values_must_match": "REPEATED_AI_DIFFERENT_VALUES",
        "mutually_exclusive_ais": "INVALID_AI_PAIR",
        "required_ai_associations": "REQUIRED_AI_MISSING",
        "digsig_requires_serialised_key": "DIGSIG_REQUIRES_SERIALISED_KEY",
    }[case["rule"]]
    assert expected in err.value.codes


# Upstream (biip) cases this project believes wrong.
_GRAI_BAD_CHECK = (
    "GRAI 7071324001022 ends in 2 but its mod-10 check digit is 1: GS1 General "
    "Specifications, AI (8003) GRAI = N1 (0) + N13 with check digit (check digit calculation "
    "section); biip does not verify GRAI check digits"
)
_WRONG = {"800307071324001022085952": _GRAI_BAD_CHECK}


@pytest.mark.parametrize("case", group_cases(FILE, "element_semantics"))
def test_element_semantics(case):
    require_vectors()
    text = case["input_unbracketed"]
    if text in _WRONG:
        with pytest.raises(GS1Error) as err:
            parse_raw(text, associations=False)
        assert err.value.code == "INCORRECT_CHECK_DIGIT"
        pytest.xfail(_WRONG[text])
    if not case["valid"]:
        with pytest.raises(GS1Error):
            parse_raw(text, associations=False)
        return
    if case.get("key_check_digit_valid") is False:
        elements = parse_raw(text, validate=False)
        assert [p.code for p in validate_elements(elements, associations=False)] == [
            "INCORRECT_CHECK_DIGIT"
        ]
    else:
        elements = parse_raw(text, associations=False)
    ai, value = elements[0]
    if "expected_ai" in case:
        assert (ai, value) == (case["expected_ai"], case["expected_value"])
    if "expected_bracketed" in case:
        assert build_bracketed(elements) == case["expected_bracketed"]
    info = interpret(ai, value)
    if "expected_components" in case:
        assert list(info.components) == case["expected_components"]
    if "expected_date" in case:
        assert info.date.isoformat() == case["expected_date"]
    if "expected_datetime" in case:
        got = info.datetime.isoformat() if info.datetime else None
        assert got == case["expected_datetime"]
    if "expected_decimal" in case:
        assert info.decimal == Decimal(case["expected_decimal"])
        assert str(info.decimal) == case["expected_decimal"]
    if "expected_currency" in case:
        assert info.currency_alpha == case["expected_currency"]


@pytest.mark.parametrize("case", group_cases(FILE, "unbracketed_messages"))
def test_unbracketed_messages(case):
    require_vectors()
    if "input_bracketed" in case:
        elements = parse_bracketed(case["input_bracketed"], associations=False)
        expected = case["expected"]
        assert build_raw(elements) == expected["value"]
        got = expected["element_strings"]["_args"][0]
        assert [(e["ai"], e["value"]) for e in got] == elements
        for e in got:
            if "date" in e:
                assert interpret(e["ai"], e["value"]).date.isoformat() == e["date"]
        return
    separators = "".join(case.get("separator_chars", [GS]))
    text = case["input_unbracketed"]
    if text in _WRONG:
        with pytest.raises(GS1Error):
            parse_element_string(text, separators=separators, associations=False)
        pytest.xfail(_WRONG[text])
    if not case["valid"]:
        with pytest.raises(GS1Error):
            parse_element_string(text, separators=separators, associations=False)
        return
    elements = parse_element_string(text, separators=separators, associations=False)
    if "expected_elements" in case:
        assert elements == [(e["ai"], e["value"]) for e in case["expected_elements"]]
    if "expected_bracketed" in case:
        assert build_bracketed(elements) == case["expected_bracketed"]


_NOT_GS1_INTERPRETATIONS = {
    "425261": "biip heuristic, not GS1: a bare 6-digit UPC-E body (no number system digit, "
    "no check digit) is no GS1 key; GS1 General Specifications (symbology identifiers): "
    "scanners transmit UPC-E expanded to 13 digits under ]E0",
    "157035381410375177": "biip heuristic: parse_code does not guess that a bare 18-digit "
    "number is an SSCC; GS1 General Specifications, AI (00): an SSCC travels with AI (00) "
    "(use validate_key(text, 'SSCC') for typed-in SSCCs)",
    "]Q3https://example.com/01/614141123452/10/ABC123?15=250330": "GS1 General "
    "Specifications, symbology identifiers: ]Q3 announces GS1 element strings (FNC1 mode), a "
    "Digital Link URI in a QR Code is ]Q1; GS1 Digital Link URI Syntax 1.2+ also deprecates "
    "the zero-suppressed GTIN",
}


@pytest.mark.parametrize("case", group_cases(FILE, "auto_detect_informative"))
def test_auto_detect_informative(case):
    require_vectors()
    text = case["input"]
    if text in _NOT_GS1_INTERPRETATIONS:
        pytest.xfail(_NOT_GS1_INTERPRETATIONS[text])
    parsed = parse_code(text, validate=False)
    interpretations = []
    if "expected_gtin" in case:
        interpretations.append([("01", case["expected_gtin"].zfill(14))])
    for key in ("expected_elements", "expected_dl_elements"):
        if key in case:
            interpretations.append([(e["ai"], e["value"]) for e in case[key]])
    if "expected_sscc" in case:
        interpretations.append([("00", case["expected_sscc"])])
    assert any(parsed.elements[: len(i)] == i for i in interpretations), parsed.elements
    if "expected_symbology_identifier" in case:
        assert parsed.symbology == case["expected_symbology_identifier"]
