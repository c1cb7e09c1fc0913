"""Background jobs: long work (completeness of a whole catalog, …) that leaves the request."""
from peewee import CharField, DateTimeField, IntegerField, JSONField, TextField

from pimconnect.db import BaseModel
from pimconnect.models.structure import utcnow


class Job(BaseModel):
    """One run of a job kind, its progress and where it stopped.

    The row is the queue: it is written in the transaction of the change that needs the work, a
    worker claims it (``owner``) and commits each chunk of work together with ``cursor``, ``done``
    and ``heartbeat``, so a worker that dies leaves a job another one resumes after the last
    committed chunk.
    """

    kind = CharField(max_length=100)
    label = CharField(max_length=255)  # what the jobs page shows: "Recompute completeness: family Hats"
    params = JSONField(default=dict)
    dedupe_key = CharField(max_length=255, null=True)  # a pending job with the same key absorbs a new one
    state = CharField(max_length=20, default="pending")  # pending | running | done | failed
    owner = CharField(max_length=64, null=True)  # the worker running it
    cursor = CharField(max_length=255, null=True)  # the last key processed (product uuid, …)
    done = IntegerField(default=0)
    total = IntegerField(null=True)  # counted when the job starts
    attempts = IntegerField(default=0)
    error = TextField(null=True)
    created = DateTimeField(default=utcnow)
    started = DateTimeField(null=True)
    heartbeat = DateTimeField(null=True)
    finished = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "id"), False),)

    @property
    def percent(self):
        if self.state == "done":
            return 100
        if not self.total:
            return 0
        return min(100, 100 * self.done // self.total)

    @property
    def is_active(self):
        return self.state in ("pending", "running")
