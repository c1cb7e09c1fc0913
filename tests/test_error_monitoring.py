"""Error monitoring (reference §9.5): business errors of a connection's API product writes are kept and
shown for monitored source apps (last 100 of 7 days), purged beyond 100 or 8 days."""
import datetime
import json
import logging

from pimconnect.db import write_txn
from pimconnect.models import BusinessError, Connection
from pimconnect.models.structure import utcnow
from pimconnect.services.connections import error_monitoring
from tests.app_helpers import app_token, connect_code, register_listing

BATCH = "application/vnd.akeneo.collection+json"


def _app(seeded_app):
    app_id, _ = register_listing(seeded_app, "Source App")
    code = connect_code(seeded_app, app_id, ["write_products"])
    return app_id, code, app_token(seeded_app, app_id)


def test_refused_writes_are_recorded_and_shown(admin, seeded_app, client, conn):
    """A 422 product write and the 422 lines of a batch become errors on the app's tab."""
    app_id, code, token = _app(seeded_app)
    headers = {"Authorization": f"Bearer {token}"}
    bad = client.patch("/api/rest/v1/products/shirt-1", headers=headers,
                       json={"identifier": "shirt-1", "family": "no_such_family"})
    assert bad.status_code == 422
    lines = "\n".join(json.dumps(line) for line in (
        {"identifier": "ok-1"}, {"identifier": "bad-2", "values": {"nope": [{"locale": None, "scope": None, "data": 1}]}}))
    batch = client.patch("/api/rest/v1/products", headers={**headers, "Content-Type": BATCH}, data=lines)
    assert batch.status_code == 200
    rows = list(BusinessError.select().order_by(BusinessError.id))
    assert [row.product for row in rows] == ["shirt-1", "bad-2"]
    assert "no_such_family" in rows[0].message and "nope" in rows[1].message
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=error_monitoring").get_data(as_text=True)
    assert "For now, monitoring page is only available for source app." in page
    admin.post(f"/connect/connected-apps/{code}", {"flow_type": "data_source"})
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=error_monitoring").get_data(as_text=True)
    assert "Unmonitored app — To track errors on this app, activate monitoring in the settings." in page
    admin.post(f"/connect/connected-apps/{code}", {"flow_type": "data_source", "auditable": "1"})
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=error_monitoring").get_data(as_text=True)
    assert "Error number is limited to 100 errors." in page and "shirt-1" in page and "bad-2" in page


def test_successful_writes_and_reads_record_nothing(seeded_app, client, conn):
    _, _, token = _app(seeded_app)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.patch("/api/rest/v1/products/fine", headers=headers, json={"identifier": "fine"}).status_code == 201
    assert client.get("/api/rest/v1/products/fine", headers=headers).status_code == 200
    assert BusinessError.select().count() == 0


def test_purge_keeps_100_errors_of_8_days_and_the_tab_shows_7_days(seeded_app, conn):
    """Old errors go; at most 100 stay; the list shows those of the last 7 days, newest first."""
    _, code, _ = _app(seeded_app)
    connection = Connection.get(Connection.code == code)
    now = utcnow()
    with seeded_app.app_context(), write_txn():
        BusinessError.insert_many([{"connection": connection.id, "message": f"old {n}",
                                    "created": now - datetime.timedelta(days=9)} for n in range(3)]).execute()
        BusinessError.insert_many([{"connection": connection.id, "message": "seven and a half days",
                                    "created": now - datetime.timedelta(days=7, hours=12)}]).execute()
    with seeded_app.app_context():
        error_monitoring.record(connection.id, [{"code": 422, "message": f"error {n}"} for n in range(120)])
        assert BusinessError.select().count() == 100
        assert not BusinessError.select().where(BusinessError.message.startswith("old")).exists()
        shown = error_monitoring.last_errors(connection.id)
    assert len(shown) == 100 and all(row.message.startswith("error") for row in shown)


def test_errors_holding_text_no_database_stores_are_kept_cleaned(seeded_app, client, conn):
    """A refused line whose identifier holds a NUL character is recorded without it, never a 500."""
    _, _, token = _app(seeded_app)
    lines = "\n".join(json.dumps(line) for line in ({"identifier": "\u0000"}, {"identifier": "a\u0000b", "family": 3}))
    answer = client.patch("/api/rest/v1/products", data=lines,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": BATCH})
    assert answer.status_code == 200
    rows = list(BusinessError.select())
    assert rows and all("\x00" not in (row.message + (row.product or "")) for row in rows)


class _Statements(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record):
        self.sql.append(str(record.msg[0] if isinstance(record.msg, tuple) else record.msg))


def test_a_batch_of_refused_lines_is_recorded_with_one_insert_and_one_purge(seeded_app, client, conn):
    """Issue 16: the refused lines of a batch are one INSERT and one purge, not one transaction each."""
    _, _, token = _app(seeded_app)
    lines = "\n".join(json.dumps({"identifier": f"bad-{n}", "family": "no_such_family"}) for n in range(20))
    logger, handler = logging.getLogger("peewee"), _Statements()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        batch = client.patch("/api/rest/v1/products", headers={"Authorization": f"Bearer {token}",
                                                               "Content-Type": BATCH}, data=lines)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert batch.status_code == 200
    inserts = [sql for sql in handler.sql if sql.startswith('INSERT INTO "business_error"')]
    purges = [sql for sql in handler.sql if sql.startswith('DELETE FROM "business_error"')]
    assert len(inserts) == 1 and len(purges) == 1
    assert sorted(row.product for row in BusinessError.select()) == sorted(f"bad-{n}" for n in range(20))
