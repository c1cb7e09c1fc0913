"""API access: OAuth clients, classic connections and the tokens issued to them.

Secrets are never stored in clear: a connection's client secret is an argon2id hash (its API
user's password too, on the User row), and access and refresh tokens are SHA-256 digests (they
are long random strings, so a fast hash is enough and lookups stay indexed).
"""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, JSONField, TextField

from pimconnect.db import BaseModel
from pimconnect.models.access import User
from pimconnect.models.structure import utcnow


class ApiClient(BaseModel):
    """An OAuth client: the public ``client_id`` and how it may get tokens."""

    client_id = CharField(max_length=100, unique=True)
    secret_hash = CharField(max_length=255, null=True)  # argon2id, for connections (password grant)
    kind = CharField(max_length=20, default="connection")  # connection | app
    grant_types = JSONField(default=list)  # e.g. ["password", "refresh_token"]
    revoked = BooleanField(default=False)
    created = DateTimeField(default=utcnow)


class Connection(BaseModel):
    """A classic API connection (an ERP, a script, a connector) with its own API user."""

    code = CharField(max_length=100, unique=True)
    label = CharField(max_length=100)
    type = CharField(max_length=20, default="default")  # default | app (a connected app's connection)
    flow_type = CharField(max_length=30, default="other")  # data_source | data_destination | other
    auditable = BooleanField(default=False)  # "track in data flows"
    client = ForeignKeyField(ApiClient, backref="connections", on_delete="RESTRICT")
    user = ForeignKeyField(User, backref="connections", on_delete="RESTRICT")
    created = DateTimeField(default=utcnow)


class ApiToken(BaseModel):
    """An access or refresh token, stored as the SHA-256 hex digest of its value."""

    token_hash = CharField(max_length=64, unique=True)
    kind = CharField(max_length=10)  # access | refresh
    client = ForeignKeyField(ApiClient, backref="tokens", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    scope = TextField(null=True)  # space-separated scopes (apps); None for connections
    expires_at = DateTimeField(null=True)  # None: does not expire (app tokens, D4)
    revoked = BooleanField(default=False)
    # Connections: the pairs issued by one password grant and its refreshes share a family; reusing a
    # rotated refresh token revokes the family, and no refresh outlives family_expires_at (RFC 9700 §4.14.2).
    family = CharField(max_length=32, null=True, index=True)
    family_expires_at = DateTimeField(null=True)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "kind", "revoked"), False), (("user", "kind"), False))


class RevokedAppToken(BaseModel):
    """The digest of a token of a deleted app: later calls get "Your app has been disconnected" (§9.4)."""

    token_hash = CharField(max_length=64, primary_key=True)
    revoked_at = DateTimeField(default=utcnow)


class BusinessError(BaseModel):
    """A validation or domain error a connection's API write met (error monitoring, §9.5)."""

    connection = ForeignKeyField(Connection, backref="business_errors", on_delete="CASCADE")
    message = TextField()
    product = CharField(max_length=255, null=True)  # the product's uuid or identifier, when known
    content = JSONField(null=True)  # the error body's details (property, attribute, locale, scope)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("connection", "created"), False),)
