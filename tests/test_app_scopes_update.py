"""POST /connect/apps/v1/scopes/update (reference §2.3.1): flag the app, notify the users who can manage
apps, never change the scopes; 403 "Not an authenticated App" for other tokens; the card's state line."""
from pimconnect.models import ConnectedApp, Notification
from tests.app_helpers import app_token, connect_code, register_listing

URL = "/connect/apps/v1/scopes/update"


def _post(client, token, scopes):
    return client.post(URL, query_string={"scopes": scopes}, headers={"Authorization": f"Bearer {token}"})


def test_new_scopes_flag_and_notify(admin, seeded_app, client, conn):
    """New supported scopes: 200 "Ok", the flag, one notification for admin with Open App, scopes unchanged."""
    app_id, _ = register_listing(seeded_app, "Shop Sync")
    code = connect_code(seeded_app, app_id, ["read_products"])
    token = app_token(seeded_app, app_id)
    response = _post(client, token, "read_products write_products openid")
    assert response.status_code == 200 and response.get_json() == "Ok"
    app = ConnectedApp.get_by_id(app_id)
    assert app.has_outdated_scopes is True and app.scopes == ["read_products"]
    [note] = Notification.select()
    assert note.user.username == "admin" and note.level == "warning"
    assert note.message == "The Shop Sync App requires an authorization update. Please open the app to proceed."
    assert (note.link, note.action_label) == (f"/connect/connected-apps/{code}/open", "Open App")
    assert "New access authorization required." in admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert _post(client, token, "write_products").get_json() == "Ok"  # already flagged: no second notification
    assert Notification.select().count() == 1


def test_known_or_authentication_scopes_change_nothing(seeded_app, client, conn):
    """Implied, already granted, unknown or authentication scopes never flag the app."""
    app_id, _ = register_listing(seeded_app)
    connect_code(seeded_app, app_id, ["delete_products"])
    token = app_token(seeded_app, app_id)
    assert _post(client, token, "read_products write_products openid profile email assets_galore").get_json() == "Ok"
    assert ConnectedApp.get_by_id(app_id).has_outdated_scopes is False
    assert Notification.select().count() == 0


def test_refusals(api, client, conn):
    """No token: 401; a connection's token (not an app): 403 "Not an authenticated App"."""
    assert client.post(URL, query_string={"scopes": "read_products"}).status_code == 401
    refused = client.post(URL, query_string={"scopes": "read_products"}, headers={"Authorization": f"Bearer {api.token}"})
    assert refused.status_code == 403 and refused.get_json() == "Not an authenticated App"


def test_re_authorizing_clears_the_flag(admin, seeded_app, client, conn):
    """Once a user who can manage apps authorizes the app's request again, the card is no longer flagged."""
    from urllib.parse import urlencode

    app_id, _ = register_listing(seeded_app, "Shop Sync")
    connect_code(seeded_app, app_id, ["read_products"])
    _post(client, app_token(seeded_app, app_id), "write_products")
    assert ConnectedApp.get_by_id(app_id).has_outdated_scopes is True
    query = urlencode({"response_type": "code", "client_id": app_id, "scope": "read_products"})
    answer = admin.client.get(f"/connect/apps/v1/authorize?{query}")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("https://shop.example/callback?code=")
    assert ConnectedApp.get_by_id(app_id).has_outdated_scopes is False
