"""Users, roles, user groups and the database-backed login throttle."""
import datetime
import uuid

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    JSONField,
)

from pimconnect.db import BaseModel
from pimconnect.models.structure import utcnow


class Role(BaseModel):
    code = CharField(max_length=100, unique=True)  # e.g. ROLE_ADMINISTRATOR
    label = CharField(max_length=255)
    permissions = JSONField(default=list)  # permission codes from pimconnect.permissions
    type = CharField(max_length=20, default="default")  # default | app | api

    def allows(self, code):
        return code in (self.permissions or [])


class UserGroup(BaseModel):
    name = CharField(max_length=255, unique=True)
    type = CharField(max_length=20, default="default")  # default | app


class User(UserMixin, BaseModel):
    username = CharField(max_length=100, unique=True)
    email = CharField(max_length=255, unique=True)
    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    password_hash = CharField(max_length=255)
    enabled = BooleanField(default=True)
    type = CharField(max_length=20, default="user")  # user | api | app
    catalog_locale = CharField(max_length=20, default="en_US")
    catalog_scope = CharField(max_length=100, default="ecommerce")
    # Bumped on logout, password change and disable: older session cookies stop working.
    session_version = IntegerField(default=1)
    created = DateTimeField(default=utcnow)
    last_login = DateTimeField(null=True)

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.enabled

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.username


class UserRole(BaseModel):
    user = ForeignKeyField(User, backref="user_roles", on_delete="CASCADE")
    role = ForeignKeyField(Role, backref="user_roles", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role"), True),)


class UserGroupMember(BaseModel):
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    group = ForeignKeyField(UserGroup, backref="memberships", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "group"), True),)


class UserSession(BaseModel):
    """One logged-in browser: its cookie holds the token, the database only its SHA-256.

    Log out deletes this row (a copy of that cookie stops working, the user's other devices stay
    logged in); "Log out everywhere" and password, role or disable changes bump the user's
    ``session_version`` and delete every row.
    """

    token_hash = CharField(max_length=64, primary_key=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created = DateTimeField(default=utcnow)


class LoginThrottle(BaseModel):
    """Failed attempts per key (``user:<name>`` or ``ip:<addr>``), shared by every worker."""

    key = CharField(max_length=255, unique=True)
    failures = IntegerField(default=0)
    window_start = DateTimeField(default=utcnow)
    locked_until = DateTimeField(null=True)


def new_token():
    return uuid.uuid4().hex


def in_seconds(seconds):
    return utcnow() + datetime.timedelta(seconds=seconds)
