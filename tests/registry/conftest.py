import pytest

from tests import factories


def make_gtin(body: str) -> str:
    """Append the GS1 check digit to a 12-digit GTIN-13 body."""
    from traceability.gs1 import check_digit

    return body + str(check_digit(body))


@pytest.fixture
def world(app):
    """Two approved organizations with a business account each, an inspector and an admin."""
    org_a = factories.organization(name="HTX Hành tím Vĩnh Châu", tax_code="2200123456",
                                   prefixes=("8930001",))
    org_b = factories.organization(name="Trang trại thanh long Long An", tax_code="1100654321",
                                   prefixes=("8930002",), province="Long An")
    _, business_a = factories.user_with_key("a@example.vn", "business", organization_id=org_a.id)
    _, business_b = factories.user_with_key("b@example.vn", "business", organization_id=org_b.id)
    _, inspector = factories.user_with_key("inspector@example.vn", "inspector")
    _, admin = factories.user_with_key("admin@example.vn", "admin")
    return {"org_a": org_a.id, "org_b": org_b.id, "a": business_a, "b": business_b,
            "inspector": inspector, "admin": admin}
