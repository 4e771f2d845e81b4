"""Registry API: rules, authorization and errors, through HTTP like a real client."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.registry.conftest import make_gtin
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry, verify_chain
from traceability.registry.models import Batch

SHALLOT = make_gtin("893000100001")
RICE = make_gtin("893000100002")
DRAGON_FRUIT = make_gtin("893000200001")


def product_payload(gtin=SHALLOT, **extra):
    return {"gtin": gtin, "name": "Hành tím Vĩnh Châu", "brand": "Vĩnh Châu",
            "net_content": "500", "unit": "g", "image_urls": ["https://img.example.vn/h.jpg"],
            "standards": ["TCVN 11041-2:2017"], "shelf_life_days": 90, "sector": "fresh_produce",
            **extra}


def create_product(client, headers, **extra):
    response = client.post("/api/v1/products", json=product_payload(**extra), headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def create_batch(client, headers, product_id, lot="VC2026-01", **extra):
    response = client.post("/api/v1/batches", headers=headers, json={
        "product_id": product_id, "lot": lot, "production_date": "2026-03-01",
        "quantity": "1200.5", "unit": "kg", **extra})
    assert response.status_code == 201, response.json
    return response.json


# --------------------------------------------------------------------- organizations


def test_admin_creates_approved_organization(client, world):
    response = client.post("/api/v1/organizations", headers=world["admin"], json={
        "name": "Công ty Gạo ST25", "tax_code": "2200765432-001", "kind": "enterprise",
        "address": "Ấp Phú Thành, Mỹ Xuyên", "province": "Sóc Trăng",
        "gs1_company_prefixes": ["8930003"], "gln": make_gtin("893000300000")})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "approved"
    assert response.json["gs1_company_prefixes"] == ["8930003"]
    assert response.headers["ETag"]


@pytest.mark.parametrize("tax_code", ["123", "22001234567", "2200123456-1", "abcdefghij", ""])
def test_bad_tax_codes_are_refused(client, world, tax_code):
    response = client.post("/api/v1/organizations", headers=world["admin"], json={
        "name": "X", "tax_code": tax_code, "kind": "household"})
    assert response.status_code == 422
    assert "tax_code" in response.json["errors"]


def test_duplicate_tax_code_and_prefix_conflict(client, world):
    dup = client.post("/api/v1/organizations", headers=world["admin"], json={
        "name": "Again", "tax_code": "2200123456", "kind": "household"})
    assert dup.status_code == 409
    prefix = client.post("/api/v1/organizations", headers=world["admin"], json={
        "name": "Other", "tax_code": "3300123456", "kind": "household",
        "gs1_company_prefixes": ["8930001"]})
    assert prefix.status_code == 409
    assert "8930001" in prefix.json["detail"]


def test_self_registration_is_pending_until_approved(client, world):
    response = client.post("/api/v1/organizations", json={
        "name": "Hộ kinh doanh Bà Năm", "tax_code": "8012345678", "kind": "household",
        "province": "Long An", "gs1_company_prefixes": ["8930009"],
        "account_email": "ba.nam@example.vn"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    headers = {"Authorization": f"Bearer {response.json['api_key']}"}
    org_id = response.json["id"]
    assert client.get(f"/api/v1/organizations/{org_id}", headers=headers).status_code == 200

    refused = client.post("/api/v1/products", headers=headers,
                          json=product_payload(gtin=make_gtin("893000900001")))
    assert refused.status_code == 403
    assert "approval" in refused.json["detail"]

    business_cannot_approve = client.post(f"/api/v1/organizations/{org_id}/approve",
                                          headers=headers, json={})
    assert business_cannot_approve.status_code == 403
    approved = client.post(f"/api/v1/organizations/{org_id}/approve", headers=world["admin"],
                           json={})
    assert approved.json["status"] == "approved"
    created = client.post("/api/v1/products", headers=headers,
                          json=product_payload(gtin=make_gtin("893000900001")))
    assert created.status_code == 201


def test_company_prefixes_of_an_approved_organization_change_only_by_admin(client, world):
    url = f"/api/v1/organizations/{world['org_a']}"
    own = {**world["a"], "If-Match": "*"}
    # A prefix the business adds itself would let it register another owner's GTINs without
    # the authorisation Decree 74/2018 asks for.
    claimed = client.patch(url, headers=own, json={"gs1_company_prefixes": ["8930001",
                                                                            "8934567"]})
    assert claimed.status_code == 403
    assert client.get(url, headers=world["a"]).json["gs1_company_prefixes"] == ["8930001"]
    assert client.post("/api/v1/products", headers=world["a"],
                       json=product_payload(make_gtin("893456700001"))).status_code == 422
    unchanged = client.patch(url, headers=own, json={"gs1_company_prefixes": ["8930001"],
                                                      "phone": "0299 3861 234"})
    assert unchanged.status_code == 200
    by_admin = client.patch(url, headers={**world["admin"], "If-Match": "*"},
                            json={"gs1_company_prefixes": ["8930001", "8934567"]})
    assert by_admin.status_code == 200
    assert by_admin.json["gs1_company_prefixes"] == ["8930001", "8934567"]


def test_pending_organization_corrects_its_own_prefixes(client, world):
    response = client.post("/api/v1/organizations", json={
        "name": "Hộ kinh doanh Bà Sáu", "tax_code": "8012345670", "kind": "household",
        "gs1_company_prefixes": ["8930008"], "account_email": "ba.sau@example.vn"})
    headers = {"Authorization": f"Bearer {response.json['api_key']}", "If-Match": "*"}
    corrected = client.patch(f"/api/v1/organizations/{response.json['id']}", headers=headers,
                             json={"gs1_company_prefixes": ["8930007"]})
    assert corrected.status_code == 200
    assert corrected.json["gs1_company_prefixes"] == ["8930007"]


def test_rejection_needs_a_reason(client, world):
    response = client.post("/api/v1/organizations", json={
        "name": "HKD", "tax_code": "8012345679", "kind": "household",
        "account_email": "x@example.vn"})
    org_id = response.json["id"]
    no_reason = client.post(f"/api/v1/organizations/{org_id}/reject", headers=world["admin"],
                            json={})
    assert no_reason.status_code == 422
    rejected = client.post(f"/api/v1/organizations/{org_id}/reject", headers=world["admin"],
                           json={"reason": "Mã số thuế không khớp giấy phép"})
    assert rejected.json["status"] == "rejected"


def test_self_registration_needs_account_email(client):
    response = client.post("/api/v1/organizations", json={
        "name": "HKD", "tax_code": "8012345670", "kind": "household"})
    assert response.status_code == 422
    assert "account_email" in response.json["errors"]


def test_business_sees_only_its_own_organization(client, world):
    assert client.get(f"/api/v1/organizations/{world['org_b']}",
                      headers=world["a"]).status_code == 404
    listing = client.get("/api/v1/organizations", headers=world["a"]).json
    assert [o["id"] for o in listing["items"]] == [world["org_a"]]
    everything = client.get("/api/v1/organizations", headers=world["inspector"]).json
    assert everything["total"] == 2


def test_inspector_scope_by_province(client, world):
    from tests import factories

    _, scoped = factories.user_with_key("la@example.vn", "inspector",
                                        scope_provinces=["Long An"])
    listing = client.get("/api/v1/organizations", headers=scoped).json
    assert [o["id"] for o in listing["items"]] == [world["org_b"]]
    assert client.get(f"/api/v1/organizations/{world['org_a']}",
                      headers=scoped).status_code == 404


def test_anonymous_reads_are_401(client, world):
    assert client.get(f"/api/v1/organizations/{world['org_a']}").status_code == 401
    assert client.get("/api/v1/products").status_code == 401


# --------------------------------------------------------------------- locations


def test_location_gln_rules(client, world):
    good = make_gtin("893000100010")
    created = client.post("/api/v1/locations", headers=world["a"], json={
        "name": "Vùng trồng Vĩnh Hiệp", "type": "growing_area", "gln": good,
        "latitude": 9.33, "longitude": 105.98})
    assert created.status_code == 201, created.json
    assert created.json["province"] == "Sóc Trăng"
    wrong_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    bad = client.post("/api/v1/locations", headers=world["a"], json={
        "name": "X", "type": "farm", "gln": wrong_digit})
    assert bad.status_code == 422
    assert "check digit" in bad.json["errors"]["gln"][0]
    dup = client.post("/api/v1/locations", headers=world["b"], json={
        "name": "Y", "type": "farm", "gln": good})
    assert dup.status_code == 409
    out_of_range = client.post("/api/v1/locations", headers=world["a"], json={
        "name": "Z", "type": "farm", "gln": make_gtin("893000100011"), "latitude": 123})
    assert out_of_range.status_code == 422
    assert "latitude" in out_of_range.json["errors"]


def test_inspector_cannot_write(client, world):
    response = client.post("/api/v1/locations", headers=world["inspector"], json={
        "name": "X", "type": "farm", "gln": make_gtin("893000100012"),
        "organization_id": world["org_a"]})
    assert response.status_code == 403


def test_business_cannot_write_for_another_org(client, world):
    response = client.post("/api/v1/locations", headers=world["a"], json={
        "name": "X", "type": "farm", "gln": make_gtin("893000100013"),
        "organization_id": world["org_b"]})
    assert response.status_code == 404


# --------------------------------------------------------------------- products


def test_product_gtin13_is_stored_as_14_digits(client, world):
    product = create_product(client, world["a"])
    assert product["gtin"] == "0" + SHALLOT
    assert product["gtin_display"] == SHALLOT
    assert product["completeness"]["complete"] is True
    assert product["digital_link"] == f"https://id.example.vn/01/0{SHALLOT}"


def test_product_gtin_errors(client, world):
    wrong = SHALLOT[:-1] + str((int(SHALLOT[-1]) + 3) % 10)
    response = client.post("/api/v1/products", headers=world["a"], json=product_payload(wrong))
    assert response.status_code == 422
    assert "gtin" in response.json["errors"]
    short = client.post("/api/v1/products", headers=world["a"], json=product_payload("12345"))
    assert short.status_code == 422
    restricted = client.post("/api/v1/products", headers=world["a"],
                             json=product_payload(make_gtin("200000000001")))
    assert restricted.status_code == 422


def test_product_outside_prefix_needs_authorisation(client, world):
    foreign = make_gtin("400638133393")  # a German GTIN
    refused = client.post("/api/v1/products", headers=world["a"], json=product_payload(foreign))
    assert refused.status_code == 422
    assert "74/2018" in refused.json["errors"]["gtin"][0]
    allowed = client.post("/api/v1/products", headers=world["a"], json=product_payload(
        foreign, foreign_code_authorization="Letter of authorisation 12/2026 from the owner"))
    assert allowed.status_code == 201
    others = client.post("/api/v1/products", headers=world["a"],
                         json=product_payload(DRAGON_FRUIT))
    assert others.status_code == 422


def test_duplicate_gtin_is_409(client, world):
    create_product(client, world["a"])
    again = client.post("/api/v1/products", headers=world["a"], json=product_payload())
    assert again.status_code == 409


def test_completeness_names_what_is_missing(client, world):
    response = client.post("/api/v1/products", headers=world["a"], json={
        "gtin": RICE, "name": "Gạo ST25"})
    assert response.status_code == 201
    completeness = response.json["completeness"]
    assert completeness["complete"] is False
    assert set(completeness["missing"]) == {"images", "brand", "net_content", "shelf_life",
                                            "standards"}


def test_search_with_and_without_diacritics(client, world):
    create_product(client, world["a"])
    create_product(client, world["a"], gtin=RICE, name="Gạo ST25 Ông Cua", brand="Ông Cua")
    for query in ("hanh tim", "Hành tím", "HANH", "vĩnh châu"):
        found = client.get("/api/v1/products", query_string={"q": query},
                           headers=world["a"]).json
        assert [p["name"] for p in found["items"]] == ["Hành tím Vĩnh Châu"], query
    assert client.get("/api/v1/products", query_string={"q": "ong cua"},
                      headers=world["a"]).json["total"] == 1
    assert client.get("/api/v1/products", query_string={"q": "100%"},
                      headers=world["a"]).json["total"] == 0


def test_pagination_is_stable(client, world):
    for index in range(7):
        create_product(client, world["a"], gtin=make_gtin(f"8930001001{index:02d}"),
                       name=f"Sản phẩm {index}")
    seen = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/products", query_string={"page": page, "per_page": 3},
                          headers=world["a"]).json
        assert body["total"] == 7 and body["pages"] == 3
        seen += [p["id"] for p in body["items"]]
    assert seen == sorted(seen) and len(set(seen)) == 7
    too_big = client.get("/api/v1/products", query_string={"per_page": 100000},
                         headers=world["a"])
    assert too_big.status_code == 422


def test_product_filter_by_gtin_any_length(client, world):
    create_product(client, world["a"])
    found = client.get("/api/v1/products", query_string={"gtin": SHALLOT},
                       headers=world["inspector"]).json
    assert found["total"] == 1


# --------------------------------------------------------------------- batches


def test_batch_digital_link_and_lookup(client, world):
    product = create_product(client, world["a"])
    batch = create_batch(client, world["a"], product["id"], lot="VC/2026%01")
    assert batch["status"] == "active"
    assert batch["digital_link"] == f"https://id.example.vn/01/0{SHALLOT}/10/VC%2F2026%2501"
    assert batch["expiry_date"] == (date(2026, 3, 1) + timedelta(days=90)).isoformat()
    assert batch["quantity"] == "1200.500"
    by_code = client.get("/api/v1/batches", query_string={"gtin": SHALLOT, "lot": "VC/2026%01"},
                         headers=world["a"]).json
    assert [b["id"] for b in by_code["items"]] == [batch["id"]]
    one = client.get(f"/api/v1/batches/{batch['id']}", headers=world["inspector"]).json
    assert one["product"]["name"] == "Hành tím Vĩnh Châu"
    assert one["organization"]["tax_code"] == "2200123456"


def test_batch_by_gtin_instead_of_product_id(client, world):
    create_product(client, world["a"])
    response = client.post("/api/v1/batches", headers=world["a"], json={
        "gtin": SHALLOT, "lot": "L1"})
    assert response.status_code == 201


@pytest.mark.parametrize("lot, fragment", [
    ("Lô-1", "'ô'"), ("A" * 21, "at most 20"), ("", "lot"), (" L1", "space"),
    ("L#1", "'#'")])
def test_bad_lots_are_explained(client, world, lot, fragment):
    product = create_product(client, world["a"])
    response = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": lot})
    assert response.status_code == 422
    assert fragment in response.json["errors"]["lot"][0]


def test_batch_rules(client, world):
    product = create_product(client, world["a"])
    create_batch(client, world["a"], product["id"], lot="L1")
    dup = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": "L1"})
    assert dup.status_code == 409
    dates = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": "L2", "production_date": "2026-05-01",
        "expiry_date": "2026-04-01"})
    assert dates.status_code == 422 and "expiry_date" in dates.json["errors"]
    bad_date = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": "L3", "production_date": "2026-02-30"})
    assert bad_date.status_code == 422 and "production_date" in bad_date.json["errors"]
    negative = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": "L4", "quantity": "-1"})
    assert negative.status_code == 422 and "quantity" in negative.json["errors"]
    other_location = client.post("/api/v1/locations", headers=world["b"], json={
        "name": "Farm B", "type": "farm", "gln": make_gtin("893000200010")}).json
    wrong_location = client.post("/api/v1/batches", headers=world["a"], json={
        "product_id": product["id"], "lot": "L5", "location_id": other_location["id"]})
    assert wrong_location.status_code == 422 and "location_id" in wrong_location.json["errors"]
    others_product = client.post("/api/v1/batches", headers=world["b"], json={
        "product_id": product["id"], "lot": "L6"})
    assert others_product.status_code == 422


def test_business_b_cannot_see_batch_of_a(client, world):
    product = create_product(client, world["a"])
    batch = create_batch(client, world["a"], product["id"])
    assert client.get(f"/api/v1/batches/{batch['id']}", headers=world["b"]).status_code == 404
    assert client.get(f"/api/v1/products/{product['id']}", headers=world["b"]).status_code == 404
    patch = client.patch(f"/api/v1/batches/{batch['id']}", headers={**world["b"],
                         "If-Match": "*"}, json={"notes": "x"})
    assert patch.status_code == 404


def test_batch_with_codes_is_voided_not_deleted(client, world):
    product = create_product(client, world["a"])
    fresh = create_batch(client, world["a"], product["id"], lot="FRESH")
    assert client.delete(f"/api/v1/batches/{fresh['id']}", headers=world["a"]).status_code == 204
    printed = create_batch(client, world["a"], product["id"], lot="PRINTED")
    db.session.get(Batch, printed["id"]).codes_issued = True
    db.session.commit()
    refused = client.delete(f"/api/v1/batches/{printed['id']}", headers=world["a"])
    assert refused.status_code == 409
    assert "void" in refused.json["detail"]
    voided = client.post(f"/api/v1/batches/{printed['id']}/void", headers=world["a"],
                         json={"reason": "Tem in lỗi"})
    assert voided.json["status"] == "void"
    assert db.session.scalar(select(Batch).where(Batch.lot == "PRINTED")) is not None


# --------------------------------------------------------------------- ETags


def test_if_match_protects_against_lost_updates(client, world):
    product = create_product(client, world["a"])
    url = f"/api/v1/products/{product['id']}"
    read = client.get(url, headers=world["a"])
    etag = read.headers["ETag"]
    missing = client.patch(url, headers=world["a"], json={"brand": "A"})
    assert missing.status_code == 428
    first = client.patch(url, headers={**world["a"], "If-Match": etag}, json={"brand": "A"})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = client.patch(url, headers={**world["a"], "If-Match": etag}, json={"brand": "B"})
    assert stale.status_code == 412
    assert client.get(url, headers=world["a"]).json["brand"] == "A"


def test_patch_validates_fields(client, world):
    product = create_product(client, world["a"])
    url = f"/api/v1/products/{product['id']}"
    response = client.patch(url, headers={**world["a"], "If-Match": "*"},
                            json={"shelf_life_days": -4, "sector": "space"})
    assert response.status_code == 422
    assert {"shelf_life_days", "sector"} <= set(response.json["errors"])


# --------------------------------------------------------------------- certificates


def test_certificates(client, world):
    product = create_product(client, world["a"])
    ocop = client.post("/api/v1/certificates", headers=world["a"], json={
        "type": "ocop", "number": "OCOP-ST-2024-15", "issuer": "UBND tỉnh Sóc Trăng",
        "valid_from": "2024-01-10", "valid_until": "2027-01-10", "scope_type": "product",
        "product_id": product["id"], "star_rating": 4})
    assert ocop.status_code == 201, ocop.json
    assert ocop.json["expired"] is False
    no_stars = client.post("/api/v1/certificates", headers=world["a"], json={
        "type": "ocop", "number": "X", "issuer": "Y", "valid_from": "2024-01-10"})
    assert no_stars.status_code == 422 and "star_rating" in no_stars.json["errors"]
    backwards = client.post("/api/v1/certificates", headers=world["a"], json={
        "type": "vietgap", "number": "VG-1", "issuer": "Z", "valid_from": "2024-01-10",
        "valid_until": "2023-01-10"})
    assert backwards.status_code == 422 and "valid_until" in backwards.json["errors"]
    old = client.post("/api/v1/certificates", headers=world["a"], json={
        "type": "vietgap", "number": "VG-2", "issuer": "Z", "valid_from": "2020-01-10",
        "valid_until": "2022-01-10"})
    assert old.json["expired"] is True
    wrong_scope = client.post("/api/v1/certificates", headers=world["b"], json={
        "type": "vietgap", "number": "VG-3", "issuer": "Z", "valid_from": "2020-01-10",
        "scope_type": "product", "product_id": product["id"]})
    assert wrong_scope.status_code == 422


# --------------------------------------------------------------------- audit


def test_every_change_is_audited_and_chain_holds(client, world):
    product = create_product(client, world["a"])
    create_batch(client, world["a"], product["id"])
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert "product.create" in actions and "batch.create" in actions
    assert verify_chain().ok


def test_refused_change_writes_nothing(client, world):
    before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    client.post("/api/v1/products", headers=world["a"], json=product_payload(gtin="123"))
    after = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    assert before == after


def test_unique_race_leaves_nothing_behind(app, world):
    """A duplicate caught only by the database's unique index rolls the whole change back."""
    from traceability.accounts.models import User
    from traceability.errors import Conflict
    from traceability.registry import services as registry
    from traceability.registry.models import Product

    admin = db.session.scalar(select(User).where(User.email == "admin@example.vn"))
    registry.create_product(admin, {**product_payload(), "organization_id": world["org_a"]})
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    registry.create_location(admin, {"organization_id": world["org_a"], "name": "Kho",
                                     "type": "warehouse", "gln": make_gtin("893000100050")})
    db.session.add(Product(organization_id=world["org_a"], gtin="0" + SHALLOT, name="x"))
    with pytest.raises(Conflict):
        registry._flush_unique("duplicate")
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(select(db.func.count()).select_from(Product)) == 1
