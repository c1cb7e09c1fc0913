"""The application factory, configuration and the database set-up."""
import pytest

from pimconnect import create_app
from pimconnect.config import ConfigError
from pimconnect.db import db, is_sqlite


def test_production_refuses_missing_secret_key(tmp_path, monkeypatch):
    """Start-up refuses to run in production without a SECRET_KEY."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PIM_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_production_refuses_short_secret_key(tmp_path, monkeypatch):
    """A short SECRET_KEY is refused in production."""
    monkeypatch.setenv("PIM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="32"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_environment_overrides(tmp_path, monkeypatch):
    """PIM_* variables configure the edition, version and public URL."""
    monkeypatch.setenv("PIM_ENV", "development")
    monkeypatch.setenv("PIM_EDITION", "CE")
    monkeypatch.setenv("PIM_URL", "https://pim.example.com/")
    monkeypatch.setenv("PIM_VERSION", "7.1.0")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["PIM_EDITION"] == "ce"
    assert app.config["PIM_URL"] == "https://pim.example.com"
    assert app.config["PIM_VERSION"] == "7.1.0"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert len(app.config["SECRET_KEY"]) >= 32


def test_sqlite_pragmas(app, conn):
    """SQLite runs in WAL with synchronous=FULL, foreign keys and a busy timeout."""
    if not is_sqlite():
        pytest.skip("SQLite only")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_long_lived_objects_are_frozen_out_of_the_garbage_collector(tmp_path, monkeypatch):
    """By default the app's start-up objects leave the collector's generations (PIM_GC_FREEZE=0 keeps them)."""
    import gc

    monkeypatch.setenv("PIM_ENV", "development")
    gc.unfreeze()
    try:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "PIM_GC_FREEZE": False})
        assert gc.get_freeze_count() == 0
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
        assert app.config["PIM_GC_FREEZE"] is True
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
