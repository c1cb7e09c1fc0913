"""Numbered migrations in ``migrations/``, applied with Peewee's migration runner."""
from pathlib import Path

from playhouse.migrations import Runner

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def runner(database):
    return Runner(database, directory=MIGRATIONS_DIR)


def upgrade(database):
    """Apply every pending migration in one write transaction; return their names.

    The write lock also keeps two servers starting at once from applying the same migration twice.
    """
    from pimconnect.db import write_txn

    with write_txn():
        return runner(database).up()


def pending(database):
    return [m.name for m in runner(database).status() if not m.applied and m.path]
