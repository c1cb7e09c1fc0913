"""The fixtures share one app and copy golden databases: nothing a test does may reach the next one.

The tests run in file order (pytest-xdist's --dist loadfile keeps a file on one worker): each "first"
test changes something, the "second" checks it is gone.
"""
from pimconnect.db import db, write_txn
from pimconnect.models import Currency, User


def test_app_database_is_migrated_and_empty(app, conn):
    assert User.select().count() == 0
    assert Currency.select().count() == 0


def test_seeded_database_has_the_demo_structure_and_two_users(seeded_app, conn):
    assert {u.username for u in User.select()} == {"admin", "julia"}
    assert Currency.select().count() > 0


def test_first_writes_and_changes_config_and_routes(seeded_app, conn):
    with write_txn():
        Currency.create(code="ZZZ")
    seeded_app.config["PIM_EDITION"] = "changed-by-a-test"

    @seeded_app.get("/_test/added-by-a-test")
    def _added():
        return "added"

    assert seeded_app.test_client().get("/_test/added-by-a-test").status_code == 200


def test_second_sees_none_of_it(seeded_app, conn, database_url):
    assert Currency.get_or_none(Currency.code == "ZZZ") is None
    assert seeded_app.config["PIM_EDITION"] != "changed-by-a-test"
    assert seeded_app.config["DATABASE_URL"] == database_url
    assert seeded_app.test_client().get("/_test/added-by-a-test").status_code == 404


def test_first_changes_the_schema_and_the_sequences(seeded_app, conn):
    """On PostgreSQL a worker reuses its test schema (rows replaced): a test's DDL must not survive."""
    with write_txn():
        db.execute_sql("ALTER TABLE currency ADD COLUMN added_by_a_test integer")
        User.create(username="zed", email="zed@example.com", first_name="Z", last_name="Z", password_hash="x")
    assert "added_by_a_test" in {column.name for column in db.get_columns("currency")}


def test_second_sees_the_golden_schema_and_sequences(seeded_app, conn):
    columns = {column.name for column in db.get_columns("currency")}
    assert "added_by_a_test" not in columns
    with write_txn():
        user = User.create(username="zed", email="zed@example.com", first_name="Z", last_name="Z", password_hash="x")
    assert user.id == max(u.id for u in User.select().where(User.username != "zed")) + 1


def test_database_url_alone_is_empty(database_url):
    """Without ``app``, a test gets an empty database (it migrates it itself, as before)."""
    from pimconnect import create_app, migrate
    from tests.conftest import make_test_config

    create_app(make_test_config(database_url))
    with db.connection_context():
        assert db.get_tables() == []
        assert migrate.upgrade(db.obj)  # every migration is still to apply
