"""Who reads the outbox through the API: each business its own messages, each inspector those
of the organizations in their scope, administrators all of them."""

from tests import factories
from tests.oversight.helpers import farm_batch


def test_messages_are_listed_within_each_reader_scope(app, client):
    soc_trang, _, _ = farm_batch()
    long_an, _, _ = farm_batch(tax_code="1100654321", prefix="8930002", province="Long An",
                               lot="L1")
    _, owner = factories.user_with_key("owner@example.vn", "business",
                                       organization_id=soc_trang.id)
    _, here = factories.user_with_key("st@example.vn", "inspector",
                                      scope_provinces=["Sóc Trăng"])
    _, there = factories.user_with_key("la@example.vn", "inspector",
                                       scope_provinces=["Long An"])
    _, admin = factories.user_with_key("boss@example.vn", "admin")

    def organizations(headers, **query):
        response = client.get("/api/v1/gateway/messages", headers=headers, query_string=query)
        assert response.status_code == 200, response.json
        return {item["organization_id"] for item in response.json["items"]}

    assert organizations(admin) == {soc_trang.id, long_an.id}
    assert organizations(owner) == organizations(here) == {soc_trang.id}
    assert organizations(there) == {long_an.id}
    assert organizations(there, organization_id=soc_trang.id) == set()
    assert organizations(owner, organization_id=long_an.id) == set()
    assert client.get("/api/v1/gateway/messages").status_code == 401
