"""Apps: the local App Store catalogue, custom apps, connected apps and the OAuth 2 / OpenID state.

Reference: apps-and-oauth.md §13 (data model) with the PIM Connect decisions applied:
client secrets are encrypted at rest (D5, ``pimconnect.services.crypto``), authorization codes
and tokens are stored as SHA-256 digests (D3, D4), the pending authorization lives in the
database so every app server sees it (D11), and OpenID signing keys are rows (D13).
"""
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    JSONField,
    TextField,
)

from pimconnect.db import BaseModel
from pimconnect.models.access import Role, User, UserGroup
from pimconnect.models.api import ApiClient, ApiToken, Connection
from pimconnect.models.structure import utcnow


class MarketplaceApp(BaseModel):
    """A listing of the local App Store: an app (with Connect) or a connector (More info only).

    ``id`` is the app's UUID, also its OAuth ``client_id``. Shipped listings come from
    ``pimconnect/data/app_store.json``; operators add theirs with ``flask apps register``.
    """

    id = CharField(max_length=36, primary_key=True)
    kind = CharField(max_length=20, default="app")  # app | connector
    name = CharField(max_length=255)
    logo = CharField(max_length=255, null=True)  # URL or a path under /static
    author = CharField(max_length=255)
    partner = CharField(max_length=255, null=True)
    description = TextField(default="")
    url = CharField(max_length=255, null=True)  # external "More info" page; None: the built-in one
    documentation = TextField(default="")  # the built-in detail page's text
    screenshots = JSONField(default=list)  # URLs or /static paths
    contact = CharField(max_length=255, null=True)  # the seller's contact (email or URL)
    categories = JSONField(default=list)
    certified = BooleanField(default=False)
    # An example listing (its hosts do not exist): shown with an Example badge, never connectable.
    example = BooleanField(default=False)
    activate_url = CharField(max_length=255, null=True)
    callback_url = CharField(max_length=255, null=True)
    editions = JSONField(default=list)  # e.g. ["ce", "ee"]
    versions = JSONField(default=list)  # major.minor versions, e.g. ["7.0"]; empty: every version
    secret_encrypted = TextField(null=True)  # Fernet token of the client secret (D5)
    source = CharField(max_length=20, default="shipped")  # shipped | operator
    published = DateTimeField(default=utcnow)  # newest first in the listing
    updated = DateTimeField(default=utcnow)


class CustomApp(BaseModel):
    """A custom ("test") app registered in this PIM (reference table akeneo_connectivity_test_app)."""

    client_id = CharField(max_length=36, primary_key=True)
    secret_encrypted = TextField()
    name = CharField(max_length=255)
    activate_url = CharField(max_length=255)
    callback_url = CharField(max_length=255)
    creator = ForeignKeyField(User, null=True, backref="custom_apps", on_delete="SET NULL")
    created = DateTimeField(default=utcnow)


class ConnectedApp(BaseModel):
    """An app that completed the wizard: its connection, API user, group and role, and granted scopes."""

    id = CharField(max_length=36, primary_key=True)  # the app id = client_id
    name = CharField(max_length=255)
    logo = CharField(max_length=255, null=True)
    author = CharField(max_length=255, null=True)
    partner = CharField(max_length=255, null=True)
    categories = JSONField(default=list)
    certified = BooleanField(default=False)
    is_custom_app = BooleanField(default=False)
    connection = ForeignKeyField(Connection, backref="connected_apps", on_delete="RESTRICT")
    user_group = ForeignKeyField(UserGroup, backref="connected_apps", on_delete="RESTRICT")
    role = ForeignKeyField(Role, backref="connected_apps", on_delete="RESTRICT")
    scopes = JSONField(default=list)  # authorization scopes only, sorted, not expanded
    has_outdated_scopes = BooleanField(default=False)
    created = DateTimeField(default=utcnow)
    updated = DateTimeField(default=utcnow)


class PendingAuthorization(BaseModel):
    """The authorize request a user is going through the wizard for (reference session key
    ``_app_auth_<client_id>``), one per (user, app), shared by every app server (D11)."""

    user = ForeignKeyField(User, backref="pending_authorizations", on_delete="CASCADE")
    client_id = CharField(max_length=36)
    authorization_scope = JSONField(default=list)
    authentication_scope = JSONField(default=list)
    redirect_uri = CharField(max_length=255, null=True)
    state = TextField(null=True)
    code_challenge = CharField(max_length=128, null=True)
    code_challenge_method = CharField(max_length=10, null=True)
    nonce = CharField(max_length=255, null=True)  # OpenID: echoed in the id_token (OIDC Core §3.1.2.1)
    auth_time = DateTimeField(null=True)  # when the user logged in, kept when max_age was asked (§2)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "client_id"), True),)


class AuthCode(BaseModel):
    """An authorization code (D3): single use, bound to its client, stored as a SHA-256 digest."""

    code_hash = CharField(max_length=64, unique=True)
    client = ForeignKeyField(ApiClient, backref="auth_codes", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="auth_codes", on_delete="CASCADE")  # the PIM user who authorized
    redirect_uri = CharField(max_length=255, null=True)  # set when the authorize request sent one
    code_challenge = CharField(max_length=128, null=True)  # PKCE S256, when sent
    code_challenge_method = CharField(max_length=10, null=True)
    nonce = CharField(max_length=255, null=True)  # OpenID nonce; a client's nonce is accepted once
    auth_time = DateTimeField(null=True)  # the id_token's auth_time, when the request asked max_age
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "nonce"), False),)


class AuthCodeToken(BaseModel):
    """Which access token an authorization code produced, so a replayed code revokes it (D3)."""

    code = ForeignKeyField(AuthCode, backref="issued", on_delete="CASCADE")
    token = ForeignKeyField(ApiToken, backref="issued_by", on_delete="CASCADE")


class CodeIdentifier(BaseModel):
    """A ``code_identifier`` already used by a client: each is accepted once per client (D2)."""

    client = ForeignKeyField(ApiClient, backref="code_identifiers", on_delete="CASCADE")
    identifier_hash = CharField(max_length=64)
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "identifier_hash"), True),)


class UserConsent(BaseModel):
    """What a PIM user consented to for an app (OpenID), with the stable pairwise subject ``uuid``.

    Kept when the app is deleted, so ``sub`` is the same after a reconnection (reference §5.1).
    """

    user = ForeignKeyField(User, backref="consents", on_delete="CASCADE")
    app_id = CharField(max_length=36)
    scopes = JSONField(default=list)
    uuid = CharField(max_length=36, unique=True)
    consent_date = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "app_id"), True),)


class OpenIdKey(BaseModel):
    """An RS256 signing key pair. The newest unretired one signs; retired ones stay in the JWKS 24 h (D23)."""

    kid = CharField(max_length=64, unique=True)
    certificate_pem = TextField()  # self-signed X.509 certificate (the public-key endpoint)
    private_key_encrypted = TextField()  # Fernet token of the PKCS#8 PEM (D5)
    created = DateTimeField(default=utcnow)
    retired_at = DateTimeField(null=True)


