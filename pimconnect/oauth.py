"""The OAuth 2 authorization servers, on Authlib: every line that touches Authlib is in this module,
and the routes only call it (issue 15; canaille's ``oidc/provider.py`` is the model).

* **Apps** (``/connect/apps/v1/authorize``, ``/oauth2/token``, ``/oauth2/revoke``): Authlib's
  authorization-code grant with PKCE (S256 only) and the OpenID Connect code extension (nonce,
  prompt, the id_token), RFC 9207's ``iss`` on every redirect, RFC 7009 revocation, and the
  RFC 8414 / OpenID discovery documents built from what is registered here.
* **Connections** (``/api/oauth/v1/token``, ``/revoke``): the password and refresh grants, with
  rotating refresh tokens (decision D14).

What Authlib cannot know is Akeneo's, and lives in the services it calls: the reference's order of
checks and error bodies (``services.apps.tokens``, ``services.connections.tokens``), Akeneo's
client authentication (registered below as a client-auth method), the code format and storage
(``services.apps.codes``), the wizard's decisions (``services.apps.connect``) and the id_token's
claims (``services.apps.openid``). One module holds all of it, as the issue asks, so it runs past
the usual 400 lines: the sections below follow the request's path through Authlib.
"""
import calendar
import contextlib
import datetime
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import parse_qsl

from authlib.common.urls import add_params_to_uri
from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749 import InsecureTransportError, InvalidScopeError, OAuth2Payload, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749 import UnauthorizedClientError
from authlib.oauth2.rfc6749 import UnsupportedGrantTypeError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.errors import ConsentRequiredError, InteractionRequiredError, LoginRequiredError
from authlib.oidc.core.grants import OpenIDCode
from flask import current_app, g, has_request_context, request, url_for

from pimconnect.config import DEV_ENVS
from pimconnect.db import write_txn
from pimconnect.permissions import AUTHENTICATION_SCOPES, SCOPE_ACLS, user_permissions
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import connect as app_connect
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import openid
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.apps import tokens as app_tokens
from pimconnect.services.connections import tokens as connection_tokens

Outcome = app_connect.Outcome
APP_BODY_MAX = 8192  # an app's token request is a few hundred bytes
CONNECTION_BODY_MAX = 200  # the reference refuses larger token requests (API reference §3.1)
AUTHORIZE_PATH = "/connect/apps/v1/authorize"  # the authorize request a confirmed wizard stands for
STANDARD_AUTH_METHODS = ("client_secret_basic", "client_secret_post")  # IANA-registered names
APP_AUTH_METHODS = (app_tokens.AKENEO_METHOD, *STANDARD_AUTH_METHODS)


# -- Requests: parameters from JSON or form bodies (D2), the URI from PIM_URL -----------------------

class _Payload(OAuth2Payload):
    def __init__(self, lists):
        self._lists = lists
        self._data = {name: values[0] for name, values in lists.items() if values}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return defaultdict(list, self._lists)


class _Request(OAuth2Request):
    """Authlib's request over parameters PIM Connect read itself. Its URI is built on PIM_URL, the
    issuer (never the Host header, A11), so Authlib's https check applies to the configured address."""

    def __init__(self, method, path, lists):
        in_request = has_request_context()  # the wizard's Confirm is also a service call (tests, threads)
        uri, headers = current_app.config["PIM_URL"] + path, request.headers if in_request else {}
        try:
            super().__init__(method, uri, headers=headers)
        except InsecureTransportError:
            # Authlib refuses plain http but on loopback (A31); development on another address may.
            if current_app.config["PIM_ENV"] not in DEV_ENVS:
                raise
            super().__init__(method, "https://" + uri.split("://", 1)[1], headers=headers)
            self.uri = uri
        self.payload = _Payload(lists)
        self.remote_addr = request.remote_addr if in_request else None
        self.credentials = None  # the app's ClientAuth, or a connection's (source, client_id, secret)
        self.client_row = None
        self.throttle_key = None
        self.pending = None  # the PendingAuthorization a code is issued for

    @property
    def args(self):
        return self.payload.data

    @property
    def form(self):
        return self.payload.data


def _app_body():
    """The body's fields, JSON or form-encoded (D2, Authlib reads forms only); a field sent twice, a body
    that does not parse or one over 8 kB is ``invalid_request`` (D20). JSON values other than strings
    are not read as fields."""
    raw = request.get_data(cache=True)
    if (request.content_length or 0) > APP_BODY_MAX or len(raw) > APP_BODY_MAX:
        raise InvalidRequestError()
    if request.mimetype == "multipart/form-data":  # accepted by the reference (Symfony reads both)
        pairs = [(name, value) for name in request.form for value in request.form.getlist(name)]
    else:
        try:
            text = raw.decode("utf-8")
            if request.mimetype == "application/json":
                data = json.loads(text)
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                return {name: [value] for name, value in data.items() if isinstance(value, str)}
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise InvalidRequestError() from None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # RFC 6749 §3.2: a parameter must not be sent twice
        raise InvalidRequestError()
    return {name: [value] for name, value in fields.items()}


def _connection_body():
    """The reference's reading of a connection token request: at most 200 bytes (422), JSON or form."""
    raw = request.get_data(cache=True)
    if (request.content_length or 0) > CONNECTION_BODY_MAX or len(raw) > CONNECTION_BODY_MAX:
        raise connection_tokens.TokenRefused(connection_tokens.TOO_LARGE)
    try:
        if request.mimetype == "application/json":
            data = json.loads(raw.decode("utf-8") or "{}")
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return {name: [value] for name, value in data.items() if isinstance(value, str)}
        return {name: [value] for name, value in parse_qsl(raw.decode("utf-8"), keep_blank_values=True)}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise connection_tokens.TokenRefused(connection_tokens.NOT_JSON, status=400) from None


# -- Errors ---------------------------------------------------------------------------------------

class _Refused(OAuth2Error):
    """An answer given as is: the error, the description the reference shows (only its own: Authlib's
    are left out of bodies, §4.3), the status and extra headers."""

    def __init__(self, error, description=None, status=400, headers=None):
        super().__init__(error=error, status_code=status)
        self.public_description = description
        self.extra_headers = dict(headers or {})


def _refused(token_error):
    return _Refused(token_error.error, token_error.description, token_error.status, token_error.headers)


def _json_error(error):
    """RFC 6749 §5.2 as the reference shapes it (§4.3, D20): ``error``, ``error_description`` only where
    the reference has one, ``no-store``, and ``WWW-Authenticate: Basic`` on a 401 (A15)."""
    body = {"error": error.error}
    if getattr(error, "public_description", None):
        body["error_description"] = error.public_description
    headers = dict(default_json_headers)
    if error.error == "invalid_client" and error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic error="invalid_client"'
    headers.update(getattr(error, "extra_headers", {}))
    return error.status_code, body, list(headers.items())


@contextlib.contextmanager
def _one_transaction():
    """The token request's write transaction. A refusal commits what was written before it (a spent
    code_identifier, a replay's revocations, a failure count) and is raised after the commit."""
    refusal = None
    with write_txn():
        try:
            yield
        except OAuth2Error as error:
            refusal = error
    if refusal is not None:
        raise refusal


# -- Apps: clients, Akeneo's client authentication, the code grant, OpenID --------------------------

class AppClient(ClientMixin):
    """An app as an OAuth client: its catalogue or custom-app listing, and its ApiClient row."""

    def __init__(self, client_id, callback_url=None, row=None):
        self.client_id, self.callback_url, self.row = client_id, callback_url, row

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.callback_url

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.callback_url  # exact string match (A1, D6)

    def get_allowed_scope(self, scope):
        # §3.2.1 step 6: unknown scopes are dropped silently, never invalid_scope.
        authorization, authentication = app_scopes.parse(scope or "")
        return " ".join(authorization + authentication)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in APP_AUTH_METHODS

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"  # no refresh token for apps (§4.4)


def _app_credentials(oauth_request):
    if oauth_request.credentials is None:
        try:
            oauth_request.credentials = app_tokens.client_auth(oauth_request.form,
                                                               oauth_request.headers.get("Authorization"))
        except app_tokens.TokenError as error:
            raise _refused(error) from None
    return oauth_request.credentials


def _app_client_auth(scheme):
    """The client-auth method for ``scheme`` (akeneo, basic, post), all three classified by D19."""

    def authenticate(query_client, oauth_request):
        credentials = _app_credentials(oauth_request)
        if credentials.scheme != scheme:
            return None
        row = oauth_request.client_row or app_tokens.live_client(credentials.client_id)
        if row is None:
            raise _refused(app_tokens.invalid_client(scheme))
        key = oauth_request.throttle_key or app_tokens.throttle_key(credentials.client_id, oauth_request.remote_addr)
        if scheme == "akeneo":
            if not (credentials.code_identifier and credentials.code_challenge):
                raise _Refused("invalid_request")
            ok, reason = app_tokens.challenge_matches(row.client_id, credentials.code_identifier,
                                                      credentials.code_challenge), "bad code challenge"
            if ok and not app_tokens.spend_identifier(row, credentials.code_identifier):
                ok, reason = False, "code identifier reused"
        else:
            ok, reason = app_tokens.secret_matches(row.client_id, credentials.secret), "bad secret"
        if not ok:
            raise _refused(app_tokens.authentication_failed(credentials.client_id, scheme, key,
                                                            oauth_request.remote_addr, reason))
        return AppClient(row.client_id, row=row)

    return authenticate


class _IssuedCode(AuthorizationCodeMixin):
    """An AuthCode row as Authlib's code; the token's scope and the OpenID consent are added once the
    app is known connected."""

    def __init__(self, row):
        self.row, self.code_challenge, self.code_challenge_method = row, row.code_challenge, row.code_challenge_method
        self.scope = self.consent = self.connected = None

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.row.nonce

    def get_auth_time(self):
        return calendar.timegm(self.row.auth_time.timetuple()) if self.row.auth_time else None


class AppCodeGrant(grants.AuthorizationCodeGrant):
    """RFC 6749 §4.1 with Akeneo's exchange among the client-auth methods (D2, D19)."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(APP_AUTH_METHODS)

    def generate_authorization_code(self):
        return app_codes.random_code()  # the reference's format (§3.3)

    def save_authorization_code(self, code, oauth_request):
        payload, pending = oauth_request.payload, oauth_request.pending
        app_codes.issue_code(app_codes.app_client(oauth_request.client.get_client_id()), oauth_request.user,
                             redirect_uri=payload.redirect_uri, code_challenge=payload.data.get("code_challenge"),
                             code_challenge_method=payload.data.get("code_challenge_method"),
                             nonce=payload.data.get("nonce"), auth_time=pending.auth_time, value=code)
        app_connect.drop_pending(pending)

    def query_authorization_code(self, code, client):
        try:
            return _IssuedCode(app_tokens.find_code(code, client.row))
        except app_tokens.TokenError as error:
            raise _refused(error) from None

    def delete_authorization_code(self, authorization_code):
        """Nothing: save_token marked it used, and a replay must still find it (checklist F2)."""

    def authenticate_user(self, authorization_code):
        connected = app_tokens.connected_app(self.request.client.row)
        if connected is None:
            raise _Refused("invalid_grant", app_tokens.CODE_NOT_VALID)
        code = authorization_code
        code.connected = connected
        code.scope, code.consent = app_tokens.token_scope(connected, code.row.user_id)
        return code.row.user  # the PIM user who authorized: the id_token's; the token is the app user's


class _S256Only(CodeChallenge):
    """RFC 7636 with S256 only (checklist F3, D21): ``plain``, or a challenge without a method, is refused."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method'", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        # A bound code without any verifier is invalid_grant, as a wrong one (RFC 7636 §4.6), where
        # Authlib says invalid_request: PIM Connect's answer since D3.
        if grant.request.authorization_code.code_challenge and grant.request.form.get("code_verifier") is None:
            raise InvalidGrantError()
        super().validate_code_verifier(grant, result)


class _OpenIDCode(OpenIDCode):
    """OpenID Connect on the code grant: nonce (refused when replayed), prompt, and the id_token."""

    AFTER_COMMIT = "after_token_transaction"

    def __call__(self, grant):
        super().__call__(grant)
        # The id_token is signed once the token request's transaction committed (AppServer), as the
        # reference-shaped endpoint did before Authlib: RSA signing does not hold SQLite's write lock.
        grant._hooks["after_create_token_response"].discard(self.process_token)
        grant.register_hook(self.AFTER_COMMIT, self.process_token)

    def exists_nonce(self, nonce, oauth_request):
        return app_codes.nonce_used(oauth_request.payload.client_id, nonce)

    def encode_id_token(self, token, oauth_request):
        # The reference's claims and header (§5.2, D13, D23) plus nonce and auth_time from the code
        # (OIDC Core §2); no at_hash, which the reference never sent.
        code = oauth_request.authorization_code
        return openid.id_token(oauth_request.client.get_client_id(), oauth_request.user, code.consent,
                               extra=self.get_authorization_code_claims(code))


class _Issuer(IssuerParameter):
    def get_issuer(self):
        return current_app.config["PIM_URL"]  # RFC 9207 (A29)


class _AppRevocation(RevocationEndpoint):
    """RFC 7009 for app tokens: the app authenticates as at the token endpoint; another client's token,
    like an unknown one, is answered 200 and left alone (§2.2: no oracle)."""

    CLIENT_AUTH_METHODS = list(APP_AUTH_METHODS)

    def authenticate_endpoint_client(self, oauth_request):
        credentials = _app_credentials(oauth_request)
        refusal = app_tokens.throttled(app_tokens.throttle_key(credentials.client_id, oauth_request.remote_addr))
        if refusal:
            raise _refused(refusal)
        return super().authenticate_endpoint_client(oauth_request)

    def authenticate_token(self, oauth_request, client):
        if not oauth_request.form.get("token"):
            raise InvalidRequestError()
        return app_tokens.find_token(oauth_request.form["token"], client.row)

    def revoke_token(self, token, oauth_request):
        app_tokens.revoke(token, oauth_request.remote_addr)


def _known_clients():
    """The apps this request looked up already: Authlib asks for the client while validating and again
    when it issues the code, and the reference's checks found it first."""
    return g.setdefault("oauth_app_clients", {}) if has_request_context() else {}


def _app_token(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
    """A non-expiring bearer token without expires_in or refresh_token (§4.4, D4)."""
    return {"access_token": connection_tokens.new_secret(), "token_type": "bearer", "scope": scope}


class AppServer(AuthorizationServer):
    """The apps' authorization server and OpenID provider."""

    GRANTS = ((AppCodeGrant, (_S256Only, _OpenIDCode)),)

    def __init__(self):
        super().__init__()
        self.register_token_generator("default", _app_token)
        for method, scheme in zip(APP_AUTH_METHODS, ("akeneo", "basic", "post")):
            self.register_client_auth_method(method, _app_client_auth(scheme))
        for grant, extensions in self.GRANTS:
            self.register_grant(grant, [extension() for extension in extensions])
        self.register_extension(_Issuer())
        self.register_endpoint(_AppRevocation)

    def query_client(self, client_id):
        cache = _known_clients()
        if client_id not in cache:
            app = app_listings.find_app(client_id)
            cache[client_id] = AppClient(app.id, app.callback_url) if app is not None and app.callback_url else None
        return cache[client_id]

    def save_token(self, token, oauth_request):
        code = oauth_request.authorization_code
        if not app_tokens.save_token(token["access_token"], code.row, oauth_request.client.row, code.connected,
                                     token["scope"], oauth_request.throttle_key, oauth_request.remote_addr):
            raise _Refused("invalid_grant", app_tokens.CODE_NOT_VALID)  # a concurrent exchange won (F1)

    def create_oauth2_request(self, http_request):
        if isinstance(http_request, OAuth2Request):
            return http_request
        return _Request("POST", request.path, _app_body())

    def handle_error_response(self, oauth_request, error):
        return self.handle_response(*_json_error(error))

    def create_token_response(self, http_request=None):
        """The token endpoint: the reference's checks in its order (§4.3), then Authlib's grant in one
        write transaction, from the code's lookup to the token's insert (D3, checklist F1); the
        id_token is signed after the commit."""
        try:
            oauth_request = self.create_oauth2_request(http_request)
            credentials = _app_credentials(oauth_request)
            oauth_request.throttle_key = app_tokens.throttle_key(credentials.client_id, oauth_request.remote_addr)
            try:
                refusal = app_tokens.throttled(oauth_request.throttle_key)
                if refusal:
                    raise refusal
                oauth_request.client_row = app_tokens.check_request(oauth_request.form, credentials)
            except app_tokens.TokenError as error:
                raise _refused(error) from None
            grant = self.get_token_grant(oauth_request)
            with _one_transaction():
                grant.validate_token_request()
                response = grant.create_token_response()
            grant.execute_hook(_OpenIDCode.AFTER_COMMIT, response)  # the id_token, when openid was consented
        except OAuth2Error as error:
            return self.handle_error_response(None, error)
        return self.handle_response(*response)

    def revocation_response(self):
        try:
            oauth_request = self.create_oauth2_request(None)
        except OAuth2Error as error:
            return self.handle_error_response(None, error)
        return self.create_endpoint_response(_AppRevocation.ENDPOINT_NAME, oauth_request)


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
        return Outcome("login")  # §3.1: the login page, before any check
    granted = user_permissions(user) if user is not None else None
    app, refused = app_connect.check_request(user, params, granted)
    if refused:
        return refused
    _known_clients()[app.id] = AppClient(app.id, app.callback_url)  # Authlib's query_client asks next
    try:
        oauth_request = _Request("GET", request.full_path.rstrip("?"), {name: params.getlist(name) for name in params})
        grant = apps_server().get_consent_grant(oauth_request, end_user=user)
        if openid_request and not fresh_login:
            _check_max_age(grant, auth_time, "none" in prompts)
    except OAuth2Error as error:
        return _refusal(error, app.id)
    if grant.prompt == "login" and not fresh_login:
        return Outcome("fresh_login", app.id)  # prompt=login, or max_age passed (OIDC Core §3.1.2.1)
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
        return Outcome("error", client_id, error=error.error)  # insecure_transport has its sentence
    _status, _body, headers = error()
    return Outcome("redirect", client_id, url=add_params_to_uri(dict(headers)["Location"],
                                                                [("iss", current_app.config["PIM_URL"])]))


def code_redirect(pending, user):
    """The app's callback with a new code for ``pending`` (Authlib's code grant; ``iss`` added): the
    authorize request itself, or the wizard's and the consent page's Confirm. Call inside their
    write transaction."""
    server = apps_server()
    params = app_connect.request_params(pending)
    oauth_request = _Request("GET", AUTHORIZE_PATH, {name: [value] for name, value in params.items()})
    oauth_request.pending = pending
    grant = server.get_authorization_grant(oauth_request)
    response = server.create_authorization_response(oauth_request, grant_user=user, grant=grant)
    if not response.location:  # the app went away meanwhile: nothing to send it
        raise app_connect.NoPendingAuthorization(app_connect.NO_PENDING)
    return response.location


# -- Connections: the password and refresh grants ---------------------------------------------------

class ConnectionClient(ClientMixin):
    def __init__(self, row):
        self.row, self.client_id = row, row.client_id

    def get_client_id(self):
        return self.client_id

    def get_allowed_scope(self, scope):
        return None  # connection tokens carry no scope (the role decides, API reference §3.1)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in STANDARD_AUTH_METHODS

    def check_grant_type(self, grant_type):
        return grant_type in (self.row.grant_types or [])


def _connection_credentials(oauth_request):
    """(method, client_id, secret): HTTP Basic when the header is there (even unreadable), else the body."""
    if oauth_request.credentials is None:
        basic = connection_tokens.basic_credentials(oauth_request.headers.get("Authorization"))
        if basic is not None:
            oauth_request.credentials = ("client_secret_basic", *basic)
        else:
            form = oauth_request.form
            oauth_request.credentials = ("client_secret_post", form.get("client_id"), form.get("client_secret"))
    return oauth_request.credentials


def _connection_client_auth(method):
    def authenticate(query_client, oauth_request):
        source, client_id, secret = _connection_credentials(oauth_request)
        if source != method:
            return None
        row = connection_tokens.authenticate_client(client_id, secret)  # argon2: constant work
        if row is None:
            raise InvalidClientError(status_code=401 if method == "client_secret_basic" else 400)
        return ConnectionClient(row)

    return authenticate


def _authenticate_connection(endpoint_call, oauth_request):
    """Client authentication with the failure throttle in the database (D12, N8)."""
    try:
        client = endpoint_call()
    except InvalidClientError:
        _source, client_id, _secret = _connection_credentials(oauth_request)
        connection_tokens.client_failed(oauth_request.throttle_key, oauth_request.remote_addr, client_id)
        raise
    oauth_request.client = client
    return client


class _PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(STANDARD_AUTH_METHODS)

    def authenticate_token_endpoint_client(self):
        return _authenticate_connection(super().authenticate_token_endpoint_client, self.request)

    def authenticate_user(self, username, password):
        user, self.request.new_password_hash = connection_tokens.authenticate_user(
            self.request.client.row, username, password, self.request.remote_addr)
        return user


class _RefreshToken(TokenMixin):
    def __init__(self, row):
        self.row = row

    def check_client(self, client):
        return self.row.client_id == client.row.id

    def get_scope(self):
        return None


class _RefreshGrant(grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation (RFC 9700 §4.14.2): a new pair each time, the old refresh token used
    up by save_token's compare-and-set, a reused one revoking its family."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(STANDARD_AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_token_endpoint_client(self):
        return _authenticate_connection(super().authenticate_token_endpoint_client, self.request)

    def authenticate_refresh_token(self, refresh_token):
        row = connection_tokens.find_refresh_token(refresh_token, self.request.client.row)
        return _RefreshToken(row) if row is not None else None

    def authenticate_user(self, refresh_token):
        return refresh_token.row.user

    def revoke_old_credential(self, refresh_token):
        """Nothing: save_token used it up in the transaction that stored the new pair."""


class _ConnectionRevocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = list(STANDARD_AUTH_METHODS)

    def authenticate_endpoint_client(self, oauth_request):
        _source, client_id, _secret = _connection_credentials(oauth_request)
        oauth_request.throttle_key = connection_tokens.client_throttle_key(client_id, oauth_request.remote_addr)
        if connection_tokens.is_throttled(oauth_request.throttle_key):
            raise _Refused("invalid_client", status=429, headers={"Retry-After": str(connection_tokens.LOCK_SECONDS)})
        return _authenticate_connection(lambda: super(_ConnectionRevocation, self).authenticate_endpoint_client(
            oauth_request), oauth_request)

    def authenticate_token(self, oauth_request, client):
        if not oauth_request.form.get("token"):
            raise InvalidRequestError()
        return connection_tokens.find_token(oauth_request.form["token"], client.row)

    def revoke_token(self, token, oauth_request):
        connection_tokens.revoke(token, oauth_request.remote_addr)


def _connection_token(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
    """The reference's pair: expires_in 3600, token_type bearer, scope null (API reference §3.1)."""
    return {"access_token": connection_tokens.new_secret(), "expires_in": connection_tokens.ACCESS_TOKEN_SECONDS,
            "token_type": "bearer", "scope": None, "refresh_token": connection_tokens.new_secret()}


# Authlib's refusals as the reference's 422 messages (decision D15).
_CONNECTION_MESSAGES = {
    InvalidClientError: connection_tokens.BAD_CLIENT,
    UnauthorizedClientError: connection_tokens.GRANT_NOT_ALLOWED,
    UnsupportedGrantTypeError: connection_tokens.MISSING_PASSWORD_PARAMS,
    InvalidGrantError: connection_tokens.BAD_REFRESH,
    InvalidScopeError: connection_tokens.BAD_REFRESH,  # a refresh asking a scope: connections have none
}


class ConnectionServer(AuthorizationServer):
    """The connections' token endpoint: password and refresh grants with the reference's answers."""

    def __init__(self):
        super().__init__()
        self.register_token_generator("default", _connection_token)
        for method in STANDARD_AUTH_METHODS:
            self.register_client_auth_method(method, _connection_client_auth(method))
        self.register_grant(_PasswordGrant)
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_ConnectionRevocation)

    def query_client(self, client_id):
        return None  # clients authenticate through the methods above only

    def save_token(self, token, oauth_request):
        if oauth_request.payload.grant_type == "password":
            connection_tokens.save_password_grant(token, oauth_request.client.row, oauth_request.user,
                                                  oauth_request.new_password_hash, oauth_request.remote_addr)
        elif not connection_tokens.save_refresh_grant(token, oauth_request.refresh_token.row,
                                                      oauth_request.client.row, oauth_request.remote_addr):
            raise InvalidGrantError()  # reuse: the family is revoked

    def create_oauth2_request(self, http_request):
        if isinstance(http_request, OAuth2Request):
            return http_request
        return _Request("POST", request.path, _connection_body())

    def handle_error_response(self, oauth_request, error):
        return self.handle_response(*_json_error(error))  # the revocation endpoint: RFC 7009's shape

    def create_token_response(self, http_request=None):
        """The reference's order (API reference §3.1): body, parameters, throttle, then Authlib's grant."""
        oauth_request = None
        try:
            oauth_request = self.create_oauth2_request(http_request)
            message = connection_tokens.missing_parameter(oauth_request.form)
            if message:
                raise connection_tokens.TokenRefused(message)
            _source, client_id, _secret = _connection_credentials(oauth_request)
            oauth_request.throttle_key = connection_tokens.client_throttle_key(client_id, oauth_request.remote_addr)
            if connection_tokens.is_throttled(oauth_request.throttle_key):
                raise connection_tokens.TokenRefused(connection_tokens.THROTTLED, status=429,
                                                     retry_after=connection_tokens.LOCK_SECONDS)
            grant = self.get_token_grant(oauth_request)
            grant.validate_token_request()
            status, body, headers = grant.create_token_response()
        except (OAuth2Error, connection_tokens.TokenRefused) as error:
            return self._reference_refusal(oauth_request, error)
        return self.handle_response(status, body, headers)

    def _reference_refusal(self, oauth_request, error):
        if isinstance(error, connection_tokens.TokenRefused):
            status, message, retry_after = error.status, error.message, error.retry_after
        elif type(error) in _CONNECTION_MESSAGES:
            status, message, retry_after = 422, _CONNECTION_MESSAGES[type(error)], None
        else:  # nothing the reference answers (insecure_transport): Authlib's own words
            status, message, retry_after = error.status_code, error.get_error_description() or error.error, None
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
        if retry_after:
            headers["Retry-After"] = str(retry_after)
        return self.handle_response(status, {"code": status, "message": message}, list(headers.items()))

    def revocation_response(self):
        try:
            oauth_request = self.create_oauth2_request(None)
        except connection_tokens.TokenRefused:
            return self.handle_error_response(None, InvalidRequestError())
        return self.create_endpoint_response(_ConnectionRevocation.ENDPOINT_NAME, oauth_request)


# -- Discovery (RFC 8414, OpenID Connect Discovery 1.0) -----------------------------------------------

@dataclass(frozen=True)
class _Endpoints:
    authorize: str = "app_authorize.authorize"
    token: str = "oauth_endpoints.token"
    revoke: str = "oauth_endpoints.revoke"
    jwks: str = "oauth_endpoints.jwks"


def metadata(openid_provider=False):
    """The apps' authorization server metadata, from what AppServer registers: its grants and their
    response types, client-auth methods (the IANA-registered ones; Akeneo's exchange is documented,
    not discoverable), PKCE methods, the revocation endpoint; the issuer and URLs from PIM_URL."""
    base, endpoints = current_app.config["PIM_URL"], _Endpoints()
    grant_classes = [grant for grant, _extensions in AppServer.GRANTS]
    auth_methods = [m for m in AppCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS if m in STANDARD_AUTH_METHODS]
    document = {
        "issuer": base,
        "authorization_endpoint": base + url_for(endpoints.authorize),
        "token_endpoint": base + url_for(endpoints.token),
        "jwks_uri": base + url_for(endpoints.jwks),
        "revocation_endpoint": base + url_for(endpoints.revoke),
        "response_types_supported": sorted({t for grant in grant_classes for t in grant.RESPONSE_TYPES}),
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.GRANT_TYPE for grant in grant_classes],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": [
            m for m in _AppRevocation.CLIENT_AUTH_METHODS if m in STANDARD_AUTH_METHODS],
        "code_challenge_methods_supported": list(_S256Only.SUPPORTED_CODE_CHALLENGE_METHOD),
        "scopes_supported": list(AUTHENTICATION_SCOPES) + sorted(SCOPE_ACLS),
        "authorization_response_iss_parameter_supported": True,  # RFC 9207, _Issuer
    }
    if openid_provider:
        document.update({
            "subject_types_supported": ["pairwise"],  # the consent's uuid per (user, app), §5.1
            "id_token_signing_alg_values_supported": [openid.ALGORITHM],
            "claims_supported": sorted(openid.CLAIMS),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        })
    return document


# -- Set-up ---------------------------------------------------------------------------------------

def init_app(app):
    """One server of each kind per app (nothing is built at import time); config is read per request."""
    app.extensions["oauth_servers"] = {"apps": AppServer(), "connections": ConnectionServer()}
    # Authlib logs each issued token at DEBUG ("Issue token {...}"): never let it reach a log (A18).
    logging.getLogger("authlib").setLevel(logging.INFO)


def apps_server():
    return current_app.extensions["oauth_servers"]["apps"]


def connections_server():
    return current_app.extensions["oauth_servers"]["connections"]
