"""In-app notifications: the bell in the header and its list (reference: Akeneo's pim_notification)."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from pimconnect.db import BaseModel
from pimconnect.models.access import User
from pimconnect.models.structure import utcnow


class Notification(BaseModel):
    """One message for one user; ``link`` is a path inside the PIM the action button opens."""

    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    level = CharField(max_length=20, default="info")  # info | warning | error | success
    message = TextField()  # plain text; ``subject`` is shown in bold where the message names it
    subject = CharField(max_length=255, null=True)
    link = CharField(max_length=255, null=True)
    action_label = CharField(max_length=100, null=True)
    read = BooleanField(default=False)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "read"), False),)
