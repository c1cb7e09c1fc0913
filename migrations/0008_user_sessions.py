"""One row per logged-in browser, so that Log out ends only that browser's session (issue 14)."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class UserSession(Model):
        token_hash = CharField(max_length=64, primary_key=True)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'user_session'
    db.create_tables([UserSession])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "user_session"')
