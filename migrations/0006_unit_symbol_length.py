"""Measurement unit symbols up to 255 characters, as the reference allows."""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.alter_column_type('measurement_unit', 'symbol', CharField(max_length=255, default='')))
