"""Codes, trace, holds, releases, recalls, inspections and the audit log through the API."""

from sqlalchemy import select

from tests import factories
from tests.oversight.helpers import farm_batch
from traceability.extensions import db
from traceability.gateway.outbox import OutboxMessage
from traceability.oversight.audit import AuditEntry, verify_chain

GS = "\x1d"


def test_parse_codes_in_every_form(client):
    gtin = "09506000134352"
    for code in (f"https://id.example.vn/01/{gtin}/10/ABC", f"(01){gtin}(10)ABC",
                 f"]C101{gtin}10ABC{GS}17260101", f"]d201{gtin}10ABC", "9506000134352"):
        response = client.post("/api/v1/codes/parse", json={"code": code})
        assert response.status_code == 200, (code, response.json)
        assert response.json["elements"][0] == {"ai": "01", "value": gtin, "title": "GTIN"}
        assert response.json["digital_link"].startswith(f"https://id.example.vn/01/{gtin}")


def test_parse_errors_say_what_is_wrong(client):
    cases = {"(01)09506000134353": "check digit", "(01)0950600013435": "",
             "(17)261399(01)09506000134352": "", "(02)09506000134352": ""}
    for code, fragment in cases.items():
        response = client.post("/api/v1/codes/parse", json={"code": code})
        assert response.status_code == 400, code
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"]["code"] and response.json["errors"]["code_vi"]
        assert fragment in " ".join(response.json["errors"]["code"]).lower()
    assert client.post("/api/v1/codes/parse", json={"code": ""}).status_code == 422
    assert client.post("/api/v1/codes/parse", json={}).status_code == 422


def test_trace_any_form_and_unknown_codes(app, client):
    org, product, batch = farm_batch(lot="F/1")
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    raw = f"]C101{product.gtin}10F/1"
    response = client.get("/api/v1/trace", query_string={"code": raw}, headers=inspector)
    assert response.status_code == 200, response.json
    assert response.json["batch"]["lot"] == "F/1"
    assert response.json["organization"]["tax_code"] == org.tax_code
    assert response.json["status"] == "active"
    assert response.json["scans"]["total"] == 0 and response.json["scans"]["copy_alerts"] == []
    by_link = client.get("/api/v1/trace", headers=inspector, query_string={
        "code": f"https://id.example.vn/01/{product.gtin}/10/F%2F1"})
    assert by_link.json["batch"]["id"] == batch.id
    product_only = client.get("/api/v1/trace", headers=inspector,
                              query_string={"code": product.gtin})
    assert product_only.json["batch"] is None and len(product_only.json["batches"]) == 1
    unknown_lot = client.get("/api/v1/trace", headers=inspector,
                             query_string={"code": f"(01){product.gtin}(10)NOPE"})
    assert unknown_lot.status_code == 404 and "NOPE" in unknown_lot.json["detail"]
    unknown_gtin = client.get("/api/v1/trace", headers=inspector,
                              query_string={"code": "(01)09506000134352"})
    assert unknown_gtin.status_code == 404 and "not registered" in unknown_gtin.json["detail"]
    broken = client.get("/api/v1/trace", headers=inspector,
                        query_string={"code": "(01)09506000134353"})
    assert broken.status_code == 400
    assert client.get("/api/v1/trace", query_string={"code": raw}).status_code == 401


def test_hold_release_recall_rules(app, client):
    _, _, batch = farm_batch()
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    url = f"/api/v1/batches/{batch.id}"
    no_reason = client.post(f"{url}/hold", json={"reason": ""}, headers=inspector)
    assert no_reason.status_code == 422
    held = client.post(f"{url}/hold", json={"reason": "Nghi nhiễm dư lượng"}, headers=inspector)
    assert held.status_code == 200 and held.json["status"] == "on_hold"
    again = client.post(f"{url}/hold", json={"reason": "x"}, headers=inspector)
    assert again.status_code == 409
    released = client.post(f"{url}/release", json={"reason": "Mẫu đạt"}, headers=inspector)
    assert released.json["status"] == "active"
    recalled = client.post(f"{url}/recall", json={"reason": "Dư lượng vượt ngưỡng",
                                                  "level": "1"}, headers=inspector)
    assert recalled.status_code == 200, recalled.json
    assert recalled.json["decision"]["level"] == "1"
    final = client.post(f"{url}/release", json={"reason": "oops"}, headers=inspector)
    assert final.status_code == 409 and "final" in final.json["detail"]
    history = client.get("/api/v1/trace", headers=inspector,
                         query_string={"code": batch.gtin + ""}).json
    assert history["batches"][0]["status"] == "recalled"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "batch")).all()
    assert {"batch.hold", "batch.release", "batch.recall"} <= set(actions)
    assert verify_chain().ok


def test_recall_goes_to_the_gateway(app, client):
    _, _, batch = farm_batch()
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    client.post(f"/api/v1/batches/{batch.id}/recall", json={"reason": "x"}, headers=inspector)
    kinds = db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.state == "pending")).all()
    assert "recall" in kinds
    recall = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "recall"))
    assert recall.payload["soLo"] == batch.lot and recall.payload["mucDo"] == "2"
    assert {d.key for d in recall.requires} == {f"lot:{batch.gtin}/{batch.lot}"}


def test_who_may_decide(app, client):
    org, _, batch = farm_batch()
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    _, elsewhere = factories.user_with_key("la@example.vn", "inspector",
                                           scope_provinces=["Long An"])
    url = f"/api/v1/batches/{batch.id}/hold"
    assert client.post(url, json={"reason": "x"}, headers=owner).status_code == 403
    assert client.post(url, json={"reason": "x"}, headers=elsewhere).status_code == 404
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert client.post("/api/v1/batches/999/hold", json={"reason": "x"},
                       headers=factories.user_with_key("a@example.vn", "admin")[1]
                       ).status_code == 404


def test_inspections(app, client):
    org, _, batch = farm_batch()
    _, inspector = factories.user_with_key("ins@example.vn", "inspector")
    created = client.post("/api/v1/inspections", headers=inspector, json={
        "organization_id": org.id, "batch_id": batch.id, "date": "2026-04-02",
        "place": "Chợ Vĩnh Châu", "result": "non_compliant",
        "samples": [{"code": "M-01", "description": "Hành tím 1 kg", "result": "Vượt MRL"}],
        "notes": "Lấy mẫu gửi phòng thử nghiệm",
        "attachments": [{"name": "bien-ban.pdf", "url": "https://files.example.vn/bb.pdf"}]})
    assert created.status_code == 201, created.json
    inspection = created.json
    assert inspection["batch_ids"] == [batch.id] and inspection["planned_date"] == "2026-04-02"
    patched = client.patch(f"/api/v1/inspections/{inspection['id']}", headers=inspector,
                           json={"result": "follow_up"})
    assert patched.json["result"] == "follow_up"
    bad = client.post("/api/v1/inspections", headers=inspector, json={
        "organization_id": org.id, "batch_ids": [999]})
    assert bad.status_code == 422 and "batch_ids" in bad.json["errors"]
    listed = client.get("/api/v1/inspections", query_string={"batch_id": batch.id},
                        headers=inspector).json["items"]
    assert [i["id"] for i in listed] == [inspection["id"]]
    trace = client.get("/api/v1/trace", headers=inspector,
                       query_string={"code": f"(01){batch.gtin}(10){batch.lot}"}).json
    assert [i["id"] for i in trace["inspections"]] == [inspection["id"]]
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    assert client.post("/api/v1/inspections", headers=owner,
                       json={"organization_id": org.id}).status_code == 403


def test_audit_api_visibility(app, client):
    org, _, batch = farm_batch()
    other, _, _ = farm_batch(tax_code="1100654321", prefix="8930002", province="Long An",
                             lot="L1")
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    _, admin = factories.user_with_key("boss@example.vn", "admin")
    mine = client.get("/api/v1/audit", headers=owner).json
    assert mine["total"] > 0
    assert {e["organization_id"] for e in mine["items"]} == {org.id}
    everything = client.get("/api/v1/audit", headers=admin).json
    assert everything["total"] > mine["total"]
    one = client.get("/api/v1/audit", query_string={"entity": f"batch:{batch.id}"},
                     headers=admin).json
    assert [e["action"] for e in one["items"]] == ["batch.create"]
    assert one["items"][0]["hash"] and one["items"][0]["prev_hash"]
    assert client.get("/api/v1/audit").status_code == 401


def test_audit_verify_cli_names_the_edited_row(app, runner):
    farm_batch()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    from sqlalchemy import text

    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET action = 'batch.delete' "
                                "WHERE seq = 3"))
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3" in result.output


def test_gs1_parse_cli(runner):
    result = runner.invoke(args=["gs1", "parse", "]C10109506000134352{GS}10ABC"])
    assert result.exit_code == 0 and '"value": "ABC"' in result.output
    bad = runner.invoke(args=["gs1", "parse", "(01)09506000134353"])
    assert bad.exit_code == 2 and "check digit" in bad.output.lower()


def test_inspector_scoped_by_sector(app, client):
    from tests.registry.conftest import make_gtin
    from traceability.registry import services as registry
    from traceability.registry.cli import OperatorActor

    org, _, batch = farm_batch()  # its product is sector "other"
    rice_org = factories.organization(name="Gạo", tax_code="2200999888", prefixes=("8930009",))
    registry.create_product(OperatorActor(), {
        "organization_id": rice_org.id, "gtin": make_gtin("893000900001"), "name": "Gạo ST25",
        "sector": "rice"})
    db.session.commit()
    _, rice_inspector = factories.user_with_key("rice@example.vn", "inspector",
                                                scope_sectors=["rice"])
    listing = client.get("/api/v1/organizations", headers=rice_inspector).json
    assert [o["id"] for o in listing["items"]] == [rice_org.id]
    assert client.get(f"/api/v1/batches/{batch.id}", headers=rice_inspector).status_code == 404
    assert client.post(f"/api/v1/batches/{batch.id}/hold", json={"reason": "x"},
                       headers=rice_inspector).status_code == 404
    _, admin = factories.user_with_key("boss@example.vn", "admin")
    bad = client.post("/api/v1/users", headers=admin, json={
        "email": "x@example.vn", "role": "inspector", "scope_sectors": ["gold"]})
    assert bad.status_code == 422 and "scope_sectors" in bad.json["errors"]


def test_recall_notices_stay_within_the_inspectors_scope(app, client):
    from traceability.oversight.models import RecallNotice, StatusDecision

    org, _, batch = farm_batch()
    decision = StatusDecision(batch_id=batch.id, action="recall", reason="x", level="2",
                              previous_status="active")
    db.session.add(decision)
    db.session.flush()
    notice = RecallNotice(decision_id=decision.id, organization_id=org.id, batch_id=batch.id,
                          channel="email", target="farm@example.vn")
    db.session.add(notice)
    db.session.commit()
    _, here = factories.user_with_key("st@example.vn", "inspector",
                                      scope_provinces=["Sóc Trăng"])
    _, elsewhere = factories.user_with_key("la@example.vn", "inspector",
                                           scope_provinces=["Long An"])
    _, owner = factories.user_with_key("owner@example.vn", "business", organization_id=org.id)
    _, admin = factories.user_with_key("boss@example.vn", "admin")

    def listed(headers):
        return [n["id"] for n in client.get("/api/v1/recall-notices",
                                            headers=headers).json["items"]]

    assert listed(here) == listed(owner) == listed(admin) == [notice.id]
    assert listed(elsewhere) == []
    # Only the business it was sent to (or an administrator) acknowledges a notice: an
    # inspector's acknowledgement would tell the recall report the business knows.
    url = f"/api/v1/recall-notices/{notice.id}/acknowledge"
    assert client.post(url, headers=here).status_code == 403
    assert client.post(url, headers=elsewhere).status_code == 403
    assert db.session.get(RecallNotice, notice.id).acknowledged_at is None
    acknowledged = client.post(url, headers=owner)
    assert acknowledged.status_code == 200
    assert acknowledged.json["acknowledged_by"] == "owner@example.vn"
