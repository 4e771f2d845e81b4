"""Property-based tests: build -> parse round trips and check-digit error detection."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from traceability.gs1 import (
    GS,
    build_bracketed,
    build_digital_link,
    build_raw,
    check_character_pair,
    check_digit,
    elements_to_epc_uri,
    epc_uri_to_elements,
    is_valid_check_character_pair,
    is_valid_check_digit,
    parse_bracketed,
    parse_code,
    parse_digital_link,
    parse_raw,
)
from traceability.gs1.linters import CSET82

CSET82_TEXT = "".join(sorted(CSET82))


def keyed(length: int) -> st.SearchStrategy[str]:
    """A numeric GS1 key of ``length`` digits with a correct check digit."""
    body = st.text(string.digits, min_size=length - 1, max_size=length - 1)
    return body.map(lambda b: b + str(check_digit(b)))


def cset82(max_size: int) -> st.SearchStrategy[str]:
    return st.text(CSET82_TEXT, min_size=1, max_size=max_size)


dates = st.dates().map(lambda d: d.strftime("%y%m%d"))
gtins = keyed(14)

OPTIONAL_AIS = {
    "10": cset82(20),
    "21": cset82(20),
    "22": cset82(20),
    "11": dates,
    "15": dates,
    "17": dates,
    "3103": st.text(string.digits, min_size=6, max_size=6),
    "30": st.text(string.digits, min_size=1, max_size=8),
    "400": cset82(30),
    "7003": st.tuples(dates, st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"{t[0]}{t[1]:02d}{t[2]:02d}"
    ),
    "91": cset82(90),
    "99": cset82(90),
}


@st.composite
def messages(draw) -> list[tuple[str, str]]:
    """(01) plus a random, shuffled subset of other AIs with valid values."""
    chosen = draw(st.lists(st.sampled_from(sorted(OPTIONAL_AIS)), unique=True, max_size=8))
    elements = [(ai, draw(OPTIONAL_AIS[ai])) for ai in chosen]
    position = draw(st.integers(0, len(elements)))
    elements.insert(position, ("01", draw(gtins)))
    return elements


@settings(max_examples=300)
@given(messages())
def test_bracketed_round_trip(elements):
    text = build_bracketed(elements)
    assert parse_bracketed(text) == elements
    assert parse_code(text).elements == elements


@settings(max_examples=300)
@given(messages())
def test_raw_round_trip(elements):
    assert parse_raw(build_raw(elements)) == elements
    assert parse_raw(build_raw(elements, "^"), separators="^") == elements
    scanned = parse_code("]d2" + build_raw(elements))
    assert scanned.kind == "scanner"
    assert scanned.elements == elements


@settings(max_examples=300)
@given(messages(), st.sampled_from(["https://id.gs1.org", "https://qr.example.vn/p/x"]))
def test_digital_link_round_trip(elements, base):
    uri = build_digital_link(elements, base)
    link = parse_digital_link(uri)
    assert sorted(link.elements) == sorted(elements)
    assert link.to_uri(base) == uri
    assert link.stem == base


@st.composite
def sgtins(draw):
    cpl = draw(st.integers(6, 12))
    digits = draw(st.text(string.digits, min_size=13, max_size=13))
    gtin = digits + str(check_digit(digits))
    serial = draw(cset82(20))
    return cpl, [("01", gtin), ("21", serial)]


@settings(max_examples=200)
@given(sgtins())
def test_epc_sgtin_round_trip(data):
    cpl, elements = data
    urn = elements_to_epc_uri(elements, cpl)
    assert urn.startswith("urn:epc:id:sgtin:")
    assert epc_uri_to_elements(urn) == elements


@settings(max_examples=200)
@given(st.integers(6, 12), keyed(18), keyed(13), cset82(20))
def test_epc_other_keys_round_trip(cpl, sscc, gln, extension):
    for elements in ([("00", sscc)], [("414", gln), ("254", extension)]):
        if elements[-1] == ("254", "0"):
            continue
        assert epc_uri_to_elements(elements_to_epc_uri(elements, cpl)) == elements


@settings(max_examples=500)
@given(st.sampled_from([8, 12, 13, 14, 17, 18]).flatmap(keyed), st.data())
def test_single_digit_corruption_detected(key, data):
    assert is_valid_check_digit(key)
    position = data.draw(st.integers(0, len(key) - 1))
    digit = data.draw(st.sampled_from([d for d in string.digits if d != key[position]]))
    corrupted = key[:position] + digit + key[position + 1 :]
    assert not is_valid_check_digit(corrupted)


@settings(max_examples=300)
@given(st.text(CSET82_TEXT, min_size=1, max_size=23))
def test_check_character_pair_round_trip(data):
    assert is_valid_check_character_pair(data + check_character_pair(data))


@settings(max_examples=300)
@given(messages())
def test_separator_variants(elements):
    raw = build_raw(elements)
    assert parse_raw(raw.replace(GS, GS + GS) + GS) == elements
