"""Connecting an app: the reference's side of the authorize request, the wizard's Confirm and what
connecting creates (reference apps-and-oauth.md §2.1–2.4, §3.2.1, §3.3, §7, §9.1).

The authorization server (``pimconnect.oauth``, on Authlib) runs the authorize request: it asks
``check_request`` for the reference's checks and ``decide`` for the wizard's decision, and issues
the codes, also those of Confirm (``issue``). No request or session access here: views pass the
user and the values. Every write happens in one ``write_txn()``; the connections limit (D1) is
checked under the ``connections-limit`` lock shared with ``services.connections``, so concurrent
confirms cannot exceed it.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app

from pimconnect.db import write_txn
from pimconnect.models import ConnectedApp, PendingAuthorization, Role
from pimconnect.models.structure import utcnow
from pimconnect.permissions import MANAGE_APPS, OPEN_APPS, user_permissions
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import connected as connected_apps
from pimconnect.services.apps import consent as app_consent
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.access import audit
from pimconnect.services.access import group_permissions
from pimconnect.services.apps.authorize_request import SUPPORT_HINT, error_message  # noqa: F401 (the views' API)
from pimconnect.services.apps.authorize_request import single as _single
from pimconnect.services.apps.authorize_request import validate as _validate
from pimconnect.services.errors import Invalid

# -- The authorize request (§3.2.1) -------------------------------------------------------------

@dataclass
class Outcome:
    """What the authorize request ends in; the view turns it into a response.

    ``kind``: ``error`` (``error`` is the key, shown on a PIM page, never sent to the app),
    ``forbidden`` (403), ``wizard``, ``authenticate`` (consent page), ``callback`` (a code is due
    for ``pending``; ``url`` once issued), ``consent_required`` / ``interaction_required`` (the
    request said prompt=none but the user would have to see a page), and, from the authorization
    server, ``redirect`` (``url``: an error for the app), ``login`` and ``fresh_login``.
    """

    kind: str
    client_id: str | None = None
    error: str | None = None
    url: str | None = None
    pending: PendingAuthorization | None = None


def check_request(user, params, granted=None):
    """Steps 2, 3 and 5 of §3.2.1 in the reference's order: (the app, None) or (None, an Outcome).

    The unknown app and the validation errors are shown on the PIM's page, never redirected: the
    redirect URI is not known good yet (A2, D6). ``user`` None (a prompt=none request without a
    session) skips the permission step: the answer will be login_required. ``granted``: the user's
    permission codes, when the caller has them already.
    """
    client_id = _single(params, "client_id")
    app = app_listings.find_app(client_id) if client_id else None
    if app is None or not app.callback_url:
        return None, Outcome("error", error="app_not_found")
    if user is not None:
        granted = user_permissions(user) if granted is None else granted
        if not (MANAGE_APPS in granted or OPEN_APPS in granted):
            return None, Outcome("forbidden", app.id)
    error = _validate(app, params)
    if error:
        return None, Outcome("error", app.id, error=error)
    return app, None


def _store_pending(user, app, params, auth_time):
    """Keep the request for the wizard, one per (user, app), replacing an older one (§3.2.1 step 7)."""
    authorization, authentication = app_scopes.parse(_single(params, "scope"))
    challenge = _single(params, "code_challenge")
    PendingAuthorization.delete().where(PendingAuthorization.user == user,
                                        PendingAuthorization.client_id == app.id).execute()
    return PendingAuthorization.create(
        user=user, client_id=app.id, authorization_scope=authorization, authentication_scope=authentication,
        redirect_uri=_single(params, "redirect_uri"), state=_single(params, "state") or None,
        code_challenge=challenge, code_challenge_method="S256" if challenge else None,
        nonce=_single(params, "nonce") or None, auth_time=auth_time)


def decide(user, app, params, interactive=True, auth_time=None, granted=None):
    """Steps 7–12 of §3.2.1 for a checked request (``check_request``); call inside a write transaction.

    ``interactive`` False (OpenID prompt=none): where the user would see the wizard or the consent
    page the request ends in ``consent_required``, where a 403 page in ``interaction_required``,
    and nothing stays pending. ``auth_time``: when the user logged in, kept for the id_token when
    the request asked max_age. ``granted``: the user's permission codes, when the caller has them.
    """
    app_codes.app_client(app.id)
    pending = _store_pending(user, app, params, auth_time)
    outcome = _next_step(user, app, pending, user_permissions(user) if granted is None else granted)
    if not interactive and outcome.kind != "callback":
        PendingAuthorization.delete().where(PendingAuthorization.id == pending.id).execute()
        return Outcome("interaction_required" if outcome.kind == "forbidden" else "consent_required", app.id)
    return outcome


def _next_step(user, app, pending, granted):
    can_manage = MANAGE_APPS in granted
    connected = ConnectedApp.get_or_none(ConnectedApp.id == app.id)
    if connected is None and not can_manage:
        return Outcome("forbidden", app.id)
    if can_manage and (connected is None or app_scopes.new_scopes(pending.authorization_scope, connected.scopes)):
        return Outcome("wizard", app.id)
    if can_manage:
        # Same or fewer scopes: the reference replaces the stored ones here, which lets any
        # site shrink an app's grants with a cross-site GET. A GET never changes grants: the
        # code is for the current ones (the token's scope comes from the ConnectedApp).
        _authorization_renewed(connected)
    if app_consent.needs_consent(user, app.id, pending.authentication_scope):
        return Outcome("authenticate", app.id)
    return Outcome("callback", app.id, pending=pending)


def _replace_scopes(connected, scopes, user):
    """Store ``scopes`` as the app's and rebuild its role's ACLs (every known ACL set on or off)."""
    scopes = sorted(set(scopes))
    acls = app_scopes.acls(scopes)
    role = Role.get_by_id(connected.role_id)
    if connected.scopes == scopes and sorted(role.permissions or []) == acls:
        return
    ConnectedApp.update(scopes=scopes, updated=utcnow()).where(ConnectedApp.id == connected.id).execute()
    Role.update(permissions=acls).where(Role.id == role.id).execute()
    audit.record("app.scopes_changed", user=user, app_id=connected.id, scopes=scopes)


def _authorization_renewed(connected):
    """A user who can manage apps authorized the app's current request: the update it asked for
    (§2.3.1) is done, so its card no longer says "New access authorization required.". (The
    reference clears the flag when such a user merely opens the app; opening is a plain GET here.)"""
    if connected.has_outdated_scopes:
        ConnectedApp.update(has_outdated_scopes=False).where(ConnectedApp.id == connected.id).execute()


def drop_pending(pending):
    """The code for ``pending`` was issued: the request is done (call inside that transaction)."""
    PendingAuthorization.delete().where(PendingAuthorization.id == pending.id).execute()


def request_params(pending):
    """The authorize request a pending authorization stands for, as parameters (the code grant rebuilds
    the request from them when the wizard or the consent page is confirmed)."""
    params = {"response_type": "code", "client_id": pending.client_id,
              "scope": " ".join(list(pending.authorization_scope or []) + list(pending.authentication_scope or []))}
    for name in ("redirect_uri", "state", "code_challenge", "code_challenge_method", "nonce"):
        if getattr(pending, name) is not None:
            params[name] = getattr(pending, name)
    return params


# -- The wizard (§7) ----------------------------------------------------------------------------

STEP_LABELS = {"authentication": "Authentication", "authorizations": "Authorizations",
               "permissions": "Permissions", "summary": "Well done!"}
CONSENT_REQUIRED = "Please tick the box to agree to this App's Privacy Policy and Terms of Use."
CERTIFICATION_REQUIRED = "Please tick the box to accept the disclaimer about the certification."
NO_PENDING = "This app has no authorization request in progress. Start again from the app."


class NoPendingAuthorization(Exception):
    """The app is unknown, or the user has no authorization request in progress for it (404)."""


REQUEST_CHANGED = "The app sent a new authorization request while you were reviewing this one."
REQUEST_CHANGED_HINT = ("Nothing was granted. To review what the app asks for now, start again from the app "
                        "(Connect in the App Store, or Open app).")


class RequestChanged(Exception):
    """The pending request is not the one the posted form was rendered for (digest mismatch)."""


def check_shown(data, shown):
    """Raise RequestChanged unless ``shown`` (the form's digest) is the digest of ``data``."""
    if not isinstance(shown, str) or not hmac.compare_digest(shown.encode(), data.digest.encode()):
        raise RequestChanged(REQUEST_CHANGED)


@dataclass
class WizardData:
    """What the wizard shows (reference load-wizard-data, §7.1), plus its steps (§7.2, §7.3)."""

    app: app_listings.AppInfo
    pending: PendingAuthorization
    connected: ConnectedApp | None
    scope_messages: list  # the new scopes only (requested minus stored, both expanded)
    old_scope_messages: list | None  # the stored scopes; None on a first connection
    authentication_scopes: list  # profile/email requested and not yet consented; never openid
    old_authentication_scopes: list | None  # consented ones without openid; None if never consented
    steps: list
    view_only_permissions: bool  # the app cannot write products: View levels only (§7.4)

    @property
    def display_checkbox_consent(self):
        return self.connected is None

    @property
    def digest(self):
        """What the wizard showed, as a hex digest: the pending request and the app's stored scopes.

        Each wizard form carries it; a second authorize request arriving meanwhile replaces the
        pending one, and its different digest stops Confirm granting what was never shown.
        """
        pending = self.pending
        shown = [pending.id, pending.created.isoformat(), pending.authorization_scope,
                 pending.authentication_scope, pending.redirect_uri, pending.state, pending.code_challenge,
                 None if self.connected is None else sorted(self.connected.scopes or [])]
        return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()


def wizard_steps(edition, connected, scope_messages, authentication_scopes):
    """Authentication (when profile/email are new), Authorizations, then in EE on a first connection
    asking product scopes: Permissions and the summary (§7.2, §7.3, D8)."""
    steps = ["authentication"] if authentication_scopes else []
    steps.append("authorizations")
    if edition == "ee" and connected is None and any(m["entities"] == "products" for m in scope_messages):
        steps += ["permissions", "summary"]
    return steps


def _pending_app(user, client_id):
    app = app_listings.find_app(client_id)
    pending = (PendingAuthorization.get_or_none(PendingAuthorization.user == user,
                                                PendingAuthorization.client_id == client_id)
               if app is not None else None)
    if pending is None:
        raise NoPendingAuthorization(NO_PENDING)
    return app, pending


def wizard_data(user, client_id):
    """The wizard's data for ``user``'s pending request to ``client_id``; raises NoPendingAuthorization."""
    app, pending = _pending_app(user, client_id)
    connected = ConnectedApp.get_or_none(ConnectedApp.id == app.id)
    requested = pending.authorization_scope
    stored = connected.scopes if connected else []
    scope_messages = app_scopes.messages(app_scopes.new_scopes(requested, stored))
    consented = app_consent.consented_scopes(user, app.id)
    authentication = pending.authentication_scope
    new_authentication = ([s for s in authentication if s != "openid" and s not in (consented or [])]
                          if "openid" in authentication else [])
    return WizardData(
        app=app, pending=pending, connected=connected, scope_messages=scope_messages,
        old_scope_messages=app_scopes.messages(stored) if connected else None,
        authentication_scopes=new_authentication,
        old_authentication_scopes=None if consented is None else [s for s in consented if s != "openid"],
        steps=wizard_steps(current_app.config["PIM_EDITION"], connected, scope_messages, new_authentication),
        view_only_permissions=not app_scopes.can_write_products(requested))


def no_permissions():
    """Every kind with nothing granted: where the EE Permissions step starts."""
    return {kind: group_permissions.empty(kind) for kind in group_permissions.KINDS}


def permission_choices():
    """What the Permissions step offers, with labels: {kind: [(code, label)]} (trees, enabled locales, groups)."""
    return group_permissions.choices()


def consent_errors(data, consents):
    """The checkboxes the Authorizations step still needs (§7.2; D10: checked by the server too)."""
    errors = {}
    if data.display_checkbox_consent and not consents.get("consent"):
        errors["consent"] = CONSENT_REQUIRED
    if data.app.certified and not consents.get("certification"):
        errors["certification"] = CERTIFICATION_REQUIRED
    return errors


def _code_redirect(pending, user):
    """The callback URL with a new code, from the authorization server (Authlib's code grant), which
    imports this module: hence the import here."""
    from pimconnect.oauth.authorize import code_redirect

    return code_redirect(pending, user)


def confirm(user, client_id, shown, consents, permissions=None, issue=_code_redirect):
    """The wizard's Confirm, in one transaction; returns the callback URL with a fresh code (``issue``:
    what makes it, ``(pending, user) -> URL``).

    Re-reads the pending request (hidden form fields are not trusted, A20) and checks it is the
    one the wizard showed (``shown``: its digest), checks the consent checkboxes and the
    connections limit, connects the app or replaces its scopes, saves the EE permissions on a
    first connection, the user's OpenID consent, and issues the code. Raises
    NoPendingAuthorization, RequestChanged, or Invalid with the refused checkboxes or ``""`` =
    the limit message.
    """
    password_hash = None
    if ConnectedApp.get_or_none(ConnectedApp.id == client_id) is None:
        password_hash = connected_apps.new_password_hash()  # slow: before the transaction and its limit lock
    with write_txn():
        data = wizard_data(user, client_id)
        check_shown(data, shown)
        errors = consent_errors(data, consents)
        if errors:
            raise Invalid(errors)
        app, pending = data.app, data.pending
        if data.connected is None:
            connected = connected_apps.create_connected_app(app, pending.authorization_scope, user, password_hash)
            if "permissions" in data.steps:
                chosen = permissions if permissions is not None else no_permissions()
                group_permissions.save(connected.user_group_id, chosen)
        else:
            _replace_scopes(data.connected, pending.authorization_scope, user)
            _authorization_renewed(data.connected)
        app_consent.record_on_confirm(user, app.id, pending.authentication_scope)
        return issue(pending, user)


def authentication_data(user, client_id):
    """The consent page's data: the wizard data of a connected app; raises NoPendingAuthorization."""
    data = wizard_data(user, client_id)
    if data.connected is None:
        raise NoPendingAuthorization(NO_PENDING)
    return data


def confirm_authentication(user, client_id, shown, issue=_code_redirect):
    """The authentication-only consent of a connected app (§2.4): record it and return the callback URL.

    ``shown`` is the digest of the request the consent page showed (RequestChanged otherwise).
    The view requires Open apps (reference confirm-authentication; Manage apps alone is not enough).
    """
    with write_txn():
        data = authentication_data(user, client_id)
        check_shown(data, shown)
        app_consent.record_on_confirm(user, data.app.id, data.pending.authentication_scope)
        return issue(data.pending, user)
