"""In-app notifications."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Notification(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        level = CharField(max_length=20, default='info')
        message = TextField()
        subject = CharField(max_length=255, null=True)
        link = CharField(max_length=255, null=True)
        action_label = CharField(max_length=100, null=True)
        read = BooleanField(default=False)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'notification'
            indexes = ((('user', 'read'), False),)
    db.create_tables([Notification])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "notification"')
