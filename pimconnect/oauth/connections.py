"""The connections' authorization server (API reference §3.1, decision D14): the password and refresh
grants with rotating refresh-token families, revocation (RFC 7009), and the reference's 422 bodies."""
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749 import InvalidScopeError, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749 import UnauthorizedClientError
from authlib.oauth2.rfc6749 import UnsupportedGrantTypeError, grants
from flask import current_app, request

from pimconnect.services.connections import tokens as connection_tokens
from pimconnect.oauth.requests import STANDARD_AUTH_METHODS, Refused, Request, TokenRevocation, connection_body, json_error


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


class _ConnectionRevocation(TokenRevocation):
    """RFC 7009 for connection tokens: the connection authenticates with its client id and secret."""

    CLIENT_AUTH_METHODS = list(STANDARD_AUTH_METHODS)
    TOKENS = connection_tokens

    def authenticate_endpoint_client(self, oauth_request):
        _source, client_id, _secret = _connection_credentials(oauth_request)
        oauth_request.throttle_key = connection_tokens.client_throttle_key(client_id, oauth_request.remote_addr)
        if connection_tokens.is_throttled(oauth_request.throttle_key):
            raise Refused("invalid_client", status=429, headers={"Retry-After": str(connection_tokens.LOCK_SECONDS)})
        return _authenticate_connection(lambda: super(_ConnectionRevocation, self).authenticate_endpoint_client(
            oauth_request), oauth_request)


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
        return Request("POST", request.path, connection_body())

    def handle_error_response(self, oauth_request, error):
        return self.handle_response(*json_error(error))  # the revocation endpoint: RFC 7009's shape

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


def connections_server():
    """The app's ConnectionServer (built by init_app)."""
    return current_app.extensions["oauth_servers"]["connections"]
