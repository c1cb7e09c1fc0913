"""Test-only: a column change on the parent table, which SQLite does by rebuilding the table."""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.alter_column_type('shelf', 'label', CharField(max_length=200)))
