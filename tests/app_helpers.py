"""Helpers for the Connect tests: app listings, authorize URLs and reading callback redirects."""
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from pimconnect.db import db, write_txn
from pimconnect.models import ApiClient, AuthCode, ConnectedApp
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import connected as connected_apps

APP_ID = "11111111-1111-4111-8111-111111111111"
OTHER_ID = "22222222-2222-4222-8222-222222222222"
CALLBACK = "https://app.example/callback"
AUTHORIZE = "/connect/apps/v1/authorize"
WIZARD = "/connect/apps/authorize"
AUTHENTICATE = "/connect/apps/authenticate"
MANAGE = "akeneo_connectivity_connection_manage_apps"
OPEN = "akeneo_connectivity_connection_open_apps"


def register_app(app, app_id=APP_ID, name="Yell Extension", certified=False, callback=CALLBACK,
                 editions=("ce", "ee")):
    """A catalogue app listing (kind app); returns its AppInfo."""
    with app.app_context(), db.connection_context():
        app_listings.register({"id": app_id, "kind": "app", "name": name, "author": "Yell",
                                "partner": "Akeneo Partner", "categories": ["E-commerce", "Marketing"],
                                "certified": certified, "activate_url": "https://app.example/activate",
                                "callback_url": callback, "editions": list(editions), "versions": []})
        return app_listings.find_app(app_id)


def authorize_url(client_id=APP_ID, scope="read_products", state="xyz", **extra):
    params = {"response_type": "code", "client_id": client_id, "scope": scope}
    if state is not None:
        params["state"] = state
    params.update(extra)
    return f"{AUTHORIZE}?{urlencode(params)}"


def query(location):
    """The query parameters of a redirect, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def connect(app, scopes, app_id=APP_ID, info=None):
    """Connect an app directly through the service (no wizard); returns the ConnectedApp."""
    with app.app_context(), db.connection_context():
        info = info or app_listings.find_app(app_id)
        with write_txn():
            return connected_apps.create_connected_app(info, scopes)


def stored_code(app, code):
    """The AuthCode row of a code handed out in clear (looked up by its digest), or None."""
    with app.app_context(), db.connection_context():
        return AuthCode.get_or_none(AuthCode.code_hash == app_codes.digest(code))


def code_count(app):
    with app.app_context(), db.connection_context():
        return AuthCode.select().count()


def connected(app, app_id=APP_ID):
    with app.app_context(), db.connection_context():
        return ConnectedApp.get_or_none(ConnectedApp.id == app_id)


def client_of(app, app_id=APP_ID):
    with app.app_context(), db.connection_context():
        return ApiClient.get_or_none(ApiClient.client_id == app_id)


def register_listing(app, name="Shop Sync", **fields):
    """Another compatible catalogue app with a random id; returns (its id, its clear secret)."""
    import uuid

    data = {"id": str(uuid.uuid4()), "name": name, "author": "Acme", "editions": ["ce", "ee"],
            "activate_url": "https://shop.example/activate", "callback_url": "https://shop.example/callback",
            "categories": ["E-commerce"], **fields}
    with app.app_context(), db.connection_context():
        listing, secret = app_listings.register(data)
        return listing.id, secret


def connect_code(app, app_id, scopes=("read_products",)):
    """Connect a registered app with ``scopes`` through the service; returns its connection code."""
    with app.app_context(), db.connection_context():
        with write_txn():
            connected_app = connected_apps.create_connected_app(app_listings.find_app(app_id), list(scopes))
        return connected_app.connection.code


def app_token(app, app_id, scope=None):
    """An access token for a connected app's API user, as the token endpoint issues them."""
    from pimconnect.models import ApiToken
    from pimconnect.services.connections import tokens as api_tokens

    with app.app_context(), db.connection_context():
        connected_app = ConnectedApp.get_by_id(app_id)
        value = api_tokens.new_secret()
        with write_txn():
            ApiToken.create(token_hash=api_tokens.digest(value), kind="access", client=app_codes.app_client(app_id),
                            user=connected_app.connection.user, scope=scope or " ".join(connected_app.scopes))
        return value


def shown_request(html):
    """The digest a wizard or consent page binds its forms to (the hidden ``request`` field)."""
    return re.search(r'name="request" value="([0-9a-f]{64})"', html).group(1)
