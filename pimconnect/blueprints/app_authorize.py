"""Connecting an app: the authorize endpoint apps redirect to, the authorization wizard and the
OpenID consent page (apps-and-oauth.md §3.2.1, §3.4, §7; decisions D6, D7, D10, D21, D22).

Views stay thin: the authorization server (``pimconnect.oauth``) answers the authorize request
and issues the codes, ``services.apps.connect`` holds the wizard's rules. The wizard's steps are
form posts that htmx swaps in place; the last step is a plain form, so Confirm is a real
navigation to the app's callback (with or without JavaScript).
"""
import hashlib
import re
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.routing import BuildError

from pimconnect import oauth
from pimconnect.htmx import is_htmx, redirect_to, refused_status, render
from pimconnect.permissions import MANAGE_APPS, OPEN_APPS, require
from pimconnect.security import AUTH_TIME_KEY, CSP, SESSION_TOKEN_KEY
from pimconnect.services.access import auth as auth_service
from pimconnect.services.apps import connect as app_connect
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.access import group_permissions
from pimconnect.services.errors import Invalid

bp = Blueprint("app_authorize", __name__, url_prefix="/connect/apps")

KIND_LABELS = {"category": "Category trees", "locale": "Locales", "attribute_group": "Attribute groups"}
ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?")


def _user():
    return current_user._get_current_object()


def _consent_headers(response, callback=None):
    """No caching, no Referer to third parties (A23), and the app's callback allowed as a form target.

    The Confirm form's answer redirects to the callback; browsers apply CSP form-action to that
    redirect, so the page names the callback's origin next to 'self'.
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    if callback:
        parts = urlsplit(callback)
        origin = f"{parts.scheme}://{parts.netloc}"
        if ORIGIN.fullmatch(origin):
            response.headers["Content-Security-Policy"] = CSP.replace("form-action 'self'",
                                                                      f"form-action 'self' {origin}")
    return response


def _error_page(key, status):
    """The PIM's own error page: errors are never redirected to the app (A2, D6)."""
    response = render("apps/authorize_error.html", message=app_connect.error_message(key),
                      hint=app_connect.SUPPORT_HINT, status=status)
    return _consent_headers(response)


@bp.route("/v1/authorize")
def authorize():
    """The app's authorization request: an error page, the wizard, the consent page or the callback."""
    user = _user() if current_user.is_authenticated else None
    outcome = oauth.authorize(user, session.get(AUTH_TIME_KEY), _fresh_login_done())
    if outcome.kind == "login":
        return current_app.login_manager.unauthorized()
    if outcome.kind == "fresh_login":
        return _fresh_login()
    session.pop(FRESH_LOGIN_KEY, None)
    if outcome.kind == "error":
        return _error_page(outcome.error, 400)
    if outcome.kind == "forbidden":
        abort(403)
    if outcome.kind == "wizard":
        return redirect(url_for(".wizard", client_id=outcome.client_id), 302)
    if outcome.kind == "authenticate":
        return redirect(url_for(".authenticate", client_id=outcome.client_id), 302)
    if _right_after_login():
        # The login form's CSP (form-action 'self') also covers the redirects that follow its
        # submission, so Chromium would block a 302 to the app here: a page that moves on by itself.
        response = _consent_headers(render("apps/continue.html", url=outcome.url))
        response.headers["Refresh"] = f"0; url={outcome.url}"  # the link on the page is the fallback
        return response
    return redirect(outcome.url, 302)


# Anonymous requests reach the view: an OpenID prompt=none request is answered login_required at
# the app's callback (OIDC Core §3.1.2.6); every other one goes to the login page, as with login_only.
authorize.required_permissions = ()

FRESH_LOGIN_KEY = "pim_fresh_login"  # {"request": digest of the authorize query, "since": epoch seconds}


def _request_digest():
    return hashlib.sha256(request.query_string).hexdigest()


def _fresh_login_done():
    """Whether the user logged in again after this very request asked for it (prompt=login, max_age)."""
    marker = session.get(FRESH_LOGIN_KEY)
    return (isinstance(marker, dict) and marker.get("request") == _request_digest()
            and (session.get(AUTH_TIME_KEY) or 0) >= marker.get("since", 0))


def _fresh_login():
    """OIDC Core §3.1.2.1 prompt=login (or max_age passed): log this browser out and send the user to
    the login page; back with a newer login for the same request, the request carries on."""
    session[FRESH_LOGIN_KEY] = {"request": _request_digest(), "since": int(time.time())}
    if current_user.is_authenticated:
        auth_service.logout(current_user, session.get(SESSION_TOKEN_KEY), request.remote_addr)
        logout_user()
    session.pop(SESSION_TOKEN_KEY, None)
    session.pop(AUTH_TIME_KEY, None)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _right_after_login():
    """Whether this request is the login form's redirect to ``next`` (its Referer is the login page)."""
    referrer = urlsplit(request.referrer or "")
    return referrer.netloc == request.host and referrer.path == url_for("auth.login")


def _data_or_404(loader):
    try:
        return loader(_user(), request.args.get("client_id", ""))
    except app_connect.NoPendingAuthorization:
        abort(404)


def _app_page_url(app):
    """Where the app's Privacy Policy and Terms can be read: its More info page (None for custom apps)."""
    if app.is_custom_app:
        return None
    if app.url and urlsplit(app.url).scheme in ("http", "https"):
        return app.url
    try:
        return url_for("connect.app_detail", app_id=app.id)
    except BuildError:  # the built-in detail page belongs to the App Store
        return url_for("connect.app_store")


def _choices(data):
    """The user's choices so far, read from the posted form: consent checkboxes and EE permissions."""
    form = request.form
    consents = {"consent": form.get("consent") == "1", "certification": form.get("certification") == "1"}
    permissions = None
    if "permissions" in data.steps:
        permissions = group_permissions.from_form(form, data.view_only_permissions)
    return {"consents": consents, "permissions": permissions}


def _permission_fields(permissions):
    """The hidden fields carrying the chosen permissions to the other steps (group_permissions' names)."""
    fields = []
    for kind, levels in permissions.items():
        for level, value in levels.items():
            if value["all"]:
                fields.append((f"{kind}-{level}-all", "1"))
            fields.extend((f"{kind}-{level}", code) for code in value["identifiers"])
    return fields


def _request_changed():
    """The page of a form posted for a request that was replaced since (in place of the wizard under htmx)."""
    response = render("apps/authorize_error.html", message=app_connect.REQUEST_CHANGED,
                      hint=app_connect.REQUEST_CHANGED_HINT, status=200 if is_htmx() else 409)
    return _consent_headers(response)


def _render_step(data, step, choices, errors=None, status=200):
    steps = data.steps
    index = steps.index(step)
    hidden = [("request", data.digest)]  # binds each post to the request shown (check_shown)
    if step != "authorizations":
        hidden += [(name, "1") for name, ticked in choices["consents"].items() if ticked]
    if choices["permissions"] is not None and step != "permissions":
        hidden += _permission_fields(choices["permissions"])
    response = render(
        "apps/wizard.html", block="wizard", status=status, data=data, step=step, index=index,
        is_last=index == len(steps) - 1, step_labels=app_connect.STEP_LABELS, choices=choices, hidden=hidden,
        errors=errors or {}, app_page_url=_app_page_url(data.app),
        authentication_sentences=app_scopes.AUTHENTICATION_SENTENCES,
        permission_choices=app_connect.permission_choices() if "permissions" in steps else None,
        kind_labels=KIND_LABELS, level_labels=group_permissions.LEVEL_LABELS,
        levels_for=group_permissions.levels_for)
    return _consent_headers(response, data.app.callback_url)


@bp.route("/authorize")
@require(MANAGE_APPS)
def wizard():
    """The authorization wizard's first step, or the error page of ``?error=``."""
    if "error" in request.args:
        return _error_page(request.args["error"], 200)
    data = _data_or_404(app_connect.wizard_data)
    empty = {"consents": {"consent": False, "certification": False},
             "permissions": app_connect.no_permissions() if "permissions" in data.steps else None}
    return _render_step(data, data.steps[0], empty)


@bp.route("/authorize", methods=["POST"])
@require(MANAGE_APPS)
def wizard_step():
    """Move between the wizard's steps (Previous / Allow and next / Next) or Confirm on the last one."""
    data = _data_or_404(app_connect.wizard_data)
    try:
        app_connect.check_shown(data, request.form.get("request"))
    except app_connect.RequestChanged:
        return _request_changed()
    choices = _choices(data)
    steps = data.steps
    step = request.form.get("step") if request.form.get("step") in steps else steps[0]
    index, action = steps.index(step), request.form.get("action")
    if action == "previous":
        return _render_step(data, steps[max(index - 1, 0)], choices)
    if step == "authorizations":
        errors = app_connect.consent_errors(data, choices["consents"])
        if errors:
            return _render_step(data, step, choices, errors, refused_status())
    if action != "confirm" or index != len(steps) - 1:
        return _render_step(data, steps[min(index + 1, len(steps) - 1)], choices)
    try:
        url = app_connect.confirm(_user(), data.app.id, request.form.get("request"), choices["consents"],
                                  choices["permissions"])
    except app_connect.NoPendingAuthorization:
        abort(404)
    except app_connect.RequestChanged:
        return _request_changed()
    except Invalid as refused:
        back = "authorizations" if set(refused.errors) - {""} else step
        return _render_step(data, back, choices, refused.errors, refused_status())
    # No "App successfully configured." flash: the browser leaves for the app's callback, and the
    # message would greet the user on the next, unrelated PIM page (issue 14). The app says it.
    return redirect_to(url, 303)


@bp.route("/authenticate")
@require(OPEN_APPS)
def authenticate():
    """The one-step OpenID consent of a connected app newly asking for profile or email (§2.4)."""
    data = _data_or_404(app_connect.authentication_data)
    response = render("apps/authenticate.html", data=data,
                      authentication_sentences=app_scopes.AUTHENTICATION_SENTENCES)
    return _consent_headers(response, data.app.callback_url)


@bp.route("/authenticate", methods=["POST"])
@require(OPEN_APPS)  # the reference's confirm-authentication needs Open apps, not Manage apps
def confirm_authentication():
    """Record the consent and go to the app's callback with a fresh code."""
    try:
        url = app_connect.confirm_authentication(_user(), request.args.get("client_id", ""),
                                                 request.form.get("request"))
    except app_connect.NoPendingAuthorization:
        abort(404)
    except app_connect.RequestChanged:
        return _request_changed()
    return redirect_to(url, 303)

