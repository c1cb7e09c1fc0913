"""Factories for the token-endpoint and OpenID tests: a catalogue app, its connection, a code, an exchange.

Call them inside an app context with the database connected (the ``conn`` fixture).
"""
import hashlib
import secrets
import uuid

from pimconnect.db import write_txn
from pimconnect.models import User, UserConsent
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import connected as connected_apps

TOKEN_URL = "/connect/apps/v1/oauth2/token"
CALLBACK = "https://app.example.com/callback"


def register_app(secret="s3cr3t", app_id=None, name="Token test app"):
    """A catalogue app listing (compatible with every edition and version); returns its id."""
    listing, _ = app_listings.register({
        "id": app_id or str(uuid.uuid4()), "kind": "app", "name": name, "author": "Tests",
        "activate_url": "https://app.example.com/activate", "callback_url": CALLBACK,
        "editions": ["ce", "ee"], "versions": []}, secret=secret)
    return listing.id


def connect_app(app_id, scopes, username="admin", consent=None):
    """Connect the app with ``scopes`` as ``username``; ``consent``: the user's OpenID scopes, if any."""
    user = User.get(User.username == username)
    with write_txn():
        connected = connected_apps.create_connected_app(app_listings.find_app(app_id), scopes, user)
        if consent is not None:
            give_consent(app_id, user, consent)
    return connected


def give_consent(app_id, user, scopes):
    """Record (or update) the user's OpenID consent for the app; the subject uuid is kept."""
    with write_txn():
        row = UserConsent.get_or_none((UserConsent.user == user.id) & (UserConsent.app_id == app_id))
        if row is None:
            return UserConsent.create(user=user, app_id=app_id, scopes=sorted(scopes), uuid=str(uuid.uuid4()))
        row.scopes = sorted(scopes)
        row.save()
        return row


def new_code(app_id, username="admin", **binding):
    """A fresh authorization code in clear (``binding``: redirect_uri, code_challenge, code_challenge_method)."""
    with write_txn():
        client = app_codes.app_client(app_id)
        return app_codes.issue_code(client, User.get(User.username == username), **binding)


def challenge(identifier, secret):
    """Akeneo's code_challenge: lowercase hex SHA-256 of identifier + secret (reference §4.2)."""
    return hashlib.sha256((identifier + secret).encode()).hexdigest()


def akeneo_fields(app_id, code, secret="s3cr3t", identifier=None):
    """The reference's token request fields, with a fresh code_identifier unless one is given."""
    identifier = identifier or secrets.token_hex(30)
    return {"client_id": app_id, "code": code, "grant_type": "authorization_code",
            "code_identifier": identifier, "code_challenge": challenge(identifier, secret)}
