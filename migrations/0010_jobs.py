"""Background jobs: the durable queue and the progress the jobs page shows."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    class Job(Model):
        kind = CharField(max_length=100)
        label = CharField(max_length=255)
        params = JSONField(default=dict)
        dedupe_key = CharField(max_length=255, null=True)
        state = CharField(max_length=20, default='pending')
        owner = CharField(max_length=64, null=True)
        cursor = CharField(max_length=255, null=True)
        done = IntegerField(default=0)
        total = IntegerField(null=True)
        attempts = IntegerField(default=0)
        error = TextField(null=True)
        created = DateTimeField(default=utcnow)
        started = DateTimeField(null=True)
        heartbeat = DateTimeField(null=True)
        finished = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'job'
            indexes = ((('state', 'id'), False),)
    db.create_tables([Job])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "job"')
