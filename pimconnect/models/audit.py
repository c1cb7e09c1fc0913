"""The security audit log (checklist B20): who did what, when and from where."""
from peewee import CharField, DateTimeField, ForeignKeyField, JSONField

from pimconnect.db import BaseModel
from pimconnect.models.access import User
from pimconnect.models.structure import utcnow


class SecurityEvent(BaseModel):
    """One security event. ``user`` is who acted (or tried to); ``username`` outlives that user."""

    created = DateTimeField(default=utcnow)  # UTC, naive like every other timestamp
    event = CharField(max_length=64)  # e.g. login.failure, role.permissions_changed
    user = ForeignKeyField(User, null=True, backref="security_events", on_delete="SET NULL")
    username = CharField(max_length=255, default="")
    remote_addr = CharField(max_length=64, default="")
    detail = JSONField(default=dict)  # what and where; never a secret (services.audit refuses them)

    class Meta:
        indexes = (
            (("event", "created"), False),
            (("user", "created"), False),
        )
