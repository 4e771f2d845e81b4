from sqlalchemy import text

from tests import factories
from traceability.extensions import db
from traceability.oversight import audit


def _some_entries(count=5):
    for index in range(count):
        audit.record("tester", "thing.change", "thing", index, details={"n": index, "tên": "Hành"})
    db.session.commit()


def test_chain_links_each_entry_to_the_one_before(app):
    _some_entries(3)
    entries = db.session.scalars(db.select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert audit.verify_chain().ok


def test_direct_sql_edit_is_named(app):
    _some_entries(5)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET details = :d WHERE seq = 3"),
                           {"d": '{"n":99}'})
    db.session.expire_all()
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 3


def test_deleted_entry_is_named(app):
    _some_entries(5)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    report = audit.verify_chain()
    assert report.first_broken_seq == 3
    assert "missing" in report.reason


def test_truncated_tail_is_detected(app):
    _some_entries(4)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    assert not audit.verify_chain().ok


def test_account_changes_are_audited_in_the_same_transaction(app):
    factories.user_with_key("x@example.vn", "inspector")
    actions = db.session.scalars(db.select(audit.AuditEntry.action)).all()
    assert actions == ["user.create", "api_key.issue"]
