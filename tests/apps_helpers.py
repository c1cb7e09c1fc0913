"""Test helpers for the apps features: catalogue listings, connected apps and their tokens."""
import uuid

from pimconnect.db import write_txn
from pimconnect.models import ApiToken, ConnectedApp
from pimconnect.services import api_tokens, app_catalogue, app_codes
from pimconnect.services.app_connect import create_connected_app


def register_listing(app, name="Shop Sync", **fields):
    """A catalogue app compatible with this PIM; returns (listing id, clear secret)."""
    data = {"id": str(uuid.uuid4()), "name": name, "author": "Acme", "editions": ["ce", "ee"],
            "activate_url": "https://shop.example/activate", "callback_url": "https://shop.example/callback",
            "categories": ["E-commerce"], **fields}
    with app.app_context():
        listing, secret = app_catalogue.register(data)
        return listing.id, secret


def connect(app, app_id, scopes=("read_products",), user=None):
    """Connect a registered app with ``scopes``; returns its connection code."""
    with app.app_context():
        info = app_catalogue.find_app(app_id)
        with write_txn():
            connected = create_connected_app(info, list(scopes), user)
        return connected.connection.code


def app_token(app, app_id, scope=None):
    """An access token for a connected app's API user, as the token endpoint would issue it."""
    with app.app_context():
        connected = ConnectedApp.get_by_id(app_id)
        value = api_tokens.new_secret()
        with write_txn():
            client = app_codes.app_client(app_id)
            ApiToken.create(token_hash=api_tokens.digest(value), kind="access", client=client,
                            user=connected.connection.user, scope=scope or " ".join(connected.scopes))
        return value
