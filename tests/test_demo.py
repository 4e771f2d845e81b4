"""The demo data ``make run`` loads: realistic, complete, and loaded once."""

from datetime import date, timedelta

from sqlalchemy import func, select

from traceability.events.models import EPCISEvent
from traceability.extensions import db
from traceability.registry.models import Batch, Organization, Product
from traceability.registry.services import product_completeness


def test_demo_loads_once_with_journeys(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.vn" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert "already loaded" in again.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 3
    assert all(product_completeness(p)["complete"] for p in db.session.scalars(select(Product)))
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 4
    assert db.session.scalar(select(func.count()).select_from(EPCISEvent)) == 13
    # The story is moved to the present: no batch is expired on the day it is loaded.
    assert not [b.lot for b in db.session.scalars(select(Batch))
                if b.expiry_date and b.expiry_date < date.today()]
    assert max(b.production_date for b in db.session.scalars(select(Batch))) == \
        date.today() - timedelta(days=5)
