"""The write-transaction helper under concurrency, and atomicity of a failed write."""
import threading

import pytest

from pimconnect.db import db, is_sqlite, write_txn
from pimconnect.models import Currency, Product


def test_concurrent_read_then_write_transactions(app, conn):
    """Eight threads doing read-then-write transactions all succeed (BEGIN IMMEDIATE on SQLite)."""
    with write_txn():
        Currency.create(code="CHF", enabled=True)
    db.close()
    errors, rounds = [], 15

    def worker(n):
        try:
            with db.connection_context():
                for i in range(rounds):
                    with write_txn():
                        count = Currency.select().count()  # read, then write in the same transaction
                        Currency.create(code=f"{chr(65 + n)}{i:02d}", enabled=count > 0)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert Currency.select().count() == 1 + 8 * rounds


def test_failed_write_rolls_back_everything(app, conn):
    """An error inside write_txn leaves none of its rows behind."""
    with pytest.raises(RuntimeError):
        with write_txn():
            Currency.create(code="AAA")
            Currency.create(code="BBB")
            raise RuntimeError("boom")
    assert Currency.select().where(Currency.code.in_(["AAA", "BBB"])).count() == 0


def test_nested_write_txn_is_a_savepoint(app, conn):
    """A nested write_txn rolls back alone; the outer transaction keeps its rows."""
    with write_txn():
        Currency.create(code="OUT")
        with pytest.raises(ValueError):
            with write_txn():
                Currency.create(code="INN")
                raise ValueError
    assert {c.code for c in Currency.select()} == {"OUT"}


def test_write_lock_timeout_answers_503(database_url):
    """When another writer holds SQLite's lock past the busy timeout, the user gets a 503 with Retry-After."""
    import sqlite3

    from pimconnect import create_app, migrate
    from pimconnect.services.demo import seed as demo
    from tests.conftest import ADMIN_PASSWORD, JULIA_PASSWORD, Auth, make_test_config

    app = create_app(make_test_config(database_url, PIM_DB_BUSY_TIMEOUT_MS=50))
    if not is_sqlite():
        pytest.skip("SQLite only: PostgreSQL locks rows, not the whole database")
    with db.connection_context():
        migrate.upgrade(db.obj)
        with write_txn():
            demo.seed_structure()
            demo.seed_users(ADMIN_PASSWORD, JULIA_PASSWORD)
    auth = Auth(app.test_client())
    assert auth.login("admin").status_code == 303
    token = auth.token()
    blocker = sqlite3.connect(db.obj.database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = auth.client.post("/settings/locales/es_ES", data={"csrf_token": token, "action": "enable"})
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert b"busy" in response.data


def test_strict_mode_refuses_a_write_outside_write_txn(app, conn):
    """The test suite's strict SQLite refuses a data write that is not inside write_txn()."""
    if not is_sqlite():
        pytest.skip("SQLite only")
    with pytest.raises(RuntimeError, match="outside write_txn"):
        Currency.create(code="OUT")
    with write_txn():
        Currency.create(code="INN")
    assert Currency.select().where(Currency.code == "INN").exists()


def test_requests_reuse_pooled_connections(client, app):
    """Requests one after the other check the same connection out and back in: none is opened per request."""
    for _ in range(3):
        assert client.get("/login").status_code == 200
    database = app.extensions["database"]
    assert len(database._connections) == 1 and not database._in_use


def test_a_request_that_finds_no_free_connection_answers_503(database_url):
    """With every pooled connection taken past the wait, the user gets the same 503 as a lock timeout."""
    from pimconnect import create_app, migrate
    from tests.conftest import make_test_config

    app = create_app(make_test_config(database_url, PIM_DB_POOL_SIZE=1, PIM_DB_BUSY_TIMEOUT_MS=50))
    with db.connection_context():
        migrate.upgrade(db.obj)
    held = threading.Event()
    release = threading.Event()

    def hold_the_only_connection():
        with db.connection_context():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert held.wait(10)
        response = app.test_client().get("/login")
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert app.test_client().get("/login").status_code == 200  # the connection is back in the pool


def test_postgresql_plans_product_reads_for_their_values(app, conn):
    """Statements reading products are planned for their values at each run (never prepared: a generic
    plan, blind to a search's values, made a filtered walk 3-5x slower after a few runs, bench/api.py);
    the others stay prepared after their first run."""
    if is_sqlite():
        pytest.skip("PostgreSQL's prepared statements")
    for _ in range(8):
        Product.select(Product.uuid).where(Product.identifier == "nothing").first()
        Currency.select(Currency.code).where(Currency.code == "EUR").first()
    prepared = [row[0] for row in db.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()]
    assert any('FROM "currency"' in text for text in prepared)
    assert not any('FROM "product" ' in text for text in prepared)
