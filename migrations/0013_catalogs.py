"""Catalogs for apps (issue 12): one row per catalog, owned by the app's API user."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Catalog(Model):
        id = CharField(max_length=36, primary_key=True)
        name = CharField(max_length=255)
        owner = ForeignKeyField(User, backref='catalogs', on_delete='CASCADE')
        enabled = BooleanField(default=False)
        product_selection_criteria = JSONField(default=list)
        product_value_filters = JSONField(default=dict)
        product_mapping = JSONField(default=dict)
        product_mapping_schema = TextField(null=True)  # JSON text, in the order the app sent it
        errors = JSONField(default=list)
        created = DateTimeField(default=utcnow)
        updated = DateTimeField(default=utcnow)

        class Meta:
            database = db
            table_name = 'catalog'
            indexes = ((('owner', 'id'), False),)
    db.create_tables([Catalog])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "catalog"')
