"""Error reporting: machine codes, AI, positions, English and Vietnamese messages."""

import pytest

from traceability.gs1 import (
    GS1Error,
    Problem,
    check_digit,
    gtin_company_prefix_info,
    gtin_display,
    normalize_gtin,
    parse_bracketed,
    parse_code,
    parse_digital_link,
    validate_elements,
)


def test_gtin_check_digit_error():
    with pytest.raises(GS1Error) as err:
        parse_code("(01)09506000134353")
    e = err.value
    assert isinstance(e, ValueError)
    assert (e.code, e.ai, e.position, e.length) == ("INCORRECT_CHECK_DIGIT", "01", 13, 1)
    assert "Số kiểm tra của GTIN không đúng" in e.message_vi
    assert e.message == "GTIN: Incorrect check digit at position 14"
    assert e.first.markup("09506000134353") == "0950600013435*3*"


def test_every_problem_is_reported():
    with pytest.raises(GS1Error) as err:
        parse_bracketed("(01)09506000134353(17)251340(10)A B(7003)2512012360")
    codes = err.value.codes
    assert codes == ["INCORRECT_CHECK_DIGIT", "ILLEGAL_MONTH", "INVALID_CSET82_CHARACTER",
                     "ILLEGAL_MINUTE"]
    problems = err.value.problems
    assert [(p.ai, p.position) for p in problems] == [("01", 13), ("17", 2), ("10", 1),
                                                      ("7003", 8)]
    assert problems[1].message_vi == "Tháng không hợp lệ (AI (17)) tại vị trí 3"


def test_association_problems():
    problems = validate_elements([("10", "ABC"), ("21", "1"), ("235", "X")])
    codes = {(p.code, p.ai) for p in problems}
    assert ("REQUIRED_AI_MISSING", "10") in codes
    assert ("INVALID_AI_PAIR", "21") in codes
    assert all(p.message and p.message_vi for p in problems)
    assert validate_elements([("01", "09506000134352"), ("10", "ABC")]) == []


def test_syntax_errors_have_positions():
    with pytest.raises(GS1Error) as err:
        parse_bracketed("(01)09506000134352(1A)X")
    assert (err.value.code, err.value.position) == ("AI_NOT_NUMERIC", 19)
    with pytest.raises(GS1Error) as err:
        parse_code("0109506000134352\x1d21ABC\x1d5")
    assert err.value.code == "UNKNOWN_AI"
    assert err.value.position == 23


def test_digital_link_errors():
    cases = {
        "https://id.gs1.org/01/09506000134352/": "DL_TRAILING_SLASH",
        "ftp://id.gs1.org/01/09506000134352": "DL_INVALID_SCHEME",
        "https://id.gs1.org/01/9506000134352": "VALUE_TOO_SHORT",
        "https://id.gs1.org/01/09506000134352/21/1/10/2": "DL_INVALID_PATH_SEQUENCE",
        "https://id.gs1.org/01/09506000134352?10=ABC": "DL_QUALIFIER_IN_QUERY",
        "https://id.gs1.org/foo/bar": "DL_NO_PRIMARY_KEY",
    }
    for uri, code in cases.items():
        with pytest.raises(GS1Error) as err:
            parse_digital_link(uri)
        assert err.value.code == code, uri
        assert err.value.message_vi


def test_normalize_gtin_errors():
    assert normalize_gtin(" 96385074 ") == "00000096385074"
    for text, code in (("12345", "INVALID_GTIN_LENGTH"), ("89345678901x8", "NON_DIGIT_CHARACTER"),
                       ("0123456789⁰⁰⁰", "NON_DIGIT_CHARACTER")):
        with pytest.raises(GS1Error) as err:
            normalize_gtin(text)
        assert err.value.code == code


def _gtin(body: str) -> str:
    return body + str(check_digit(body))


def test_gtin_display_and_prefixes():
    assert gtin_display("00000096385074") == "96385074"
    assert gtin_display("00614141000036") == "614141000036"
    assert gtin_display("05901234123457") == "5901234123457"
    assert gtin_display("98765432109213") == "98765432109213"
    vn = gtin_company_prefix_info(_gtin("893000000000"))
    assert (vn.country, vn.is_vietnam, vn.kind, vn.valid_for_trade_item) == (
        "VN", True, "company", True,
    )
    expectations = {
        "201234567890": ("restricted", False),
        "021234567890": ("restricted", False),
        "041234567890": ("restricted", False),
        "952012345678": ("demo", False),
        "978034541891": ("isbn", True),
        "977123456700": ("issn", True),
        "991234567890": ("coupon", False),
        "981234567890": ("coupon", False),
        "980123456789": ("refund", False),
        "050123456789": ("coupon", False),
        "400638133393": ("company", True),
    }
    for body, (kind, trade) in expectations.items():
        info = gtin_company_prefix_info(_gtin(body))
        assert (info.kind, info.valid_for_trade_item) == (kind, trade), body
    assert gtin_company_prefix_info(_gtin("9893456789012")).variable_measure
    assert gtin_company_prefix_info("614141000036").country == "US"
    assert gtin_company_prefix_info("96385074").kind == "gtin8"
    assert gtin_company_prefix_info("02345673").kind == "restricted"


def test_problem_is_plain_data():
    p = Problem("NOT_ISO3166", "422", 0, 3)
    assert p.message == "AI (422): Not an ISO 3166 country code at position 1"
    assert p.markup("999") == "*999*"
    err = GS1Error([p, Problem("REQUIRED_AI_MISSING", "422")])
    assert err.codes == ["NOT_ISO3166", "REQUIRED_AI_MISSING"]


def test_gs_renderings():
    expected = [("01", "09506000134352"), ("10", "ABC"), ("17", "251231")]
    for text in ("0109506000134352" "10ABC{GS}17251231", "^010950600013435210ABC^17251231",
                 "]d20109506000134352" "10ABC\x1d17251231"):
        assert parse_code(text).elements == expected
    assert parse_code("]d20109506000134352").symbology == "]d2"
    assert parse_code("https://id.gs1.org/01/09506000134352").digital_link(
        "https://qr.example.vn/"
    ) == "https://qr.example.vn/01/09506000134352"
