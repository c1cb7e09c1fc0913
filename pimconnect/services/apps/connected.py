"""Connected apps (reference apps-and-oauth.md §9): what connecting creates (§9.1), the list and its
state lines, monitoring settings, opening an app, flagging outdated scopes, revoking tokens and deletion.

Deletion (§9.4) runs in one transaction: every token of the app is revoked and its OAuth client
marked revoked (later calls get "…Your app has been disconnected from that PIM."), then the
connected-app record, its connection, API user, user group and role go. The PIM users' OpenID
consents stay, so ``sub`` is the same when the app is connected again.
"""
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from peewee import fn

from pimconnect.db import serialize, write_txn
from pimconnect.models import (
    ApiClient,
    ApiToken,
    AuthCode,
    ConnectedApp,
    Connection,
    PendingAuthorization,
    RevokedAppToken,
    Role,
    User,
    UserConsent,
    UserGroup,
    UserGroupMember,
    UserRole,
)
from pimconnect.models.structure import utcnow
from pimconnect.permissions import MANAGE_APPS
from pimconnect.services import notifications
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.access import audit
from pimconnect.services.access import group_permissions as group_permissions_service
from pimconnect.services.access.passwords import generate_password, hash_password
from pimconnect.services.connections import settings as connections
from pimconnect.services.errors import Invalid

FLOW_TYPES = {"data_source": "Data source", "data_destination": "Data destination", "other": "Other"}
NOT_LISTED = "App no longer listed on the PIM Connect App Store. Please contact the App support."
PENDING = "App not connected. Opening the App should fix the connection issues."
OUTDATED = "New access authorization required."
UPDATE_MESSAGE = "The {name} App requires an authorization update. Please open the app to proceed."

CODE_LENGTH = 30  # the user-group name limit of the reference (§9.1)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_NAME_UNSAFE = re.compile(r'[<>&"]')


def _base36(length):
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def new_code():
    """``app_`` + random base36, 30 characters: the group name, username and connection code."""
    return ("app_" + _base36(CODE_LENGTH))[:CODE_LENGTH]


def new_password_hash():
    """The app API user's password hash (nobody logs in with it). argon2 is slow on purpose, so
    callers compute it before their write transaction, not under the connections-limit lock."""
    return hash_password(generate_password(32))


def _api_user(app, code, group, role, password_hash):
    """The app's API user (type app), in the app group only: never in group All (§7.4)."""
    first_name = _NAME_UNSAFE.sub("_", app.name)[:100]
    user = User.create(username=code, email=f"{code}@example.com", first_name=first_name, last_name=" ",
                       password_hash=password_hash, type="app")
    UserGroupMember.create(user=user, group=group)
    UserRole.create(user=user, role=role)
    return user


def create_connected_app(app, scopes, user=None, password_hash=None):
    """Create what connecting ``app`` (an AppInfo) with ``scopes`` makes (§9.1); returns the ConnectedApp.

    Call inside the caller's write_txn, with ``password_hash`` from ``new_password_hash()`` made
    before it (made here otherwise). Raises Invalid({"": limit message}) at the connections
    limit, checked under the same lock as manual connections. ``user`` is who connected (audit).
    """
    scopes = sorted(set(scopes))
    password_hash = password_hash or new_password_hash()
    serialize("connections-limit")
    if connections.at_limit():
        raise Invalid({"": connections.limit_message()})
    if ConnectedApp.get_or_none(ConnectedApp.id == app.id) is not None:
        raise Invalid({"": "This app is already connected."})
    code = new_code()
    group = UserGroup.create(name=code, type="app")
    role = Role.create(code=_base36(CODE_LENGTH), label=app.id, type="app", permissions=app_scopes.acls(scopes))
    api_user = _api_user(app, code, group, role, password_hash)
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


@dataclass
class Card:
    """A connected app as the list and the app page show it."""

    app: ConnectedApp
    code: str
    username: str
    activate_url: str | None
    is_listed: bool
    is_pending: bool

    @property
    def state(self):
        """(css class, line) in the reference's priority: not listed > pending > outdated > developed by."""
        if not self.is_listed:
            return "error", NOT_LISTED
        if self.is_pending:
            return "warning", PENDING
        if self.app.has_outdated_scopes:
            return "warning", OUTDATED
        return "", f"Developed by {self.app.author}" if self.app.author else ""

    @property
    def first_category(self):
        return (self.app.categories or [None])[0]


def _pending_client_ids(client_ids):
    """Clients that have an authorization code but no access token: the app never exchanged it."""
    if not client_ids:
        return set()
    with_code = set(AuthCode.select(AuthCode.client).where(AuthCode.client.in_(client_ids)).tuples())
    with_token = set(ApiToken.select(ApiToken.client).where(ApiToken.client.in_(client_ids),
                                                            ApiToken.kind == "access").tuples())
    return {row[0] for row in with_code - with_token}


def _cards(query):
    rows = list(query)
    pending = _pending_client_ids([row.connection.client_id for row in rows])
    apps = app_listings.find_apps([row.id for row in rows])
    cards = []
    for row in rows:
        info = apps.get(row.id)
        cards.append(Card(app=row, code=row.connection.code, username=row.connection.user.username,
                          activate_url=info.activate_url if info else None, is_listed=info is not None,
                          is_pending=row.connection.client_id in pending))
    return cards


def _base_query():
    return (ConnectedApp.select(ConnectedApp, Connection, User)
            .join(Connection).join(User, on=(Connection.user == User.id)))


def listing():
    """Every connected app as a Card, sorted by name (custom apps and published ones together)."""
    return _cards(_base_query().order_by(fn.LOWER(ConnectedApp.name), ConnectedApp.id))


def get(code):
    """The connected app whose connection code is ``code`` as a Card, or None."""
    if not code or len(code) > 100:
        return None
    cards = _cards(_base_query().where(Connection.code == code))
    return cards[0] if cards else None


def by_app_id(app_id):
    return ConnectedApp.select(ConnectedApp, Connection).join(Connection).where(ConnectedApp.id == app_id).first()


def with_pim_url(url):
    """``url`` with ``pim_url`` appended (``?`` or ``&`` as the reference)."""
    pim_url = current_app.config["PIM_URL"]
    return f"{url}{'&' if '?' in url else '?'}pim_url={quote(pim_url, safe='')}"


def open_url(card):
    """The URL that opens the app: its activate URL + pim_url (None without an activate URL)."""
    return with_pim_url(card.activate_url) if card.activate_url else None


def update_settings(card, data, actor=audit.NOBODY):
    """Save the flow type and "Track in Data flows dashboard" (forced off for ``other``)."""
    flow_type = data.get("flow_type") or "other"
    if flow_type not in FLOW_TYPES:
        raise Invalid({"flow_type": "Choose a flow type."})
    auditable = bool(data.get("auditable")) and flow_type != "other"
    with write_txn():
        Connection.update(flow_type=flow_type, auditable=auditable).where(Connection.code == card.code).execute()
        ConnectedApp.update(updated=utcnow()).where(ConnectedApp.id == card.app.id).execute()
        audit.record("app.settings_updated", actor=actor, app_id=card.app.id, flow_type=flow_type,
                     auditable=auditable)
    return flow_type, auditable


def authentication_scopes(app_id, user):
    """The scopes ``user`` consented to for this app (``openid`` included), or []."""
    consent = UserConsent.get_or_none((UserConsent.user == user.id) & (UserConsent.app_id == app_id))
    return list(consent.scopes or []) if consent else []


def revoke_tokens(card, actor=audit.NOBODY):
    """Revoke every access token of the app without disconnecting it (decision D24); returns how many."""
    with write_txn():
        count = (ApiToken.update(revoked=True)
                 .where(ApiToken.client == card.app.connection.client_id, ApiToken.revoked == False)  # noqa: E712
                 .execute())
        audit.record("app.tokens_revoked", actor=actor, app_id=card.app.id, count=count)
    return count


def delete(app, actor=audit.NOBODY):
    """Disconnect ``app`` (a ConnectedApp) in one transaction (§9.4); its consents stay."""
    with write_txn():
        connected = ConnectedApp.get_or_none(ConnectedApp.id == app.id)
        if connected is None:
            return False
        connection = Connection.get_by_id(connected.connection_id)
        hashes = [h for (h,) in ApiToken.select(ApiToken.token_hash)
                  .where(ApiToken.client == connection.client_id, ApiToken.kind == "access").tuples()]
        if hashes:  # the tokens go with the API user below; their digests stay to word the 401
            RevokedAppToken.insert_many([{"token_hash": h} for h in hashes]).on_conflict_ignore().execute()
        ApiToken.update(revoked=True).where(ApiToken.client == connection.client_id).execute()
        ApiClient.update(revoked=True).where(ApiClient.id == connection.client_id).execute()
        AuthCode.delete().where(AuthCode.client == connection.client_id, AuthCode.used_at.is_null()).execute()
        PendingAuthorization.delete().where(PendingAuthorization.client_id == connected.id).execute()
        connected.delete_instance()
        connection.delete_instance()
        User.delete().where(User.id == connection.user_id).execute()  # tokens, role and group links cascade
        UserGroup.delete().where(UserGroup.id == connected.user_group_id).execute()
        Role.delete().where(Role.id == connected.role_id).execute()
        audit.record("app.deleted", actor=actor, app_id=connected.id, connection=connection.code)
    return True


def flag_outdated_scopes(token, requested):
    """``POST /connect/apps/v1/scopes/update`` (§2.3.1): flag the token's app when ``requested`` holds
    supported scopes it was not granted, and notify every user who can manage apps.

    Returns False when the token does not belong to a connected app. Never changes the scopes.
    """
    connected = (ConnectedApp.select(ConnectedApp, Connection).join(Connection)
                 .where(Connection.client == token.client_id, Connection.user == token.user_id).first())
    if connected is None:
        return False
    authorization, _ = app_scopes.parse(requested)
    if app_scopes.new_scopes(authorization, connected.scopes) and not connected.has_outdated_scopes:
        with write_txn():
            changed = (ConnectedApp.update(has_outdated_scopes=True, updated=utcnow())
                       .where(ConnectedApp.id == connected.id, ConnectedApp.has_outdated_scopes == False)  # noqa: E712
                       .execute())
            if changed:
                notifications.notify_permission_holders(
                    MANAGE_APPS, UPDATE_MESSAGE.format(name=connected.name), level="warning",
                    subject=connected.name, link=f"/connect/connected-apps/{connected.connection.code}/open",
                    action_label="Open App")
    return True


def permissions_tab_applies(card):
    """EE only, for an app with a product scope (§9.3)."""
    return current_app.config["PIM_EDITION"] == "ee" and app_scopes.has_product_scope(card.app.scopes or [])


def editable_kinds(can):
    """The permission kinds the current user may change (their "Manage … permissions" rights)."""
    return [kind for kind, spec in group_permissions_service.KINDS.items() if can(spec["manage"])]


def group_permissions(card):
    """What the Permissions tab shows: the group's levels, the choices, and View-only or not."""
    view_only = not app_scopes.can_write_products(card.app.scopes or [])
    return {"levels": group_permissions_service.load(card.app.user_group_id),
            "options": group_permissions_service.options(), "view_only": view_only,
            "choices": group_permissions_service.choices(),
            "kinds": group_permissions_service.KINDS, "level_labels": group_permissions_service.LEVEL_LABELS}


def save_group_permissions(card, form, editable, actor=audit.NOBODY):
    """Save the kinds the user may edit from the tab's form; the others stay as they are."""
    view_only = not app_scopes.can_write_products(card.app.scopes or [])
    permissions = group_permissions_service.from_form(form, view_only=view_only, kinds=editable)
    with write_txn():
        group_permissions_service.save(card.app.user_group_id, permissions)
        audit.record("app.permissions_updated", actor=actor, app_id=card.app.id, kinds=sorted(permissions))
    return permissions
