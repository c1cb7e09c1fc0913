"""Upgrades never lose data: each migration runs and is recorded in a transaction of its own, a
table rebuild on SQLite keeps the child rows, and two servers upgrading at once apply each once."""
import shutil
import textwrap
import threading
from pathlib import Path

import pytest
from playhouse.migrations import MigrationError
from peewee import IntegrityError

from pimconnect import migrate
from pimconnect.db import close_pools, db, is_sqlite, make_database, write_txn

REBUILD_MIGRATIONS = Path(__file__).parent / "migrations_rebuild"


@pytest.fixture
def bare_db(database_url):
    """An empty database bound to ``db`` (strict: writes only inside write_txn), with no migration applied."""
    database = make_database(database_url, strict=True)
    db.initialize(database)
    with db.connection_context():
        yield database
    close_pools()
    db.initialize(None)


@pytest.fixture
def migrations_dir(tmp_path, monkeypatch):
    """A migration directory of the test's own, in place of migrations/."""
    directory = tmp_path / "migrations"
    directory.mkdir()
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", str(directory))
    return directory


def add_migration(directory, name, body=None):
    """Copy ``name`` from tests/migrations_rebuild, or write it from ``body``."""
    if body is None:
        shutil.copy(REBUILD_MIGRATIONS / f"{name}.py", directory / f"{name}.py")
    else:
        (directory / f"{name}.py").write_text(textwrap.dedent(body))


def count(table):
    return db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]


def fill_shelves():
    """Two shelves with three items each."""
    mark = db.obj.param
    with write_txn():
        for shelf_id, label in ((1, "top"), (2, "bottom")):
            db.execute_sql(f"INSERT INTO shelf (id, label) VALUES ({mark}, {mark})", (shelf_id, label))
            for n in range(3):
                db.execute_sql(f"INSERT INTO shelf_item (shelf_id, name) VALUES ({mark}, {mark})",
                               (shelf_id, f"{label}-{n}"))


def test_table_rebuild_keeps_the_child_rows(bare_db, migrations_dir):
    """Changing a column of a parent table (a rebuild on SQLite) keeps every ON DELETE CASCADE child."""
    add_migration(migrations_dir, "0001_shelf")
    assert migrate.upgrade(bare_db) == ["0001_shelf"]
    fill_shelves()
    add_migration(migrations_dir, "0002_shelf_label_length")

    assert migrate.upgrade(bare_db) == ["0002_shelf_label_length"]

    assert count("shelf") == 2
    assert count("shelf_item") == 6
    columns = {c.name: c.data_type.upper() for c in bare_db.get_columns("shelf")}
    assert "200" in columns["label"] or not is_sqlite()  # PostgreSQL reports the type without its length
    if is_sqlite():
        assert bare_db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_foreign_keys_stay_enforced_after_an_upgrade(bare_db, migrations_dir):
    """The upgrade switches foreign keys back on: a dangling child is refused afterwards."""
    add_migration(migrations_dir, "0001_shelf")
    migrate.upgrade(bare_db)
    mark = db.obj.param
    with pytest.raises(IntegrityError):
        with write_txn():
            db.execute_sql(f"INSERT INTO shelf_item (shelf_id, name) VALUES ({mark}, {mark})", (999, "orphan"))


def test_a_migration_leaving_a_dangling_reference_rolls_back(bare_db, migrations_dir):
    """With foreign keys off during the migration, PRAGMA foreign_key_check still refuses its commit."""
    add_migration(migrations_dir, "0001_shelf")
    migrate.upgrade(bare_db)
    fill_shelves()
    add_migration(migrations_dir, "0002_orphan", """
        def up(migrator, db):
            sql = "INSERT INTO shelf_item (shelf_id, name) VALUES (?, ?)".replace("?", db.param)
            db.execute_sql(sql, (999, 'orphan'))
    """)

    with pytest.raises((MigrationError, IntegrityError), match="(?i)foreign key"):
        migrate.upgrade(bare_db)

    assert count("shelf_item") == 6
    assert migrate.pending(bare_db) == ["0002_orphan"]


def test_a_failed_migration_keeps_the_ones_before_it(bare_db, migrations_dir):
    """Each migration commits alone: when the second fails, the first stays applied and recorded."""
    add_migration(migrations_dir, "0001_shelf")
    add_migration(migrations_dir, "0002_broken", """
        def up(migrator, db):
            db.execute_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
            raise RuntimeError("disk on fire")
    """)

    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate.upgrade(bare_db)

    assert migrate.pending(bare_db) == ["0002_broken"]
    assert "shelf" in bare_db.get_tables()
    assert "half_done" not in bare_db.get_tables()  # its own changes rolled back with it


def test_upgrade_refuses_to_run_inside_a_transaction(bare_db, migrations_dir):
    """Inside a transaction SQLite would ignore PRAGMA foreign_keys, so upgrade() refuses to start."""
    add_migration(migrations_dir, "0001_shelf")
    with pytest.raises(MigrationError, match="outside"):
        with write_txn():
            migrate.upgrade(bare_db)
    assert migrate.pending(bare_db) == ["0001_shelf"]


def test_two_servers_upgrading_at_once_apply_each_migration_once(bare_db, migrations_dir):
    """Two upgrades started together: one applies the migration, the other finds it applied."""
    add_migration(migrations_dir, "0001_tally", """
        import time

        def up(migrator, db):
            db.execute_sql("CREATE TABLE tally (id INTEGER PRIMARY KEY)")
            time.sleep(0.3)  # the other server gets to wait on the lock, not find the work done
            db.execute_sql("INSERT INTO tally (id) VALUES (1)")
    """)
    results, errors, start = [], [], threading.Barrier(2)

    def server():
        try:
            with db.connection_context():
                start.wait()
                results.append(migrate.upgrade(bare_db))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors, errors
    assert sorted(results) == [[], ["0001_tally"]]
    assert count("tally") == 1
