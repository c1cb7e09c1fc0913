"""A database at every earlier schema version, holding the demo catalog, upgrades to the latest
without losing a row; ``db-upgrade`` backs a SQLite database up first."""
import hashlib
import json
import shutil
import sqlite3

import pytest
from playhouse.schema_diff import diff_models

from pimconnect import backup, create_app, migrate
from pimconnect.db import close_pools, db
from pimconnect.models import ALL_MODELS, Product
from pimconnect.services import jobs
from pimconnect.services.demo import seed as demo
from tests.conftest import make_test_config

CHECKSUMMED = ("product", "product_value", "product_category", "product_completeness", "category")
CONVERTED = {"group_permission"}  # 0015 turns its JSON rows into the *_permission tables
DEMO_PRODUCTS = 40  # Hat, Braided hat and 38 generated ones: every family and attribute type


def migration_names():
    from playhouse.migrations import Migration

    return [m.name for m in Migration.load_directory(migrate.MIGRATIONS_DIR)]


EARLIER_VERSIONS = migration_names()[:-1]


def snapshot(database, columns=None):
    """Row counts of every table, and a checksum of the catalog tables over ``columns`` (default: all)."""
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    counts = {t: database.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    columns = columns or {t: [c.name for c in database.get_columns(t)] for t in CHECKSUMMED}
    sums = {t: checksum(database, t, columns[t]) for t in CHECKSUMMED}
    return counts, sums, columns


def checksum(database, table, columns):
    """Order-independent digest of the rows' values in ``columns`` (columns added later are left out)."""
    names = ", ".join(f'"{c}"' for c in columns)
    rows = database.execute_sql(f'SELECT {names} FROM "{table}"').fetchall()
    lines = sorted(json.dumps(list(row), sort_keys=True, default=str) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def demo_app_at(database_url, version):
    """The app on a database migrated up to ``version`` and seeded with the demo catalog."""
    app = create_app(make_test_config(database_url))
    with app.app_context(), db.connection_context():
        migrate.upgrade(db.obj, target=version)
        # The seed is today's code, which writes the products' stored API text (0017): the column is
        # there while it runs and dropped again, as a database of that version never had it.
        missing = "api_values" not in {c.name for c in db.obj.get_columns("product")}
        if missing:
            db.execute_sql('ALTER TABLE "product" ADD COLUMN "api_values" TEXT')
        assert demo.seed_if_empty(app.config, products=DEMO_PRODUCTS) is not None
        if missing:
            db.execute_sql('ALTER TABLE "product" DROP COLUMN "api_values"')
    return app


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
def test_upgrade_from_an_earlier_version_keeps_every_product(database_url, version):
    """Row counts and checksums of products, values, categories and completeness survive the upgrade."""
    app = demo_app_at(database_url, version)
    try:
        with app.app_context(), db.connection_context():
            counts, sums, columns = snapshot(db.obj)
            assert counts["product"] == DEMO_PRODUCTS and counts["product_value"] and counts["user"] == 2

            applied = migrate.upgrade(db.obj)

            assert applied == EARLIER_VERSIONS[EARLIER_VERSIONS.index(version) + 1:] + migration_names()[-1:]
            after_counts, after_sums, _ = snapshot(db.obj, columns)
            kept = {t: n for t, n in counts.items() if t not in CONVERTED | {"job"}}
            assert {t: after_counts[t] for t in kept} == kept
            assert after_sums == sums
            assert not diff_models(db.obj, ALL_MODELS)
            # 0017 queued one job rendering the products' stored API text; it leaves none NULL
            queued = after_counts["job"] - counts.get("job", 0)
            assert queued == (1 if version < "0017" else 0)
            jobs.run_pending()
            assert Product.select().where(Product.api_values.is_null()).count() == 0
    finally:
        close_pools()


def test_a_column_change_on_the_product_table_keeps_values_categories_and_completeness(
        database_url, tmp_path, monkeypatch):
    """The issue's case: a rebuild of ``product`` on SQLite used to cascade into every child table."""
    directory = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", str(directory))
    app = demo_app_at(database_url, None)
    (directory / "0999_product_version_bigint.py").write_text(
        "from peewee import BigIntegerField\n\n\ndef up(migrator, db):\n"
        "    migrator.migrate(migrator.alter_column_type('product', 'version', BigIntegerField(default=1)))\n")
    try:
        with app.app_context(), db.connection_context():
            counts, sums, columns = snapshot(db.obj)
            assert migrate.upgrade(db.obj) == ["0999_product_version_bigint"]
            after_counts, after_sums, _ = snapshot(db.obj, columns)
    finally:
        close_pools()
    assert after_counts == counts and after_sums == sums
    assert counts["product_value"] and counts["product_category"] and counts["product_completeness"]


@pytest.fixture
def sqlite_file(tmp_path):
    return tmp_path / "pim.sqlite3"


CLI_SECRET_KEY = "k" * 40


def cli(database_url, *args):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": CLI_SECRET_KEY, "PIM_ENV": "test"})
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        close_pools()


def test_db_upgrade_backs_an_older_sqlite_database_up_first(sqlite_file):
    """The backup is written next to the file, named in the output, and holds the catalog as it was."""
    url = f"sqlite:///{sqlite_file}"
    demo_app_at(url, EARLIER_VERSIONS[-1])
    close_pools()

    result = cli(url, "db-upgrade")

    assert result.exit_code == 0, result.output
    [copy] = backup.backups(sqlite_file)
    assert f"Backup of the database before migrating: {copy}" in result.output
    assert f"applied: {migration_names()[-1]}" in result.output
    with sqlite3.connect(copy) as old:
        applied = [name for name, in old.execute("SELECT name FROM schema_migration")]
        assert old.execute("SELECT COUNT(*) FROM product").fetchone()[0] == DEMO_PRODUCTS
    old.close()
    assert applied == EARLIER_VERSIONS
    assert copy.stat().st_mode & 0o077 == 0  # holds password hashes: owner-only


def test_no_backup_of_a_new_database_nor_of_one_up_to_date(sqlite_file):
    """An empty new database and a database with nothing pending get no backup."""
    url = f"sqlite:///{sqlite_file}"
    assert "Backup" not in cli(url, "db-upgrade").output
    again = cli(url, "db-upgrade")
    assert "Database is up to date." in again.output and "Backup" not in again.output
    assert backup.backups(sqlite_file) == []


def test_backups_keep_the_last_three(sqlite_file):
    """Older backups are deleted: the three newest remain."""
    url = f"sqlite:///{sqlite_file}"
    cli(url, "db-upgrade")
    # The same key as the command's: the app refuses to start on secrets stored under another one.
    app = create_app(make_test_config(url, SECRET_KEY=CLI_SECRET_KEY))
    try:
        with app.app_context(), db.connection_context():
            made = [backup.write_backup(db.obj, sqlite_file) for _ in range(5)]
    finally:
        close_pools()
    assert backup.backups(sqlite_file) == made[-3:]
    assert all(not p.exists() for p in made[:2])
