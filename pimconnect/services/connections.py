"""Connections: API credentials for an ERP, a script or a connector (Connect -> Connection settings).

A connection owns an OAuth client (password and refresh grants) and an API user with a role
and a user group. Its secret and password are shown once, at creation or regeneration, and only
argon2id hashes are kept (decision D5). Connections and connected apps together are limited to
``PIM_MAX_CONNECTIONS`` (decision D1), checked under a lock so concurrent creations cannot exceed it.
"""
import re
import secrets
from dataclasses import dataclass

from flask import current_app

from pimconnect.db import serialize, write_txn
from pimconnect.models import ApiClient, ApiToken, Connection, Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services import api_tokens, audit
from pimconnect.services.errors import Invalid
from pimconnect.services.passwords import generate_password, hash_password

FLOW_TYPES = {"data_source": "Data source", "data_destination": "Data destination", "other": "Other"}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
GRANTS = ["password", "refresh_token"]


def limit():
    return current_app.config["PIM_MAX_CONNECTIONS"]


def limit_message():
    return f"You reached the limit of {limit()} connections and connected Apps."


def count():
    """Connections and connected apps (each connected app has a connection of type ``app``)."""
    return Connection.select().count()


def at_limit():
    return count() >= limit()


@dataclass
class Credentials:
    """What the user sees once: never stored in clear."""

    client_id: str
    secret: str | None = None
    username: str | None = None
    password: str | None = None


def _validate(data, connection=None):
    errors = {}
    label = (data.get("label") or "").strip()
    if not 3 <= len(label) <= 100:
        errors["label"] = "The label must be between 3 and 100 characters long."
    if connection is None:
        code = (data.get("code") or "").strip()
        if not CODE_PATTERN.match(code) or not 3 <= len(code) <= 100:
            errors["code"] = "The code must be 3 to 100 letters, digits or underscores."
        elif Connection.select().where(Connection.code == code).exists():
            errors["code"] = "This code is already used by another connection."
    if data.get("flow_type", "other") not in FLOW_TYPES:
        errors["flow_type"] = "Choose a flow type."
    return errors


def _role_and_group(data, errors):
    role = Role.get_or_none(Role.id == data.get("role")) if str(data.get("role") or "").isdigit() else None
    group = (UserGroup.get_or_none(UserGroup.id == data.get("group"))
             if str(data.get("group") or "").isdigit() else None)
    if data.get("role") is not None and role is None:
        errors["role"] = "Choose a role."
    if data.get("group") not in (None, "") and group is None:
        errors["group"] = "Choose a user group."
    return role, group


def _free_username(code):
    """``<code>_<4 digits>`` as the reference names connection users, unused by anybody."""
    while True:
        username = f"{code.lower()[:80]}_{secrets.randbelow(10000):04d}"
        if not User.select().where(User.username == username).exists():
            return username


def default_role():
    """The role a new connection's user gets unless another is chosen: one with API access."""
    roles = list(Role.select().where(Role.type != "app").order_by(Role.id))
    with_api = [r for r in roles if r.allows("pim_api_overall_access")]
    return (with_api or roles or [None])[0]


def create(data, actor=audit.NOBODY, connection_type="default"):
    """Create a connection from ``data`` (code, label, flow_type, auditable, role, group).

    Returns (connection, Credentials with the secret, username and password in clear).
    Raises Invalid with the field errors, or with ``""`` = the limit message.
    """
    errors = _validate(data)
    secret, password = api_tokens.new_secret(), generate_password(24)
    secret_hash, password_hash = hash_password(secret), hash_password(password)  # slow: outside the lock
    with write_txn():
        role, group = _role_and_group(data, errors)
        if errors:
            raise Invalid(errors)
        serialize("connections-limit")
        if at_limit():
            raise Invalid({"": limit_message()})
        code = data["code"].strip()
        client = ApiClient.create(client_id=f"{secrets.token_hex(4)}_{secrets.token_urlsafe(24)}",
                                  secret_hash=secret_hash, kind="connection", grant_types=GRANTS)
        username = _free_username(code)
        user = User.create(username=username, email=f"{username}@connections.pim-connect.invalid",
                           first_name=data["label"].strip()[:100], password_hash=password_hash, type="api")
        role = role or default_role()
        if role is not None:
            UserRole.create(user=user, role=role)
        if group is not None:
            UserGroupMember.create(user=user, group=group)
        connection = Connection.create(code=code, label=data["label"].strip(), type=connection_type,
                                       flow_type=data.get("flow_type", "other"),
                                       auditable=bool(data.get("auditable")), client=client, user=user)
        audit.record("connection.created", actor=actor, connection=code)
    return connection, Credentials(client.client_id, secret, username, password)


def update(connection, data, actor=audit.NOBODY):
    """Change the label, flow type, tracking flag, role and group (the code is immutable)."""
    errors = _validate(data, connection)
    with write_txn():
        role, group = _role_and_group(data, errors)
        if errors:
            raise Invalid(errors)
        Connection.update(label=data["label"].strip(), flow_type=data.get("flow_type", "other"),
                          auditable=bool(data.get("auditable"))).where(Connection.id == connection.id).execute()
        if role is not None:
            UserRole.delete().where(UserRole.user == connection.user_id).execute()
            UserRole.create(user=connection.user_id, role=role)
        if "group" in data:
            UserGroupMember.delete().where(UserGroupMember.user == connection.user_id).execute()
            if group is not None:
                UserGroupMember.create(user=connection.user_id, group=group)
        audit.record("connection.updated", actor=actor, connection=connection.code)
    return Connection.get_by_id(connection.id)


def regenerate_secret(connection, actor=audit.NOBODY):
    """A new client secret; every token issued to the connection stops working at once."""
    secret = api_tokens.new_secret()
    secret_hash = hash_password(secret)
    with write_txn():
        ApiClient.update(secret_hash=secret_hash).where(ApiClient.id == connection.client_id).execute()
        api_tokens.revoke_client_tokens(connection.client)
        audit.record("connection.secret_regenerated", actor=actor, connection=connection.code)
    return secret


def regenerate_password(connection, actor=audit.NOBODY):
    """A new password for the connection's API user; its tokens stop working at once."""
    password = generate_password(24)
    password_hash = hash_password(password)
    with write_txn():
        User.update(password_hash=password_hash).where(User.id == connection.user_id).execute()
        api_tokens.revoke_user_tokens(connection.user)
        audit.record("connection.password_regenerated", actor=actor, connection=connection.code)
    return password


def delete(connection, actor=audit.NOBODY):
    """Delete the connection, its client, its tokens and its API user: its tokens die at once."""
    with write_txn():
        ApiToken.delete().where((ApiToken.client == connection.client_id) | (ApiToken.user == connection.user_id)).execute()
        Connection.delete().where(Connection.id == connection.id).execute()
        ApiClient.delete().where(ApiClient.id == connection.client_id).execute()
        UserRole.delete().where(UserRole.user == connection.user_id).execute()
        UserGroupMember.delete().where(UserGroupMember.user == connection.user_id).execute()
        # Keep the user row if the audit log references it; it can no longer log in or get tokens.
        User.update(enabled=False, password_hash="!").where(User.id == connection.user_id).execute()
        audit.record("connection.deleted", actor=actor, connection=connection.code)
