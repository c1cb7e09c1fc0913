"""OpenID Connect signing keys and the ``id_token`` (reference §5, decisions D13, D23); the discovery
documents come from the authorization server's configuration (``pimconnect.oauth.metadata``).

Keys are RSA-2048 pairs stored as OpenIdKey rows: the public half as a self-signed X.509
certificate PEM (what the reference's public-key endpoint serves and Akeneo's sample apps load with
``load_pem_x509_certificate``), the private half as an encrypted PKCS#8 PEM (decision D5). The
newest unretired key signs; after a rotation the previous key stays in the JWKS for 24 hours so
tokens signed just before still verify (D23). Signing uses joserfc, the JOSE library Authlib
itself depends on and points to (``authlib.jose`` is deprecated in Authlib 1.9).
"""
import datetime
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from pimconnect.db import serialize, write_txn
from pimconnect.models import OpenIdKey
from pimconnect.models.structure import utcnow
from pimconnect.services import crypto

ALGORITHM = "RS256"
ID_TOKEN_SECONDS = 3600
RETIRED_KEY_SECONDS = 24 * 3600  # D23: the previous key stays published for a day
NOT_AFTER = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)  # as the reference
NO_KEYS = "No OpenId keys"
# What an id_token may carry: the reference's claims (§5.2), then nonce and auth_time (OIDC Core §2).
CLAIMS = ("iss", "sub", "aud", "jti", "iat", "exp", "firstname", "lastname", "email", "email_verified", "nonce",
          "auth_time")

_signing_keys = {}  # kid -> RSAKey: a key row never changes, so its decrypted key can be kept


class NoOpenIdKeys(Exception):
    """There is no signing key yet (``flask db-upgrade`` or ``flask openid rotate-keys`` makes one)."""


def _certificate(private_key):
    """A self-signed certificate for the key (O=PIM Connect, valid until 9999-12-31, reference §5.3)."""
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PIM Connect")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(private_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(NOT_AFTER)
            .sign(private_key, hashes.SHA256()))


def _new_key():
    """A new key row (call inside a write transaction)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()).decode()
    certificate_pem = _certificate(private_key).public_bytes(serialization.Encoding.PEM).decode()
    kid = RSAKey.import_key(private_pem).thumbprint()  # RFC 7638: stable and derived from the key
    return OpenIdKey.create(kid=kid, certificate_pem=certificate_pem,
                            private_key_encrypted=crypto.encrypt(private_pem))


def ensure_keys():
    """Create a signing key if there is none; returns the current key row."""
    key = current_key()
    if key is not None:
        return key
    with write_txn():
        serialize("openid-keys")
        return current_key() or _new_key()


def rotate_keys():
    """A new key signs from now on; the previous one is retired and stays in the JWKS for 24 h."""
    with write_txn():
        serialize("openid-keys")
        now = utcnow()
        OpenIdKey.update(retired_at=now).where(OpenIdKey.retired_at.is_null()).execute()
        OpenIdKey.delete().where(
            OpenIdKey.retired_at < now - datetime.timedelta(seconds=RETIRED_KEY_SECONDS)).execute()
        return _new_key()


def current_key():
    """The key row that signs (newest unretired), or None."""
    return (OpenIdKey.select().where(OpenIdKey.retired_at.is_null())
            .order_by(OpenIdKey.created.desc(), OpenIdKey.id.desc()).first())


def published_keys():
    """The current key and the keys retired less than 24 hours ago, newest first."""
    since = utcnow() - datetime.timedelta(seconds=RETIRED_KEY_SECONDS)
    return list(OpenIdKey.select().where(OpenIdKey.retired_at.is_null() | (OpenIdKey.retired_at > since))
                .order_by(OpenIdKey.created.desc(), OpenIdKey.id.desc()))


def public_key_pem():
    """The current certificate PEM (the public-key endpoint's ``public_key``); raises NoOpenIdKeys."""
    key = current_key()
    if key is None:
        raise NoOpenIdKeys(NO_KEYS)
    return key.certificate_pem


def _public_jwk(row):
    certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    public_pem = certificate.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    return RSAKey.import_key(public_pem, {"kid": row.kid, "use": "sig", "alg": ALGORITHM})


def jwks():
    """The JSON Web Key Set (RFC 7517) of the published keys: public parts only."""
    return KeySet([_public_jwk(row) for row in published_keys()]).as_dict(private=False)


def _signing_key(row):
    key = _signing_keys.get(row.kid)
    if key is None:
        key = RSAKey.import_key(crypto.decrypt(row.private_key_encrypted), {"kid": row.kid})
        _signing_keys[row.kid] = key
    return key


def id_token(client_id, user, consent, extra=None):
    """The RS256 ``id_token`` for the PIM ``user`` who consented (``consent``: UserConsent) to ``client_id``.

    Claims as the reference's CreateJsonWebToken (§5.2): ``iat``/``exp`` keep microseconds as the
    reference's do, so verifiers must accept float timestamps. The header carries ``kid`` (D23).
    ``extra``: the claims the authorize request asked for beyond the reference's (``nonce``,
    ``auth_time``), which the OpenID extension of the authorization server reads from the code.
    """
    row = ensure_keys()  # made at install; a database restored without them gets one here
    now = round(time.time(), 6)
    claims = {"iss": current_app.config["PIM_URL"], "jti": str(uuid.uuid4()), "sub": consent.uuid,
              "aud": client_id, "iat": now, "exp": round(now + ID_TOKEN_SECONDS, 6)}
    scopes = set(consent.scopes or [])
    if "profile" in scopes:
        claims.update(firstname=user.first_name, lastname=user.last_name)
    if "email" in scopes:
        claims.update(email=user.email, email_verified=False)
    claims.update(extra or {})
    return jwt.encode({"typ": "JWT", "alg": ALGORITHM, "kid": row.kid}, claims, _signing_key(row))
