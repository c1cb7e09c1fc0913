"""What both authorization servers share: requests read from JSON or form bodies (D2) on the
PIM_URL address, errors in the reference's shapes (§4.3), and the token request's one transaction."""
import contextlib
import json
from collections import defaultdict
from urllib.parse import parse_qsl

from authlib.consts import default_json_headers
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import current_app, has_request_context, request

from pimconnect.config import DEV_ENVS
from pimconnect.db import write_txn
from pimconnect.services.apps import tokens as app_tokens
from pimconnect.services.connections import tokens as connection_tokens

APP_BODY_MAX = 8192  # an app's token request is a few hundred bytes
CONNECTION_BODY_MAX = 200  # the reference refuses larger token requests (API reference §3.1)
AUTHORIZE_PATH = "/connect/apps/v1/authorize"  # the authorize request a confirmed wizard stands for
STANDARD_AUTH_METHODS = ("client_secret_basic", "client_secret_post")  # IANA-registered names
APP_AUTH_METHODS = (app_tokens.AKENEO_METHOD, *STANDARD_AUTH_METHODS)


# -- Requests: parameters from JSON or form bodies (D2), the URI from PIM_URL -----------------------

class Payload(OAuth2Payload):
    def __init__(self, lists):
        self._lists = lists
        self._data = {name: values[0] for name, values in lists.items() if values}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return defaultdict(list, self._lists)


class Request(OAuth2Request):
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
        self.payload = Payload(lists)
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


def app_body():
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


def connection_body():
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

class Refused(OAuth2Error):
    """An answer given as is: the error, the description the reference shows (only its own: Authlib's
    are left out of bodies, §4.3), the status and extra headers."""

    def __init__(self, error, description=None, status=400, headers=None):
        super().__init__(error=error, status_code=status)
        self.public_description = description
        self.extra_headers = dict(headers or {})


def as_refused(token_error):
    return Refused(token_error.error, token_error.description, token_error.status, token_error.headers)


def json_error(error):
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
def one_transaction():
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


class TokenRevocation(RevocationEndpoint):
    """RFC 7009 over one token service (``TOKENS``: ``find_token(token, client_row)`` and
    ``revoke(token, remote_addr)``); the subclass authenticates its own kind of client. Another
    client's token, like an unknown one, is answered 200 and left alone (§2.2: no oracle)."""

    TOKENS = None

    def authenticate_token(self, oauth_request, client):
        if not oauth_request.form.get("token"):
            raise InvalidRequestError()
        return self.TOKENS.find_token(oauth_request.form["token"], client.row)

    def revoke_token(self, token, oauth_request):
        self.TOKENS.revoke(token, oauth_request.remote_addr)
