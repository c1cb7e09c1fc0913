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
