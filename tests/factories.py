"""Small builders for test data, going through the services like real callers do."""

from traceability.accounts import services as accounts
from traceability.extensions import db
from traceability.registry.models import CompanyPrefix, Organization


def organization(name="HTX Nông nghiệp Vĩnh Châu", tax_code="2200123456", status="approved",
                 prefixes=("8930001",), province="Sóc Trăng", kind="cooperative", **extra):
    org = Organization(name=name, tax_code=tax_code, kind=kind, province=province,
                       address=extra.pop("address", "Phường 1, thị xã Vĩnh Châu"),
                       status=status, **extra)
    org.prefixes = [CompanyPrefix(prefix=p) for p in prefixes]
    db.session.add(org)
    db.session.commit()
    return org


def user_with_key(email, role, organization_id=None, **extra):
    """Create an account and return (user, bearer headers)."""
    user = accounts.create_user(email, role, organization_id=organization_id, **extra)
    _, plain = accounts.issue_api_key(user, "test")
    db.session.commit()
    return user, {"Authorization": f"Bearer {plain}"}
