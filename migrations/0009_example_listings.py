"""App Store listings can be examples: shown with an Example badge, never connectable (issue 14)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('marketplace_app', 'example', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('marketplace_app', 'example'))
