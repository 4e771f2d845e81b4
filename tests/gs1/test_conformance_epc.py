"""epc_uri_cases.json: EPC URN -> element string -> canonical Digital Link, and back."""

import pytest

from tests.gs1._cases import flat_cases
from tests.vectors import require_vectors
from traceability.gs1 import (
    build_bracketed,
    elements_to_epc_uri,
    epc_uri_to_digital_link,
    epc_uri_to_elements,
    parse_code,
)


@pytest.mark.parametrize("case", flat_cases("epc_uri_cases.json", "epc"))
def test_epc_case(case):
    require_vectors()
    urn = case["epc_urn"]
    elements = epc_uri_to_elements(urn)
    assert elements == [(e["ai"], e["value"]) for e in case["expected_elements"]]
    assert build_bracketed(elements) == case["expected_bracketed"]
    assert epc_uri_to_digital_link(urn) == case["expected_dl_uri"]
    parsed = parse_code(urn)
    assert parsed.kind == "epc_uri"
    assert parsed.digital_link() == case["expected_dl_uri"]
    company_prefix = urn.split(":")[4].split(".")[0]
    assert elements_to_epc_uri(elements, len(company_prefix)) == urn
