"""OpenID Connect: the id_token, the certificate at the public-key endpoint, the JWKS, discovery and key
rotation (reference §5, decisions D13, D23)."""
import base64
import datetime
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

from pimconnect.db import db, write_txn
from pimconnect.models import OpenIdKey, User, UserConsent
from pimconnect.models.structure import utcnow
from pimconnect.services.apps import openid
from tests.oauth_helpers import TOKEN_URL, akeneo_fields, connect_app, new_code, register_app

PUBLIC_KEY_URL = "/connect/apps/v1/openid/public-key"
JWKS_URL = "/connect/apps/v1/openid/jwks"
DISCOVERY_URL = "/.well-known/openid-configuration"



def connected(consent, scopes=("read_products",)):
    app_id = register_app("s3cr3t")
    connect_app(app_id, list(scopes), consent=consent)
    return app_id


def token_response(client, app_id):
    response = client.post(TOKEN_URL, data=akeneo_fields(app_id, new_code(app_id)))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def verify_like_the_python_sample(client, id_token, issuer="http://localhost"):
    """What Akeneo's Python sample does: the certificate's public key, RS256 only, then the issuer."""
    pem = client.get(PUBLIC_KEY_URL).get_json()["public_key"]
    public_key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    key = RSAKey.import_key(public_key.public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo))
    token = jwt.decode(id_token, key, algorithms=["RS256"])
    assert token.claims["iss"] == issuer
    assert token.claims["exp"] > time.time()  # float timestamps, compared as numbers
    return token


def test_id_token_claims_with_profile_and_email(client, ctx):
    """RS256 with kid; iss, jti, sub, aud, iat, exp = iat + 1 h, names and unverified email (§5.2)."""
    app_id = connected(["email", "openid", "profile"])
    token = verify_like_the_python_sample(client, token_response(client, app_id)["id_token"])
    admin = User.get(User.username == "admin")
    consent = UserConsent.get((UserConsent.user == admin.id) & (UserConsent.app_id == app_id))
    assert token.header == {"typ": "JWT", "alg": "RS256", "kid": openid.current_key().kid}
    claims = token.claims
    assert set(claims) == {"iss", "jti", "sub", "aud", "iat", "exp", "firstname", "lastname", "email",
                           "email_verified"}
    assert claims["sub"] == consent.uuid and claims["aud"] == app_id
    assert uuid.UUID(claims["jti"]).version == 4
    assert claims["firstname"] == admin.first_name and claims["lastname"] == admin.last_name
    assert claims["email"] == admin.email and claims["email_verified"] is False
    assert isinstance(claims["iat"], float) and abs(claims["iat"] - time.time()) < 60
    assert claims["exp"] == pytest.approx(claims["iat"] + 3600, abs=1e-5)


@pytest.mark.parametrize("consent, extra", [
    (["openid"], set()),
    (["openid", "profile"], {"firstname", "lastname"}),
    (["email", "openid"], {"email", "email_verified"}),
])
def test_claims_follow_the_consent(client, ctx, consent, extra):
    """Names only with profile, email only with email."""
    app_id = connected(consent)
    claims = verify_like_the_python_sample(client, token_response(client, app_id)["id_token"]).claims
    assert set(claims) == {"iss", "jti", "sub", "aud", "iat", "exp"} | extra


def test_float_timestamps_pass_a_strict_verifier_with_leeway(client, ctx):
    """iat/exp carry microseconds (as the reference); a standard claims check accepts them with leeway."""
    app_id = connected(["openid"])
    token = verify_like_the_python_sample(client, token_response(client, app_id)["id_token"])
    registry = jwt.JWTClaimsRegistry(leeway=5, iss={"essential": True, "value": "http://localhost"},
                                     aud={"essential": True, "value": app_id})
    registry.validate(token.claims)


def test_sub_is_stable_per_user_and_app_and_pairwise(client, ctx):
    """The same user and app keep their sub across exchanges; another app sees another sub."""
    first = connected(["openid"])
    second = connected(["openid"])
    subs = [verify_like_the_python_sample(client, token_response(client, app)["id_token"]).claims["sub"]
            for app in (first, first, second)]
    assert subs[0] == subs[1] != subs[2]


def test_signature_from_another_key_is_refused(client, ctx):
    """A token signed by a key the PIM does not hold fails verification with the certificate."""
    openid.ensure_keys()
    forged = jwt.encode({"alg": "RS256"}, {"iss": "http://localhost", "exp": time.time() + 60},
                        RSAKey.generate_key(2048))
    with pytest.raises(BadSignatureError):
        verify_like_the_python_sample(client, forged)


def test_public_key_is_a_self_signed_certificate(client, ctx):
    """§5.3: a certificate PEM (O=PIM Connect, valid until 9999-12-31) with a 2048-bit RSA key."""
    openid.ensure_keys()
    response = client.get(PUBLIC_KEY_URL)
    assert response.status_code == 200 and set(response.get_json()) == {"public_key"}
    pem = response.get_json()["public_key"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "PIM Connect"
    assert certificate.subject == certificate.issuer
    assert certificate.not_valid_after_utc.date() == datetime.date(9999, 12, 31)
    assert certificate.public_key().key_size == 2048


def test_private_key_is_encrypted_at_rest(ctx):
    """D5: the stored private key is a Fernet token, not a PEM."""
    row = openid.ensure_keys()
    assert "PRIVATE KEY" not in row.private_key_encrypted and row.private_key_encrypted.startswith("gAAAA")


def test_no_keys_is_the_reference_500(client, ctx):
    """Without keys: 500 with the JSON string "No OpenId keys"; the JWKS is empty."""
    response = client.get(PUBLIC_KEY_URL)
    assert response.status_code == 500 and response.get_json() == "No OpenId keys"
    assert client.get(JWKS_URL).get_json() == {"keys": []}


def _b64(number):
    return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode().rstrip("=")


def test_jwks_and_discovery_agree_with_the_certificate(client, ctx):
    """The JWKS key is the certificate's key under the id_token's kid; discovery points to it all."""
    app_id = connected(["openid"])
    id_token = token_response(client, app_id)["id_token"]
    jwks = client.get(JWKS_URL).get_json()
    assert len(jwks["keys"]) == 1
    jwk = jwks["keys"][0]
    assert {"kty": "RSA", "use": "sig", "alg": "RS256"}.items() <= jwk.items() and "d" not in jwk
    pem = client.get(PUBLIC_KEY_URL).get_json()["public_key"]
    numbers = x509.load_pem_x509_certificate(pem.encode()).public_key().public_numbers()
    assert jwk["n"] == _b64(numbers.n) and jwk["e"] == _b64(numbers.e)
    decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert decoded.header["kid"] == jwk["kid"]

    metadata = client.get(DISCOVERY_URL, headers={"Host": "evil.example"}).get_json()
    assert metadata["issuer"] == "http://localhost"
    assert metadata["jwks_uri"] == "http://localhost" + JWKS_URL
    assert metadata["token_endpoint"] == "http://localhost" + TOKEN_URL
    assert metadata["authorization_endpoint"] == "http://localhost/connect/apps/v1/authorize"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["subject_types_supported"] == ["pairwise"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert {"openid", "profile", "email", "read_products"} <= set(metadata["scopes_supported"])


def test_rotation_keeps_the_previous_key_in_the_jwks_for_a_day(client, ctx):
    """D23: after a rotation the new key signs, the old token still verifies with the JWKS for 24 h."""
    app_id = connected(["openid"])
    old_token = token_response(client, app_id)["id_token"]
    old_kid = openid.current_key().kid
    new_kid = openid.rotate_keys().kid
    new_token = token_response(client, app_id)["id_token"]
    assert jwt.decode(new_token, KeySet.import_key_set(client.get(JWKS_URL).get_json()),
                      algorithms=["RS256"]).header["kid"] == new_kid
    jwks = client.get(JWKS_URL).get_json()
    assert [key["kid"] for key in jwks["keys"]] == [new_kid, old_kid]
    assert jwt.decode(old_token, KeySet.import_key_set(jwks), algorithms=["RS256"]).header["kid"] == old_kid
    verify_like_the_python_sample(client, new_token)  # the public-key endpoint serves the new certificate
    with pytest.raises(BadSignatureError):
        verify_like_the_python_sample(client, old_token)
    with write_txn():
        OpenIdKey.update(retired_at=utcnow() - datetime.timedelta(hours=25)).where(
            OpenIdKey.kid == old_kid).execute()
    assert [key["kid"] for key in client.get(JWKS_URL).get_json()["keys"]] == [new_kid]


def test_cli_rotate_keys_and_install_creates_keys(ctx):
    """flask openid rotate-keys adds a signing key; db-upgrade makes the first one."""
    runner = ctx.test_cli_runner()
    assert OpenIdKey.select().count() == 0
    result = runner.invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    first = openid.current_key().kid
    result = runner.invoke(args=["openid", "rotate-keys"])
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    current = openid.current_key()
    assert current.kid != first and current.kid in result.output
    assert OpenIdKey.select().where(OpenIdKey.retired_at.is_null()).count() == 1
