"""Numbered migrations in ``migrations/``, applied with Peewee's migration runner."""
from pathlib import Path

from playhouse.migrations import Runner

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def runner(database):
    return Runner(database, directory=MIGRATIONS_DIR)


def upgrade(database):
    """Apply every pending migration (each in its own transaction); return their names."""
    return runner(database).up()


def pending(database):
    return [m.name for m in runner(database).status() if not m.applied and m.path]
