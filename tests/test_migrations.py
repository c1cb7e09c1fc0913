"""The numbered migrations build exactly the schema the models describe."""
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from pimconnect import migrate
from pimconnect.db import db
from pimconnect.models import ALL_MODELS


def test_migrations_match_models(app, conn):
    """Applied to an empty database, the migrations leave no difference with the models."""
    diff = diff_models(db.obj, ALL_MODELS)
    assert not diff, str(diff)


def test_every_migration_is_recorded(app, conn):
    """Every migration file is applied and recorded; nothing is pending."""
    status = Runner(db.obj, directory=migrate.MIGRATIONS_DIR).status()
    assert status, "no migrations found"
    assert all(m.applied for m in status)
    assert migrate.pending(db.obj) == []


def test_upgrade_is_idempotent(app, conn):
    """Running the upgrade again applies nothing."""
    assert migrate.upgrade(db.obj) == []


def test_cli_db_upgrade(tmp_path, monkeypatch):
    """`flask db-upgrade` migrates an empty database and says so."""
    from pimconnect import create_app

    monkeypatch.setenv("PIM_ENV", "test")
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k" * 40})
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert "applied: 0001_initial" in result.output
    again = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert "Database is up to date." in again.output


def test_0002_gives_roles_with_api_access_every_new_api_acl(tmp_path):
    """A role that had "Overall Web API access" before the ACLs existed keeps reaching every endpoint."""
    import json

    from pimconnect.db import make_database, write_txn
    from tests.conftest import fresh_database_url

    with fresh_database_url(tmp_path) as url:
        database = make_database(url)
        db.initialize(database)
        try:
            with db.connection_context():
                runner = Runner(database, directory=migrate.MIGRATIONS_DIR)
                with write_txn():
                    runner.up(target="0001_initial")
                    for code, codes in (("API", ["pim_api_overall_access"]), ("UI", ["pim_enrich_product_index"])):
                        database.execute_sql("INSERT INTO role (code, label, permissions, type) VALUES (%s, %s, %s, %s)"
                                             .replace("%s", "?" if "sqlite" in url else "%s"),
                                             (code, code, json.dumps(codes), "default"))
                migrate.upgrade(database)
                rows = dict(database.execute_sql("SELECT code, permissions FROM role").fetchall())
        finally:
            db.initialize(None)
    api = rows["API"] if isinstance(rows["API"], list) else json.loads(rows["API"])
    ui = rows["UI"] if isinstance(rows["UI"], list) else json.loads(rows["UI"])
    assert "pim_api_product_list" in api and "pim_api_category_edit" in api
    assert ui == ["pim_enrich_product_index"]
