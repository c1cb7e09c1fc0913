"""Connecting an app: the authorize request, the wizard's Confirm and what connecting creates
(reference apps-and-oauth.md §2.1–2.4, §3.2.1, §3.3, §7, §9.1).

No request or session access here: views pass the user and the values. Every write happens in
one ``write_txn()``; the connections limit (D1) is checked under the ``connections-limit`` lock
shared with ``services.connections``, so concurrent confirms cannot exceed it.
"""
import re
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app

from pimconnect.db import serialize, write_txn
from pimconnect.models import (
    ApiToken,
    Connection,
    ConnectedApp,
    GroupPermission,
    PendingAuthorization,
    Role,
    User,
    UserConsent,
    UserGroup,
    UserGroupMember,
    UserRole,
)
from pimconnect.models.catalog import utcnow
from pimconnect.services import app_catalogue, app_codes, app_scopes, audit, connections
from pimconnect.services.errors import Invalid
from pimconnect.services.passwords import generate_password, hash_password

MANAGE_APPS = "akeneo_connectivity_connection_manage_apps"
OPEN_APPS = "akeneo_connectivity_connection_open_apps"
CODE_LENGTH = 30  # the user-group name limit of the reference (§9.1)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_NAME_UNSAFE = re.compile(r'[<>&"]')


def _base36(length):
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def new_code():
    """``app_`` + random base36, 30 characters: the group name, username and connection code."""
    return ("app_" + _base36(CODE_LENGTH))[:CODE_LENGTH]


def _api_user(app, code, group, role):
    """The app's API user (type app), in the app group only: never in group All (§7.4)."""
    first_name = _NAME_UNSAFE.sub("_", app.name)[:100]
    user = User.create(username=code, email=f"{code}@example.com", first_name=first_name, last_name=" ",
                       password_hash=hash_password(generate_password(32)), type="app")
    UserGroupMember.create(user=user, group=group)
    UserRole.create(user=user, role=role)
    return user


def create_connected_app(app, scopes, user=None):
    """Create what connecting ``app`` (an AppInfo) with ``scopes`` makes (§9.1); returns the ConnectedApp.

    Call inside the caller's write_txn. Raises Invalid({"": limit message}) at the connections
    limit, checked under the same lock as manual connections. ``user`` is who connected (audit).
    """
    scopes = sorted(set(scopes))
    serialize("connections-limit")
    if connections.at_limit():
        raise Invalid({"": connections.limit_message()})
    if ConnectedApp.get_or_none(ConnectedApp.id == app.id) is not None:
        raise Invalid({"": "This app is already connected."})
    code = new_code()
    group = UserGroup.create(name=code, type="app")
    role = Role.create(code=_base36(CODE_LENGTH), label=app.id, type="app", permissions=app_scopes.acls(scopes))
    api_user = _api_user(app, code, group, role)
    client = app_codes.app_client(app.id)
    if client.revoked:  # a deleted app connecting again
        client.revoked = False
        client.save()
    connection = Connection.create(code=code, label=app.name[:100], type="app", flow_type="other",
                                   auditable=False, client=client, user=api_user)
    connected = ConnectedApp.create(
        id=app.id, name=app.name, logo=app.logo, author=app.author, partner=app.partner,
        categories=list(app.categories or []), certified=bool(app.certified), is_custom_app=app.is_custom_app,
        connection=connection, user_group=group, role=role, scopes=scopes)
    audit.record("app.connected", user=user, app_id=app.id, connection=code, scopes=scopes)
    return connected
