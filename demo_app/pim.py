"""Talking to the PIM over HTTP (standard library only): the Akeneo code exchange, the OpenID public
key and id_token check, and REST API reads. Nothing here logs or returns a token or a secret in an
error message."""
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

from cryptography.x509 import load_pem_x509_certificate
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

TOKEN_PATH = "/connect/apps/v1/oauth2/token"
PUBLIC_KEY_PATH = "/connect/apps/v1/openid/public-key"
USER_AGENT = "PIM-Connect-Demo-App/1.0"


class PimError(Exception):
    """The PIM could not be reached or refused a request; the message is safe to show.
    ``status`` is the HTTP status of a refusal, ``reason`` the PIM's own message (None when unknown)."""

    def __init__(self, message, status=None, reason=None):
        super().__init__(message)
        self.status, self.reason = status, reason


def code_challenge(code_identifier, client_secret):
    """Akeneo's challenge: lowercase hex SHA-256 of the identifier followed by the secret (reference §4.2)."""
    return hashlib.sha256((code_identifier + client_secret).encode()).hexdigest()


def _send(request, timeout):
    """(status, parsed JSON body or None) of ``request``; HTTP errors are answers, network errors PimError."""
    request.add_header("User-Agent", USER_AGENT)
    request.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise PimError(f"The PIM could not be reached ({getattr(error, 'reason', error)}).") from None
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def exchange_code(pim_url, client_id, client_secret, code, timeout=15):
    """The token response for ``code``, using Akeneo's code challenge instead of sending the secret."""
    code_identifier = secrets.token_bytes(30).hex()
    form = urllib.parse.urlencode({
        "client_id": client_id,
        "code": code,
        "grant_type": "authorization_code",
        "code_identifier": code_identifier,
        "code_challenge": code_challenge(code_identifier, client_secret),
    }).encode()
    request = urllib.request.Request(pim_url + TOKEN_PATH, data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    status, body = _send(request, timeout)
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        detail = body if isinstance(body, dict) else {}
        reason = detail.get("error_description") or detail.get("error") or f"HTTP {status}"
        raise PimError(f"The PIM refused the authorization code: {reason}.")
    return body


def openid_public_key(pim_url, timeout=15):
    """The PIM's OpenID signing certificate (PEM), from its public-key endpoint."""
    status, body = _send(urllib.request.Request(pim_url + PUBLIC_KEY_PATH), timeout)
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("public_key"), str):
        raise PimError(f"The PIM's OpenID public key could not be read (HTTP {status}).")
    return body["public_key"]


def verify_id_token(id_token, certificate_pem, issuer, audience):
    """The claims of ``id_token`` once its RS256 signature, issuer, audience and expiry are checked.

    The PIM publishes an X.509 certificate, not a bare key (reference §5.3): the key is taken from it.
    joserfc is the JOSE library Authlib itself depends on (``authlib.jose`` is deprecated in favour of it).
    """
    try:
        certificate = load_pem_x509_certificate(certificate_pem.encode())
        key = RSAKey.import_key(certificate.public_key())
        token = jwt.decode(id_token, key, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            leeway=60,  # clock skew; the reference's iat/exp carry fractions of a second
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise PimError(f"The id_token could not be verified ({type(error).__name__}).") from None
    return token.claims


def api_get(pim_url, access_token, path, params=None, timeout=15):
    """GET a REST API resource with the bearer token; returns the JSON body or raises PimError."""
    return api_call("GET", pim_url, access_token, path, params=params, timeout=timeout)


def api_call(method, pim_url, access_token, path, params=None, body=None, timeout=15, expect=(200,)):
    """Call the REST API with the bearer token (a JSON body for writes); returns the JSON answer when
    its status is one of ``expect``, else raises PimError with the PIM's message in plain words."""
    url = pim_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
    headers = {"Authorization": f"Bearer {access_token}"}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    status, answer = _send(urllib.request.Request(url, data=data, method=method, headers=headers), timeout)
    if status not in expect:
        reason = answer.get("message") if isinstance(answer, dict) else None
        raise PimError(_refusal(status, answer), status, reason if isinstance(reason, str) else None)
    return answer


def _refusal(status, answer):
    """"The PIM answered 422: Validation failed. (name: This value should not be blank.)" and the like."""
    detail = answer if isinstance(answer, dict) else {}
    message = detail.get("message") if isinstance(detail.get("message"), str) else None
    errors = [f"{error.get('property')}: {error.get('message')}" if error.get("property") else str(error.get("message"))
              for error in detail.get("errors") or [] if isinstance(error, dict) and error.get("message")]
    text = f"The PIM answered {status}" + (f": {message}" if message else ".")
    return text + (f" ({'; '.join(errors)})" if errors else "")
