"""EE drafts and proposals (issue 13, rest-api-and-permissions.md §9.4): one draft per (product, author)."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Product(Model):
        uuid = UUIDField(primary_key=True)

        class Meta:
            database = db
            table_name = 'product'

    class ProductDraft(Model):
        product = ForeignKeyField(Product, backref='drafts', on_delete='CASCADE', index=False)
        author = ForeignKeyField(User, backref='drafts', on_delete='CASCADE')
        status = CharField(max_length=20, default='in_progress')
        changes = JSONField(default=dict)
        created = DateTimeField(default=utcnow)
        updated = DateTimeField(default=utcnow)

        class Meta:
            database = db
            table_name = 'product_draft'
            indexes = ((('product', 'author'), True), (('status', 'updated'), False))
    db.create_tables([ProductDraft])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "product_draft"')
