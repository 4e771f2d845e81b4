"""digital_link_cases.json: GS1 Digital Link parsing, building, encoding, compression."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.gs1._cases import group_cases
from tests.vectors import load_json, require_vectors
from traceability.gs1 import (
    GS1Error,
    build_bracketed,
    build_digital_link,
    build_raw,
    check_character_pair,
    check_digit,
    decompress_digital_link,
    dl_escape,
    dl_unescape,
    hri,
    parse_bracketed,
    parse_digital_link,
    parse_element_string,
)
from traceability.gs1.scan import parse_data_str

FILE = "digital_link_cases.json"


def dl_options(case) -> dict:
    options = case.get("options", {})
    return {
        "permit_zero_suppressed_gtin": options.get("permit_zero_suppressed_gtin_in_dl_uri", False),
        "permit_convenience_alphas": options.get("permit_convenience_alphas", False),
        "permit_unknown": options.get("permit_unknown_ais", False),
        "unknown_ai_not_dl_attr": options.get("validate_unknown_ai_not_dl_attr", True),
    }


def fnc1(elements) -> str:
    return build_raw(elements, "^", fnc1="^")


@pytest.mark.parametrize("case", group_cases(FILE, "uri_to_ai_data"))
def test_uri_to_ai_data(case):
    require_vectors()
    if not case["valid"]:
        with pytest.raises(GS1Error):
            parse_digital_link(case["input"], **dl_options(case))
        return
    link = parse_digital_link(case["input"], **dl_options(case))
    assert fnc1(link.elements) == case["expected_fnc1"]
    assert build_raw(link.elements) == case["expected_gs"]
    if "reference_bracketed" in case:
        assert build_bracketed(link.elements) == case["reference_bracketed"]


@pytest.mark.parametrize("case", group_cases(FILE, "ai_data_to_uri"))
def test_ai_data_to_uri(case):
    require_vectors()
    opts = dl_options(case)
    stem = case["uri_stem"]
    if "input_uri" in case:
        link = parse_digital_link(case["input_uri"])
        assert link.to_uri(stem) == case["expected_uri"]
        return
    if "input_fnc1" in case:
        elements = parse_element_string(case["input_fnc1"])
    else:
        elements = parse_bracketed(
            case["input_bracketed"], validate=False, permit_unknown=opts["permit_unknown"]
        )
    kwargs = {
        "permit_unknown": opts["permit_unknown"],
        "unknown_ai_not_dl_attr": opts["unknown_ai_not_dl_attr"],
    }
    if not case["valid"]:
        with pytest.raises(GS1Error):
            build_digital_link(elements, stem, **kwargs)
        return
    # An empty stem gives a relative URI here (the reference engine's API cannot express an
    # empty stem and substitutes the canonical one).
    assert build_digital_link(elements, stem, **kwargs) == case["expected_uri"]


def _sample(ai: str) -> str:
    key13 = "952012345678"
    samples = {
        "00": "0" + key13 + "1234", "01": "0" + key13, "253": key13, "255": key13,
        "401": "9520123ABC", "402": "9520123456789012", "414": key13, "417": key13,
        "8003": "0" + key13, "8004": "9520123XYZ", "8006": "0" + key13,
        "8010": "9520123ABC", "8017": "95201234567890123", "8018": "95201234567890123",
        "22": "V1", "10": "LOT1", "21": "S1", "235": "TPX1", "254": "EXT", "7040": "1ABC",
        "8011": "123", "8019": "456", "8013": "9520123GMN",
    }
    value = samples[ai]
    if ai in ("00", "01", "253", "255", "402", "414", "417", "8003", "8006", "8017", "8018"):
        body = value if ai != "8003" else value[1:]
        full = body + str(check_digit(body))
        value = ("0" + full) if ai == "8003" else full
        if ai == "8006":
            value += "0102"
    if ai == "8013":
        value += check_character_pair(value)
    return value


def _sequences():
    data = load_json(FILE)
    if data is None:
        return [pytest.param(None, marks=pytest.mark.skip)]
    seqs = data["groups"]["valid_path_sequences"]["sequences"]
    return [pytest.param(s, id="-".join(s)) for s in seqs]


@pytest.mark.parametrize("sequence", _sequences())
def test_valid_path_sequences(sequence):
    require_vectors()
    path = "".join(f"/{ai}/{dl_escape(_sample(ai))}" for ai in sequence)
    # Path grammar only: e.g. (8006)+(22) is a valid path although (22) requires (01).
    link = parse_digital_link("https://example.com" + path, associations=False)
    assert link.path_ais == list(sequence)
    assert [ai for ai, _ in link.elements] == list(sequence)
    if len(sequence) >= 3:  # any reordering of qualifiers is rejected
        swapped = [sequence[0], sequence[2], sequence[1], *sequence[3:]]
        path = "".join(f"/{ai}/{dl_escape(_sample(ai))}" for ai in swapped)
        with pytest.raises(GS1Error):
            parse_digital_link("https://example.com" + path, associations=False)


@pytest.mark.parametrize("case", group_cases(FILE, "percent_encoding"))
def test_percent_encoding(case):
    require_vectors()
    text = case["input"]
    if case["operation"] == "escape":
        assert dl_escape(text) == case["expected_in_path"]
        assert dl_escape(text, query=True) == case["expected_in_query"]
    else:
        assert dl_unescape(text) == case["expected_in_path"]
        assert dl_unescape(text, query=True) == case["expected_in_query"]


@pytest.mark.parametrize("case", group_cases(FILE, "hri_and_ignored_query_params"))
def test_hri_and_ignored_params(case):
    require_vectors()
    if "input_bracketed" in case:
        elements = parse_bracketed(case["input_bracketed"])
    else:
        elements = parse_data_str(case["input_data_str"])
    if "expected_hri" in case:
        assert hri(elements) == case["expected_hri"]
    if "expected_ignored_query_params" in case:
        link = parse_digital_link(case["input_data_str"])
        assert link.ignored_query_params == case["expected_ignored_query_params"]


def _same_uri(got: str, expected: str) -> None:
    """Same scheme, host and path; same query attributes (order-insensitive)."""
    a, b = urlsplit(got), urlsplit(expected)
    assert (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)
    assert sorted(parse_qsl(a.query)) == sorted(parse_qsl(b.query))


TOLERANT = {"permit_zero_suppressed_gtin": True, "permit_convenience_alphas": True}


@pytest.mark.parametrize("case", group_cases(FILE, "biip"))
def test_biip(case):
    require_vectors()
    if "input_elements" in case:
        elements = [(e["ai"], e["value"]) for e in case["input_elements"]]
        _same_uri(build_digital_link(elements), case["expected_uri"])
        return
    uri = case["input"]
    strict = case.get("reference_valid_strict", case["valid"])
    tolerant = case.get("reference_valid_if_zero_suppressed_gtin_permitted", case["valid"])
    if not strict:
        with pytest.raises(GS1Error):
            parse_digital_link(uri)
    if not tolerant:
        with pytest.raises(GS1Error):
            parse_digital_link(uri, permit_zero_suppressed_gtin=True)
        return
    link = parse_digital_link(uri, permit_zero_suppressed_gtin=True)
    if case.get("reference_bracketed"):
        assert build_bracketed(link.elements) == case["reference_bracketed"]
    if "expected_elements" in case:
        assert link.elements == [(e["ai"], e["value"]) for e in case["expected_elements"]]
    if "expected_bracketed" in case:
        assert build_bracketed(link.elements) == case["expected_bracketed"]
    if "expected_canonical_uri" in case:
        _same_uri(link.to_uri(), case["expected_canonical_uri"])
    if "expected_uri" in case:
        base = None
        if case.get("with_domain"):
            base = "https://" + case["with_domain"]
            if case.get("with_path_prefix"):
                base += "/" + case["with_path_prefix"]
        _same_uri(link.to_uri(base), case["expected_uri"])


@pytest.mark.parametrize("case", group_cases(FILE, "legacy_digital_link_js"))
def test_legacy_digital_link_js(case):
    require_vectors()
    uri = case["input"]
    if case["reference_valid_strict"]:
        link = parse_digital_link(uri)
        assert build_bracketed(link.elements) == case["reference_bracketed"]
        return
    with pytest.raises(GS1Error):
        parse_digital_link(uri)
    if case["reference_bracketed"]:
        link = parse_digital_link(uri, permit_zero_suppressed_gtin=True)
        assert build_bracketed(link.elements) == case["reference_bracketed"]
    if case["valid_per_dl_1_1_library"]:
        # Deprecated DL 1.1 forms are readable with the tolerance flags (the 1.1 grammar also
        # allowed a trailing slash).
        parse_digital_link(uri.rstrip("/"), **TOLERANT)


@pytest.mark.parametrize("case", group_cases(FILE, "toolkit_readme_examples"))
def test_toolkit_readme_examples(case):
    require_vectors()
    if case["direction"] == "uri_to_elements":
        with pytest.raises(GS1Error):
            parse_digital_link(case["input"])
        link = parse_digital_link(case["input"], **TOLERANT)
        expected = parse_bracketed(case["expected_bracketed_per_toolkit"])
        assert sorted(link.elements) == sorted(expected)
        return
    if "input_bracketed" in case:
        elements = parse_bracketed(case["input_bracketed"])
    elif "input_gs" in case:
        elements = parse_element_string(case["input_gs"])
        assert build_bracketed(elements) == case["reference_bracketed"]
    else:
        elements = list(case["input_elements"].items())
    uri = build_digital_link(elements, case["uri_stem"])
    if "reference_uri_numeric" in case:
        assert uri == case["reference_uri_numeric"]
    else:
        numeric = case["expected_uri_per_toolkit"].replace("/gtin/", "/01/")
        _same_uri(uri, numeric.replace("/lot/", "/10/"))


@pytest.mark.parametrize("case", group_cases(FILE, "compression_informative"))
def test_compression(case):
    require_vectors()
    compressed, plain = case["compressed"], case["uncompressed"]
    if compressed.startswith("/"):
        compressed, plain = "https://example.com" + compressed, "https://example.com" + plain
    link = parse_digital_link(compressed)
    reference = parse_digital_link(plain, permit_zero_suppressed_gtin=True)
    assert link.compressed
    assert link.elements == reference.elements
    assert link.stem == reference.stem
    expected = reference.to_uri(reference.stem)
    extra = [p for p in reference.ignored_query_params if "=" in p]
    if extra:
        expected += "?" + "&".join(extra)
    assert decompress_digital_link(compressed) == expected
