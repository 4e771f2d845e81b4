from datetime import date

from tests import factories
from tests.registry.conftest import make_gtin
from traceability.extensions import db
from traceability.registry import services as registry


def farm_batch(lot="F1", province="Sóc Trăng", tax_code="2200123456", prefix="8930001"):
    """An approved organization with one product and one batch; returns (org, product, batch)."""
    org = factories.organization(tax_code=tax_code, prefixes=(prefix,), province=province,
                                 contact_email="farm@example.vn")
    admin = _admin()
    product = registry.create_product(admin, {
        "organization_id": org.id, "gtin": make_gtin(prefix + "00001"), "name": "Hành tím",
        "image_urls": ["https://img.example.vn/h.jpg"], "net_content": "1", "unit": "kg"})
    batch = registry.create_batch(admin, {"product_id": product.id, "lot": lot,
                                          "production_date": date(2026, 3, 1)})
    db.session.commit()
    return org, product, batch


def _admin():
    from sqlalchemy import select

    from traceability.accounts.models import User

    user = db.session.scalar(select(User).where(User.email == "root@example.vn"))
    if user is None:
        user, _ = factories.user_with_key("root@example.vn", "admin")
    return user
