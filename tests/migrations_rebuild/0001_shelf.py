"""Test-only: a parent table whose children go with it (ON DELETE CASCADE)."""
from peewee import *


def up(migrator, db):
    class Shelf(Model):
        label = CharField(max_length=20)
        class Meta:
            database = db
            table_name = 'shelf'

    class ShelfItem(Model):
        shelf = ForeignKeyField(Shelf, on_delete='CASCADE')
        name = CharField(max_length=50)
        class Meta:
            database = db
            table_name = 'shelf_item'
    db.create_tables([Shelf, ShelfItem])
