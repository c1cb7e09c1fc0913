"""Digests of the tokens of deleted apps (reference revoked-tokens list, §9.4)."""
from peewee import *

from pimconnect.models.catalog import utcnow


def up(migrator, db):
    class RevokedAppToken(Model):
        token_hash = CharField(max_length=64, primary_key=True)
        revoked_at = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'revoked_app_token'
    db.create_tables([RevokedAppToken])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "revoked_app_token"')
