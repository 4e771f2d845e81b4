"""Report a problem: reaches the inspectors' inbox, keeps spam out."""

import os
import re
import subprocess
import sys
import textwrap

from sqlalchemy import select

from tests.resolver.conftest import SHALLOT
from traceability.extensions import db
from traceability.oversight.audit import AuditEntry
from traceability.resolver.models import ConsumerReport

DL = f"/01/{SHALLOT}/10/VC2026-03A"
FORM = "/report" + DL


def form_fields(client, path=FORM):
    html = client.get(path).get_data(as_text=True)
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))


def test_form_page(client, world):
    response = client.get(FORM)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Báo cáo vấn đề về sản phẩm" in html and "Hành tím Vĩnh Châu" in html
    assert 'name="website"' in html and 'class="hp"' in html  # honeypot, hidden from people
    assert {"csrf_token", "started"} <= set(form_fields(client))
    assert "Report a problem" in client.get(FORM + "?lang=en").get_data(as_text=True)


def test_a_report_reaches_the_inbox(client, world, app):
    fields = form_fields(client, FORM + "/21/K7Q2M9X4")
    response = client.post(FORM + "/21/K7Q2M9X4", data={
        **fields, "category": "counterfeit", "message": "Tem bị bong, mã in mờ",
        "contact": "0909 123 456"}, environ_base={"REMOTE_ADDR": "203.0.113.5"},
        headers={"X-Geo-Region": "Cần Thơ"})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "Cảm ơn bạn!" in thanks.get_data(as_text=True)
    report = db.session.scalars(select(ConsumerReport)).one()
    assert (report.gtin, report.lot, report.serial) == (SHALLOT, "VC2026-03A", "K7Q2M9X4")
    assert report.batch_id == world["batches"]["normal"]
    assert report.organization_id == world["org"] and report.product_id == world["product"]
    assert (report.category, report.status, report.region) == ("counterfeit", "new", "Cần Thơ")
    assert report.contact == "0909 123 456" and report.created_at is not None
    assert report.ip_hash and "203.0.113" not in report.ip_hash
    assert db.session.scalars(select(AuditEntry.action)).all() == ["consumer_report.create"]


def test_a_report_on_an_unknown_lot_names_the_product(client, world):
    path = f"/report/01/{SHALLOT}/10/FAKE-LOT"
    fields = form_fields(client, path)
    client.post(path, data={**fields, "category": "counterfeit", "message": "Số lô lạ"})
    report = db.session.scalars(select(ConsumerReport)).one()
    assert report.lot == "FAKE-LOT" and report.batch_id is None
    assert report.product_id == world["product"]


def test_missing_fields_are_explained(client, world):
    fields = form_fields(client)
    response = client.post(FORM, data={**fields, "category": "nonsense", "message": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Hãy chọn vấn đề gặp phải." in html and "Hãy mô tả vấn đề." in html
    assert db.session.scalar(select(db.func.count(ConsumerReport.id))) == 0


def test_honeypot_thanks_the_bot_and_keeps_nothing(client, world):
    fields = form_fields(client)
    response = client.post(FORM, data={**fields, "category": "other", "message": "Buy now",
                                       "website": "https://spam.example"})
    assert response.status_code == 303
    assert db.session.scalar(select(db.func.count(ConsumerReport.id))) == 0


def test_too_fast_or_forged_forms_are_refused(client, world, app):
    app.config["REPORT_MIN_SECONDS"] = 60
    fields = form_fields(client)
    response = client.post(FORM, data={**fields, "category": "other", "message": "Nhanh quá"})
    assert response.status_code == 422
    assert "Bạn gửi hơi nhanh" in response.get_data(as_text=True)
    app.config["REPORT_MIN_SECONDS"] = 0
    response = client.post(FORM, data={**fields, "started": "forged", "category": "other",
                                       "message": "x"})
    assert response.status_code == 422 and "hết hạn" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(ConsumerReport.id))) == 0


def test_csrf_token_is_required(client, world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        fields = form_fields(client)
        missing = client.post(FORM, data={"started": fields["started"], "category": "other",
                                          "message": "x"})
        assert missing.status_code == 400
        accepted = client.post(FORM, data={**fields, "category": "other", "message": "x"})
        assert accepted.status_code == 303
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(select(db.func.count(ConsumerReport.id))) == 1


RATE_LIMIT_SCRIPT = textwrap.dedent("""
    import re, sys
    from flask_migrate import upgrade
    from traceability import create_app
    from traceability.extensions import db
    from traceability.registry.models import Organization, Product

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "REPORT_MIN_SECONDS": 0,
                      "REPORT_RATE_LIMIT": "3 per minute", "RESOLVER_BASE_URL": "http://x"})
    with app.app_context():
        upgrade()
        org = Organization(name="O", tax_code="2200000001", kind="household", status="approved")
        db.session.add(org); db.session.flush()
        db.session.add(Product(organization_id=org.id, gtin=sys.argv[2], name="P"))
        db.session.commit()
    client = app.test_client()
    path = "/report/01/" + sys.argv[2]
    html = client.get(path).get_data(as_text=True)
    started = re.search('name="started" value="([^"]+)"', html).group(1)
    codes = [client.post(path, data={"started": started, "category": "other",
                                     "message": "m"}).status_code for _ in range(5)]
    print(codes)
""")


def test_reports_are_rate_limited(tmp_path):
    """Run in a separate process: the suite's app is built with rate limits off."""
    database = "sqlite:///" + str(tmp_path / "limits.sqlite")
    result = subprocess.run(
        [sys.executable, "-c", RATE_LIMIT_SCRIPT, database, SHALLOT],
        capture_output=True, text=True, timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[303, 303, 303, 429, 429]"
