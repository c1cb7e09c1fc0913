"""The apps' authorize endpoint (§3.2.1): the reference's checks and the wizard's decision
(services.apps.connect), prompt and max_age (OpenID Connect Core §3.1.2.1), and the code redirect."""
import datetime
import time

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, InteractionRequiredError, LoginRequiredError
from flask import current_app, request

from pimconnect.db import write_txn
from pimconnect.permissions import user_permissions
from pimconnect.services.apps import connect as app_connect
from pimconnect.oauth.requests import AUTHORIZE_PATH, Request
from pimconnect.oauth.apps import AppClient, known_clients, apps_server


# -- The authorize endpoint -------------------------------------------------------------------------

def authorize(user, auth_time=None, fresh_login=False):
    """``GET /connect/apps/v1/authorize`` for ``user`` (None: no session); returns an Outcome.

    The reference's steps first (§3.2.1: unknown app, permissions, validation on the PIM's page),
    then Authlib's (client, redirect URI, scope, nonce, PKCE, prompt), max_age, the wizard's
    decision, and the code. ``auth_time``: when the session logged in (epoch seconds, None when
    unknown); ``fresh_login``: the user has just logged in again for this very request.
    """
    params = request.args
    openid_request = "openid" in (params.get("scope") or "").split()
    prompts = (params.get("prompt") or "").split() if openid_request else []  # an OpenID parameter
    if user is None and "none" not in prompts:
        return app_connect.Outcome("login")  # §3.1: the login page, before any check
    granted = user_permissions(user) if user is not None else None
    app, refused = app_connect.check_request(user, params, granted)
    if refused:
        return refused
    known_clients()[app.id] = AppClient(app.id, app.callback_url)  # Authlib's query_client asks next
    try:
        oauth_request = Request("GET", request.full_path.rstrip("?"), {name: params.getlist(name) for name in params})
        grant = apps_server().get_consent_grant(oauth_request, end_user=user)
        if openid_request and not fresh_login:
            _check_max_age(grant, auth_time, "none" in prompts)
    except OAuth2Error as error:
        return _refusal(error, app.id)
    if grant.prompt == "login" and not fresh_login:
        return app_connect.Outcome("fresh_login", app.id)  # prompt=login, or max_age passed (OIDC Core §3.1.2.1)
    kept = None
    if openid_request and "max_age" in params and auth_time is not None:
        kept = datetime.datetime.fromtimestamp(auth_time, datetime.timezone.utc).replace(tzinfo=None)
    with write_txn():
        outcome = app_connect.decide(user, app, params, interactive="none" not in prompts, auth_time=kept,
                                     granted=granted)
        if outcome.kind in ("consent_required", "interaction_required"):
            error = ConsentRequiredError if outcome.kind == "consent_required" else InteractionRequiredError
            return _refusal(error(redirect_uri=grant.redirect_uri, state=oauth_request.payload.state), app.id)
        if outcome.kind == "callback":
            outcome.url = code_redirect(outcome.pending, user)
    return outcome


def _check_max_age(grant, auth_time, prompt_none):
    """OIDC Core §3.1.2.1: a login older than max_age seconds needs a new one (login_required with
    prompt=none). Authlib leaves max_age to the provider."""
    raw = grant.request.payload.data.get("max_age")
    if raw is None:
        return
    state = grant.request.payload.state
    if not raw.isdigit():
        raise InvalidRequestError("Invalid 'max_age' in request.", redirect_uri=grant.redirect_uri, state=state)
    if auth_time is None or time.time() - auth_time > int(raw):
        if prompt_none:
            raise LoginRequiredError(redirect_uri=grant.redirect_uri, state=state)
        grant.prompt = "login"


def _refusal(error, client_id):
    """An authorize error: redirected to the app with ``state`` and ``iss`` once the redirect URI is known
    good (RFC 6749 §4.1.2.1, RFC 9207), else on the PIM's own page."""
    if not error.redirect_uri:
        return app_connect.Outcome("error", client_id, error=error.error)  # insecure_transport has its sentence
    _status, _body, headers = error()
    return app_connect.Outcome("redirect", client_id, url=add_params_to_uri(dict(headers)["Location"],
                                                                [("iss", current_app.config["PIM_URL"])]))


def code_redirect(pending, user):
    """The app's callback with a new code for ``pending`` (Authlib's code grant; ``iss`` added): the
    authorize request itself, or the wizard's and the consent page's Confirm. Call inside their
    write transaction."""
    server = apps_server()
    params = app_connect.request_params(pending)
    oauth_request = Request("GET", AUTHORIZE_PATH, {name: [value] for name, value in params.items()})
    oauth_request.pending = pending
    grant = server.get_authorization_grant(oauth_request)
    response = server.create_authorization_response(oauth_request, grant_user=user, grant=grant)
    if not response.location:  # the app went away meanwhile: nothing to send it
        raise app_connect.NoPendingAuthorization(app_connect.NO_PENDING)
    return response.location


