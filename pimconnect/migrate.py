"""Numbered migrations in ``migrations/``, found and recorded by Peewee's migration runner, each
applied in a transaction of its own."""
import contextlib
from pathlib import Path

import peewee
from playhouse.migrations import MigrationError, Runner

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
LOCK_NAME = "pimconnect.migrations"


def runner(database):
    return Runner(database, directory=MIGRATIONS_DIR)


def upgrade(database, target=None):
    """Apply every pending migration (or up to ``target``), each in its own write transaction that
    also records it; return the names this call applied.

    Two servers starting at once apply each migration once: each transaction takes the write lock
    (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) and checks again that the
    migration is still pending. A failed migration rolls back alone; those before it stay applied.
    """
    from pimconnect.db import db

    if db.obj is not database:
        raise MigrationError("bind pimconnect.db.db to the database to migrate first")
    if database.in_transaction():
        # SQLite ignores PRAGMA foreign_keys inside a transaction: a table rebuild would cascade.
        raise MigrationError("migrations run in transactions of their own; call upgrade() outside one")
    run = runner(database)
    plan = _plan(run, target)
    if not plan:
        return []
    _create_history(run)
    return [name for name, module in plan if _apply(run, name, module)]


def pending(database):
    return [m.name for m in runner(database).status() if not m.applied and m.path]


def _plan(run, target):
    """The pending migrations in order, loaded (a broken file fails before anything is applied)."""
    rows = [m for m in run.status() if m.path is not None]
    if target is not None and target not in {m.name for m in rows}:
        raise MigrationError(f'unknown migration "{target}"')
    plan = []
    for migration in rows:
        if not migration.applied:
            module = migration.load()
            if getattr(module, "up", None) is None:
                raise MigrationError(f"{migration.name} does not define up()")
            if not getattr(module, "atomic", True):
                raise MigrationError(f"{migration.name}: every migration runs in a transaction (atomic = False)")
            plan.append((migration.name, module))
        if migration.name == target:
            break
    return plan


def _create_history(run):
    from pimconnect.db import serialize, write_txn

    with write_txn():
        serialize(LOCK_NAME)  # concurrent CREATE TABLE IF NOT EXISTS can collide on PostgreSQL
        run.History.create_table()


def _apply(run, name, module):
    """Run one migration and record it in one transaction; False when another server was first."""
    from pimconnect.db import serialize, write_txn

    database = run.database
    with _foreign_keys_off(database) as check_foreign_keys:
        with write_txn():
            serialize(LOCK_NAME)
            if run.History.select().where(run.History.name == name).exists():
                return False
            module.up(run.migrator, database)
            if check_foreign_keys:
                _foreign_key_check(database, name)
            run.History.create(name=name)
    return True


@contextlib.contextmanager
def _foreign_keys_off(database):
    """SQLite's table-rebuild procedure (lang_altertable.html, "other kinds of table schema changes").

    Peewee rebuilds a table to change a column (create, copy, DROP, rename): with foreign keys on,
    the DROP deletes every child row through ON DELETE CASCADE. The pragma only takes effect
    outside a transaction, so it goes off before BEGIN and back on after COMMIT; yields whether
    the caller must run ``PRAGMA foreign_key_check`` before committing.
    """
    if not isinstance(database, peewee.SqliteDatabase):
        yield False
        return
    enabled = bool(database.execute_sql("PRAGMA foreign_keys").fetchone()[0])
    if enabled:
        database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield enabled
    finally:
        if enabled:
            database.execute_sql("PRAGMA foreign_keys = ON")


def _foreign_key_check(database, name):
    """Refuse to commit a migration that left a row pointing at nothing (the transaction rolls back)."""
    broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        sample = ", ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in broken[:5])
        raise MigrationError(f"{name} breaks {len(broken)} foreign key(s): {sample}")
