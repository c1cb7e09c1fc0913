"""Connected apps management: digests of deleted apps' tokens (§9.4) and business errors for error
monitoring (§9.5)."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class Connection(Model):
        class Meta:
            database = db
            table_name = 'connection'

    class RevokedAppToken(Model):
        token_hash = CharField(max_length=64, primary_key=True)
        revoked_at = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'revoked_app_token'

    class BusinessError(Model):
        connection = ForeignKeyField(Connection, on_delete='CASCADE')
        message = TextField()
        product = CharField(max_length=255, null=True)
        content = JSONField(null=True)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'business_error'
            indexes = ((('connection', 'created'), False),)
    db.create_tables([RevokedAppToken, BusinessError])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "business_error"')
    db.execute_sql('DROP TABLE IF EXISTS "revoked_app_token"')
