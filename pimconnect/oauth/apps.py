"""The apps' authorization server (apps-and-oauth.md §3–§5): the app as an OAuth client, Akeneo's
client authentication (code_identifier + code_challenge, registered as an Authlib client-auth method),
the authorization-code grant with PKCE (S256) and OpenID Connect, and revocation (RFC 7009)."""
import calendar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from flask import current_app, g, has_request_context, request

from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import connect as app_connect
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import openid
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.apps import tokens as app_tokens
from pimconnect.services.connections import tokens as connection_tokens
from pimconnect.oauth.requests import APP_AUTH_METHODS, Refused, Request, TokenRevocation, app_body, as_refused
from pimconnect.oauth.requests import json_error, one_transaction


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
            raise as_refused(error) from None
    return oauth_request.credentials


def _app_client_auth(scheme):
    """The client-auth method for ``scheme`` (akeneo, basic, post), all three classified by D19."""

    def authenticate(query_client, oauth_request):
        credentials = _app_credentials(oauth_request)
        if credentials.scheme != scheme:
            return None
        row = oauth_request.client_row or app_tokens.live_client(credentials.client_id)
        if row is None:
            raise as_refused(app_tokens.invalid_client(scheme))
        key = oauth_request.throttle_key or app_tokens.throttle_key(credentials.client_id, oauth_request.remote_addr)
        if scheme == "akeneo":
            if not (credentials.code_identifier and credentials.code_challenge):
                raise Refused("invalid_request")
            ok, reason = app_tokens.challenge_matches(row.client_id, credentials.code_identifier,
                                                      credentials.code_challenge), "bad code challenge"
            if ok and not app_tokens.spend_identifier(row, credentials.code_identifier):
                ok, reason = False, "code identifier reused"
        else:
            ok, reason = app_tokens.secret_matches(row.client_id, credentials.secret), "bad secret"
        if not ok:
            raise as_refused(app_tokens.authentication_failed(credentials.client_id, scheme, key,
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
            raise as_refused(error) from None

    def delete_authorization_code(self, authorization_code):
        """Nothing: save_token marked it used, and a replay must still find it (checklist F2)."""

    def authenticate_user(self, authorization_code):
        connected = app_tokens.connected_app(self.request.client.row)
        if connected is None:
            raise Refused("invalid_grant", app_tokens.CODE_NOT_VALID)
        code = authorization_code
        code.connected = connected
        code.scope, code.consent = app_tokens.token_scope(connected, code.row.user_id)
        return code.row.user  # the PIM user who authorized: the id_token's; the token is the app user's


class S256Only(CodeChallenge):
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


class AppRevocation(TokenRevocation):
    """RFC 7009 for app tokens: the app authenticates as at the token endpoint."""

    CLIENT_AUTH_METHODS = list(APP_AUTH_METHODS)
    TOKENS = app_tokens

    def authenticate_endpoint_client(self, oauth_request):
        credentials = _app_credentials(oauth_request)
        refusal = app_tokens.throttled(app_tokens.throttle_key(credentials.client_id, oauth_request.remote_addr))
        if refusal:
            raise as_refused(refusal)
        return super().authenticate_endpoint_client(oauth_request)


def known_clients():
    """The apps this request looked up already: Authlib asks for the client while validating and again
    when it issues the code, and the reference's checks found it first."""
    return g.setdefault("oauth_app_clients", {}) if has_request_context() else {}


def _app_token(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
    """A non-expiring bearer token without expires_in or refresh_token (§4.4, D4)."""
    return {"access_token": connection_tokens.new_secret(), "token_type": "bearer", "scope": scope}


class AppServer(AuthorizationServer):
    """The apps' authorization server and OpenID provider."""

    GRANTS = ((AppCodeGrant, (S256Only, _OpenIDCode)),)

    def __init__(self):
        super().__init__()
        self.register_token_generator("default", _app_token)
        for method, scheme in zip(APP_AUTH_METHODS, ("akeneo", "basic", "post")):
            self.register_client_auth_method(method, _app_client_auth(scheme))
        for grant, extensions in self.GRANTS:
            self.register_grant(grant, [extension() for extension in extensions])
        self.register_extension(_Issuer())
        self.register_endpoint(AppRevocation)

    def query_client(self, client_id):
        cache = known_clients()
        if client_id not in cache:
            app = app_listings.find_app(client_id)
            cache[client_id] = AppClient(app.id, app.callback_url) if app is not None and app.callback_url else None
        return cache[client_id]

    def save_token(self, token, oauth_request):
        code = oauth_request.authorization_code
        if not app_tokens.save_token(token["access_token"], code.row, oauth_request.client.row, code.connected,
                                     token["scope"], oauth_request.throttle_key, oauth_request.remote_addr):
            raise Refused("invalid_grant", app_tokens.CODE_NOT_VALID)  # a concurrent exchange won (F1)

    def create_oauth2_request(self, http_request):
        if isinstance(http_request, OAuth2Request):
            return http_request
        return Request("POST", request.path, app_body())

    def handle_error_response(self, oauth_request, error):
        return self.handle_response(*json_error(error))

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
                raise as_refused(error) from None
            grant = self.get_token_grant(oauth_request)
            with one_transaction():
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
        return self.create_endpoint_response(AppRevocation.ENDPOINT_NAME, oauth_request)


def apps_server():
    """The app's AppServer (built by init_app)."""
    return current_app.extensions["oauth_servers"]["apps"]
