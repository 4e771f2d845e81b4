"""Speed without staleness: the in-process cache and its shared generation token."""

import time

from sqlalchemy import select, update

from tests import factories
from tests.resolver.conftest import SHALLOT
from tests.resolver.support import count_queries
from traceability.accounts.models import User
from traceability.extensions import db
from traceability.registry.models import Batch, Product
from traceability.resolver import services
from traceability.resolver.cache import ResolverCache, bump_generation, cache
from traceability.resolver.models import CacheGeneration

DL = f"/01/{SHALLOT}/10/VC2026-03A"


def tokens() -> dict:
    """The generation tokens by scope: 1 everything, 2 journeys, 3 batches and units."""
    db.session.expire_all()
    return dict(db.session.execute(select(CacheGeneration.id, CacheGeneration.token)).all())


def banner(client, path=DL):
    html = client.get("/scan" + path).get_data(as_text=True)
    return html.split('class="banner banner-', 1)[1].split('"', 1)[0]


def test_changes_that_affect_scans_change_the_generation_in_their_transaction(app, world):
    before = tokens()
    batch = db.session.get(Batch, world["batches"]["normal"])
    batch.status = "on_hold"
    db.session.flush()
    # Same transaction: this session already sees the new token.
    inside = dict(db.session.execute(select(CacheGeneration.id, CacheGeneration.token)).all())
    assert inside.get(3) != before.get(3)
    assert inside.get(1) == before.get(1)  # what GTINs resolve to is unchanged
    db.session.rollback()
    assert tokens() == before  # rolled back with the change


def test_a_product_change_drops_everything(client, world):
    client.get(DL)
    client.get("/scan" + DL)
    assert cache.size("keys") and cache.size("items")
    before = tokens()
    product = db.session.get(Product, world["product"])
    product.name = "Hành tím Vĩnh Châu loại 1"
    db.session.commit()
    assert tokens().get(1) != before.get(1)
    assert cache.size("keys") == 0 and cache.size("items") == 0
    assert "Hành tím Vĩnh Châu loại 1" in client.get("/scan" + DL).get_data(as_text=True)


def test_a_batch_change_keeps_what_codes_resolve_to(client, world):
    client.get(DL)
    client.get("/scan" + DL)
    batch = db.session.get(Batch, world["batches"]["normal"])
    batch.status = "on_hold"
    db.session.commit()
    assert cache.size("keys") > 0
    assert cache.size("items") == 0 and cache.size("pages") == 0


def test_unrelated_changes_leave_the_generation_alone(app, world):
    before = tokens()
    factories.user_with_key("someone@example.vn", "inspector")
    user = db.session.scalars(select(User)).first()
    user.scope_provinces = "Sóc Trăng"
    db.session.commit()
    assert tokens() == before


def test_own_commit_drops_this_process_cache_at_once(client, world):
    assert banner(client) == "genuine"
    batch = db.session.get(Batch, world["batches"]["normal"])
    batch.status, batch.status_reason = "recalled", "Nhiễm khuẩn"
    db.session.commit()
    assert banner(client) == "recalled"


def test_another_process_change_shows_within_the_check_interval(client, world, app):
    """A change committed elsewhere (Core UPDATE plus bump, as another worker would do)."""
    app.config["RESOLVER_CACHE_CHECK_SECONDS"] = 0.2
    try:
        assert banner(client) == "genuine"
        with db.engine.begin() as other_process:
            other_process.execute(update(Batch).where(Batch.id == world["batches"]["normal"])
                                  .values(status="on_hold"))
            bump_generation(other_process)
        time.sleep(0.25)
        assert banner(client) == "on_hold"
    finally:
        app.config.pop("RESOLVER_CACHE_CHECK_SECONDS")


def test_generation_is_read_at_most_once_per_interval(client, world, app):
    app.config["RESOLVER_CACHE_CHECK_SECONDS"] = 3600
    try:
        client.get(DL)
        with count_queries() as statements:
            for _ in range(20):
                client.get(DL)
        assert statements == []
        cache._checked_at = float("-inf")
        with count_queries() as statements:
            client.get(DL)
        assert len(statements) == 1 and "resolver_cache_generation" in statements[0]
    finally:
        app.config.pop("RESOLVER_CACHE_CHECK_SECONDS")


def test_a_miss_costs_one_query(app, world):
    app.config["RESOLVER_CACHE_CHECK_SECONDS"] = 3600
    try:
        with count_queries() as statements:
            services.key_info("01", SHALLOT)  # every registered GTIN, in one query
        assert len(statements) == 1
        assert cache.size("keys") == 1
        with count_queries() as statements:
            assert services.key_info("01", "09506000134352")["product_id"] is None
        assert len(statements) == 2  # an unknown key: its own query (and whether it has links)
        with count_queries() as statements:
            view = services.item_view(SHALLOT, "VC2026-03A", "K7Q2M9X4")
        assert len(statements) == 2  # the product and producer (kept per GTIN), then the unit
        assert view["batch"]["lot"] == "VC2026-03A" and view["unit"]["serial"] == "K7Q2M9X4"
        with count_queries() as statements:
            other = services.item_view(SHALLOT, "VC2025-01", None)
        assert len(statements) == 1  # another batch of a known product: the batch alone
        assert other["product"] is view["product"] and other["batch"]["lot"] == "VC2025-01"
        with count_queries() as statements:
            assert services.item_view(SHALLOT, None, None)["batch"] is None
        assert statements == []  # the product alone: nothing more to read
        with count_queries() as statements:
            services.item_view(SHALLOT, "VC2026-03A", "K7Q2M9X4")
            services.key_info("01", SHALLOT)
        assert statements == []
    finally:
        app.config.pop("RESOLVER_CACHE_CHECK_SECONDS")


def test_a_load_that_raced_a_drop_is_not_kept():
    local = ResolverCache()
    local.define("things", 10)

    def load_while_someone_drops():
        local.clear()
        return "pre-change value"

    assert local.get("things", "k", load_while_someone_drops) == "pre-change value"
    assert local.size("things") == 0
    assert local.get("things", "k", lambda: "fresh") == "fresh"
    assert local.size("things") == 1


def test_maps_are_bounded_and_units_expire(monkeypatch):
    local = ResolverCache()
    local.define("small", 8)
    local.define("brief", 8, ttl=5.0)
    for number in range(50):
        local.get("small", number, lambda n=number: n)
    assert local.size("small") <= 8
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    assert local.get("brief", "unit", lambda: "first") == "first"
    assert local.get("brief", "unit", lambda: "second") == "first"
    clock[0] += 6
    assert local.get("brief", "unit", lambda: "third") == "third"


def test_capturing_an_event_drops_journeys_and_pages_only(client, world):
    from tests.resolver.test_page import record_event

    client.get("/scan" + DL)
    assert cache.size("items") == 1 and cache.size("pages") == 1
    before = tokens()
    record_event(world["batches"]["normal"])
    after = tokens()
    assert after.get(2) != before.get(2)
    # Products and batches stay cached.
    assert (after.get(1), after.get(3)) == (before.get(1), before.get(3))
    assert cache.size("items") == 1
    assert cache.size("pages") == 0 and cache.size("journeys") == 0


def test_batches_without_events_cost_no_journey_queries(client, world, monkeypatch):
    from traceability.events import chain

    def must_not_be_called(batch):
        raise AssertionError("chain asked about a batch without events")

    monkeypatch.setattr(chain, "journey", must_not_be_called)
    html = client.get("/scan" + DL).get_data(as_text=True)
    assert "Chưa có thông tin hành trình cho lô hàng này." in html
