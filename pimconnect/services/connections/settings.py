"""Connections: API credentials for an ERP, a script or a connector (Connect -> Connection settings).

A connection owns an OAuth client (password and refresh grants) and an API user with a role
and a user group. Its secret and password are shown once, at creation or regeneration, and only
argon2id hashes are kept (decision D5). Connections and connected apps together are limited to
``PIM_MAX_CONNECTIONS`` (decision D1), checked under a lock so concurrent creations cannot exceed it.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask import current_app
from peewee import fn

from pimconnect.db import serialize, write_txn
from pimconnect.models import ApiClient, ApiToken, Connection, Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services.connections import tokens as api_tokens
from pimconnect.services.access import audit
from pimconnect.services.errors import Invalid
from pimconnect.services.access.passwords import generate_password, hash_password
from pimconnect.services.access.users import ALL_GROUP, assignable_roles

FLOW_TYPES = {"data_source": "Data source", "data_destination": "Data destination", "other": "Other"}
CODE_PATTERN = re.compile(r"[A-Za-z0-9_]{3,100}")
ID_PATTERN = re.compile(r"[0-9]{1,9}")
GRANTS = ["password", "refresh_token"]
CODE_TAKEN = "This code is already used by another connection."


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


def listing():
    """The classic connections by label; connected apps' connections show under Connected apps."""
    return list(Connection.select().where(Connection.type == "default")
                .order_by(fn.LOWER(Connection.label), Connection.id))


def get(code):
    """The classic connection with this code, or None (an app's connection is not editable here)."""
    return (Connection.select(Connection, ApiClient, User).join(ApiClient).switch(Connection).join(User)
            .where(Connection.code == code, Connection.type == "default").first())


def suggest_code(label):
    """The code proposed for a label: its letters and digits, other characters as underscores."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_label).strip("_").lower()[:100]


def default_role():
    """The role preselected for a new connection: of the roles with API access, the one granting least."""
    with_api = [r for r in assignable_roles() if r.allows("pim_api_overall_access")]
    return min(with_api, key=lambda r: (len(r.permissions or []), r.id), default=None)


def form_values(connection=None):
    """The values of the connection form: the defaults for a new one, else the stored ones."""
    if connection is None:
        role = default_role()
        return {"label": "", "code": "", "flow_type": "data_source", "auditable": False,
                "role": role.id if role else "", "group": ""}
    role = Role.select(Role.id).join(UserRole).where(UserRole.user == connection.user_id).first()
    group = (UserGroup.select(UserGroup.id).join(UserGroupMember)
             .where(UserGroupMember.user == connection.user_id, UserGroup.name != ALL_GROUP).first())
    return {"label": connection.label, "code": connection.code, "flow_type": connection.flow_type,
            "auditable": connection.auditable, "role": role.id if role else "", "group": group.id if group else ""}


def _clean(data, new):
    """The submitted label, flow type and tracking flag (and code, for a new one), and field errors."""
    values = {"label": str(data.get("label") or "").strip(), "flow_type": data.get("flow_type") or "other",
              "auditable": bool(data.get("auditable"))}
    errors = {}
    if not 3 <= len(values["label"]) <= 100:
        errors["label"] = "The label must be between 3 and 100 characters long."
    if values["flow_type"] not in FLOW_TYPES:
        errors["flow_type"] = "Choose a flow type."
    if new:
        values["code"] = str(data.get("code") or "").strip() or suggest_code(values["label"])
        if not CODE_PATTERN.fullmatch(values["code"]):
            errors["code"] = "The code must be 3 to 100 letters, digits or underscores."
    return values, errors


def _choice(model, value):
    """The row with id ``value`` among ``model``'s assignable ones; None for an empty value; False if unknown."""
    if value in (None, ""):
        return None
    if not ID_PATTERN.fullmatch(str(value)):  # ASCII digits, short enough for any integer column
        return False
    query = model.select().where(model.id == int(value), model.type == "default")
    if model is UserGroup:
        query = query.where(UserGroup.name != ALL_GROUP)
    return query.first() or False


def _role_and_group(data, errors):
    """The chosen role and group, read inside the write transaction (an unknown one is a field error)."""
    role, group = _choice(Role, data.get("role")), _choice(UserGroup, data.get("group"))
    if role is False:
        errors["role"] = "Choose a role."
    if group is False:
        errors["group"] = "Choose a user group."
    return role, group


def _set_group(user_id, group):
    """Make ``group`` the user's only group besides All (None: All only)."""
    UserGroupMember.delete().where(
        UserGroupMember.user == user_id,
        UserGroupMember.group.not_in(UserGroup.select(UserGroup.id).where(UserGroup.name == ALL_GROUP))).execute()
    if group:
        UserGroupMember.create(user=user_id, group=group)


def _free_username(code):
    """``<code>_<4 digits>`` as the reference names connection users, unused by anybody."""
    while True:
        username = f"{code.lower()[:80]}_{secrets.randbelow(10000):04d}"
        if not User.select().where(User.username == username).exists():
            return username


def create(data, actor=audit.NOBODY, connection_type="default"):
    """Create a connection from ``data`` (label, code, flow_type, auditable, role, group).

    A blank code is made from the label; no role means ``default_role()``. Returns (connection,
    Credentials with the secret, username and password in clear). Raises Invalid with the field
    errors, or with ``""`` = the limit message.
    """
    if at_limit():  # a quick answer; the check under the lock below is the one that counts
        raise Invalid({"": limit_message()})
    values, errors = _clean(data, new=True)
    if errors:
        raise Invalid(errors)
    secret, password = api_tokens.new_secret(), generate_password(24)
    secret_hash, password_hash = hash_password(secret), hash_password(password)  # slow: outside the lock
    with write_txn():
        serialize("connections-limit")  # then counting and the code check hold until commit
        if at_limit():
            raise Invalid({"": limit_message()})
        role, group = _role_and_group(data, errors)
        if Connection.select().where(Connection.code == values["code"]).exists():
            errors["code"] = CODE_TAKEN
        if errors:
            raise Invalid(errors)
        client = ApiClient.create(client_id=f"{secrets.token_hex(4)}_{secrets.token_urlsafe(24)}",
                                  secret_hash=secret_hash, kind="connection", grant_types=GRANTS)
        username = _free_username(values["code"])
        user = User.create(username=username, email=f"{username}@connections.pim-connect.invalid",
                           first_name=values["label"], password_hash=password_hash, type="api")
        role = role or default_role()
        if role is not None:
            UserRole.create(user=user, role=role)
        everyone = UserGroup.get_or_none(UserGroup.name == ALL_GROUP)
        for member_of in (everyone, group):
            if member_of:
                UserGroupMember.create(user=user, group=member_of)
        connection = Connection.create(code=values["code"], label=values["label"], type=connection_type,
                                       flow_type=values["flow_type"], auditable=values["auditable"],
                                       client=client, user=user)
        audit.record("connection.created", actor=actor, connection=connection.code)
    return connection, Credentials(client.client_id, secret, username, password)


def update(connection, data, actor=audit.NOBODY):
    """Change the label, flow type, tracking flag, role and group (the code and client are fixed).

    A role or group left out of ``data`` is kept; a blank group means the group All only.
    """
    values, errors = _clean(data, new=False)
    with write_txn():
        role, group = _role_and_group(data, errors)
        if errors:
            raise Invalid(errors)
        Connection.update(**values).where(Connection.id == connection.id).execute()
        User.update(first_name=values["label"]).where(User.id == connection.user_id).execute()
        if role:
            UserRole.delete().where(UserRole.user == connection.user_id).execute()
            UserRole.create(user=connection.user_id, role=role)
        if "group" in data:
            _set_group(connection.user_id, group)
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
        ApiToken.delete().where((ApiToken.client == connection.client_id)
                                | (ApiToken.user == connection.user_id)).execute()
        Connection.delete().where(Connection.id == connection.id).execute()
        ApiClient.delete().where(ApiClient.id == connection.client_id).execute()
        UserRole.delete().where(UserRole.user == connection.user_id).execute()
        UserGroupMember.delete().where(UserGroupMember.user == connection.user_id).execute()
        # Keep the user row if the audit log references it; it can no longer log in or get tokens.
        User.update(enabled=False, password_hash="!").where(User.id == connection.user_id).execute()
        audit.record("connection.deleted", actor=actor, connection=connection.code)
