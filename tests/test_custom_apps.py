"""Custom apps (reference §8.3, §3.6): create with the reference's messages, the secret shown once and
stored encrypted, the limit, delete (disconnecting a connected one), regenerate, the REST test-apps API."""
import pytest

from pimconnect.models import ConnectedApp, CustomApp, User
from pimconnect.services import crypto
from pimconnect.services.apps import listings as app_listings
from tests.app_helpers import app_token, connect_code

GOOD = {"name": "My test app", "activate_url": "https://dev.example/activate",
        "callback_url": "http://localhost:8000/callback"}
DISCONNECTED = "The access token provided is invalid. Your app has been disconnected from that PIM."


def _create(admin, **overrides):
    return admin.post("/connect/custom-apps/create", {**GOOD, **overrides})


def test_create_shows_the_credentials_once_and_stores_the_secret_encrypted(admin, seeded_app, conn, database_url):
    """201-like page with client id and secret, no-store; the database holds only the encrypted secret."""
    response = _create(admin)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    app = CustomApp.get()
    assert app.client_id in page
    with seeded_app.app_context():
        secret = app_listings.app_secret(app.client_id)
    assert secret and secret in page and secret not in app.secret_encrypted
    with seeded_app.app_context():
        assert crypto.decrypt(app.secret_encrypted) == secret
    assert app.creator.username == "admin"
    if database_url.startswith("sqlite"):
        import pathlib

        path = pathlib.Path(database_url[len("sqlite:///"):])
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert secret.encode() not in file.read_bytes()


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "The name of the app is required."),
    ("name", "ab", "The name of the app is too short. It must have 3 characters or more."),
    ("name", "x" * 256, "The name of the app is too long. It must have 255 characters or less."),
    ("activate_url", "not a url", "The activate url must be a valid URL."),
    ("activate_url", "ftp://dev.example/a", "The activate url must be a valid URL."),
    ("callback_url", "", "The callback url must be a valid URL."),
    ("callback_url", "http://dev.example/callback", "The callback url must use https (http is allowed only on localhost)."),
    ("callback_url", "https://dev.example/" + "c" * 250, "The callback url is too long. It must have 255 characters or less."),
])
def test_validation_messages(admin, field, value, message, conn):
    response = _create(admin, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert CustomApp.select().count() == 0


def test_loopback_http_is_accepted(admin, conn):
    assert _create(admin, activate_url="http://127.0.0.1:9000/a", callback_url="http://[::1]:9000/c").status_code == 200
    assert CustomApp.select().count() == 1


def test_limit_of_custom_apps(admin, seeded_app, conn):
    """At the limit the form says so, Create is disabled, and the server refuses."""
    seeded_app.config["PIM_MAX_CUSTOM_APPS"] = 2
    for number in range(2):
        assert _create(admin, name=f"App {number}").status_code == 200
    page = admin.client.get("/connect/custom-apps/create").get_data(as_text=True)
    assert "You reached the limit of 2 custom apps." in page
    refused = _create(admin, name="One too many")
    assert refused.status_code == 422 and "You can create up to 2 custom apps." in refused.get_data(as_text=True)
    assert CustomApp.select().count() == 2


def test_delete_disconnects_a_connected_custom_app(admin, seeded_app, client, conn):
    """Deleting a connected custom app also deletes the connected app; its token says disconnected."""
    _create(admin)
    app = CustomApp.get()
    connect_code(seeded_app, app.client_id, ["read_products"])
    token = app_token(seeded_app, app.client_id)
    page = admin.client.get(f"/connect/custom-apps/{app.client_id}/delete").get_data(as_text=True)
    assert "You are about to delete your app from this PIM." in page
    assert "By confirming the deletion, you will delete the app from the App Store page and the related connected app." in page
    assert admin.post(f"/connect/custom-apps/{app.client_id}/delete").status_code == 303
    assert CustomApp.select().count() == 0 and ConnectedApp.select().count() == 0
    answer = client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.get_json()["message"] == DISCONNECTED


def test_regenerate_secret_shows_the_new_one_once(admin, seeded_app, conn):
    """From the connected app's settings: masked secret, confirmation text, a new secret shown once."""
    _create(admin)
    app = CustomApp.get()
    code = connect_code(seeded_app, app.client_id, ["read_products"])
    with seeded_app.app_context():
        old = app_listings.app_secret(app.client_id)
    settings = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    masked = old[-4:].rjust(34, "*")
    assert masked in settings and old not in settings and app.client_id in settings
    confirm = admin.client.get(f"/connect/connected-apps/{code}/regenerate-secret").get_data(as_text=True)
    assert ("Regenerating secret will impact your custom app connection with the PIM. "
            "Are you sure you want to proceed ?") in confirm
    response = admin.post(f"/connect/connected-apps/{code}/regenerate-secret")
    assert response.headers["Cache-Control"] == "no-store"
    with seeded_app.app_context():
        new = app_listings.app_secret(app.client_id)
    assert new != old and new in response.get_data(as_text=True)


def test_gates(julia, conn):
    """Julia (no custom-apps right) can neither create nor delete."""
    assert julia.client.get("/connect/custom-apps/create").status_code == 403
    assert julia.post("/connect/custom-apps/create", GOOD).status_code == 403
    assert CustomApp.select().count() == 0


def test_removed_creator(admin, seeded_app, conn):
    """When the creator is deleted the app shows "Removed user" as its author."""
    from pimconnect.db import write_txn
    from pimconnect.services.access.passwords import hash_password

    with seeded_app.app_context(), write_txn():
        user = User.create(username="dev", email="dev@example.com", password_hash=hash_password("x" * 12))
        CustomApp.create(client_id="5b0c0c3e-1111-4222-8333-444455556666", secret_encrypted=crypto.encrypt("s"),
                         name="Orphan", activate_url=GOOD["activate_url"], callback_url=GOOD["callback_url"],
                         creator=user)
        user.delete_instance()
    with seeded_app.app_context():
        assert app_listings.find_app("5b0c0c3e-1111-4222-8333-444455556666").author == "Removed user"


# --- the REST API -------------------------------------------------------------------------------

def test_api_create_list_delete(api_as, seeded_app, conn):
    """POST 201 with the secret; GET lists the caller's apps only; DELETE 204 then 404."""
    from pimconnect.permissions import API_ACLS

    api = api_as(API_ACLS + ["akeneo_connectivity_connection_manage_test_apps"])
    created = api.post("/api/rest/v1/test-apps", json=GOOD)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body) == {"client_id", "client_secret"}
    with seeded_app.app_context():
        assert app_listings.app_secret(body["client_id"]) == body["client_secret"]
    assert api.get("/api/rest/v1/test-apps").get_json() == [{
        "client_id": body["client_id"], "name": GOOD["name"], "activate_url": GOOD["activate_url"],
        "callback_url": GOOD["callback_url"]}]
    other = api_as(API_ACLS)
    assert other.get("/api/rest/v1/test-apps").get_json() == []
    assert api.delete(f"/api/rest/v1/test-apps/{body['client_id']}").status_code == 204
    missing = api.delete(f"/api/rest/v1/test-apps/{body['client_id']}")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == f"Test app with {body['client_id']} client_id was not found."


def test_api_validation_and_acl(api_as, conn):
    """422 lists snake_case property paths; without the ACL 403 and nothing is created."""
    from pimconnect.permissions import API_ACLS

    api = api_as(API_ACLS + ["akeneo_connectivity_connection_manage_test_apps"])
    refused = api.post("/api/rest/v1/test-apps", json={"name": "ab", "activate_url": 3})
    assert refused.status_code == 422
    assert refused.get_json() == {"errors": [
        {"propertyPath": "name", "message": "The name of the app is too short. It must have 3 characters or more."},
        {"propertyPath": "activate_url", "message": "The activate url must be a valid URL."},
        {"propertyPath": "callback_url", "message": "The callback url must be a valid URL."}]}
    assert api.post("/api/rest/v1/test-apps", data="{", headers={"Content-Type": "application/json"}).status_code == 400
    plain = api_as(API_ACLS)
    forbidden = plain.post("/api/rest/v1/test-apps", json=GOOD)
    assert forbidden.status_code == 403
    assert forbidden.get_json()["message"] == "Access forbidden. You are not allowed to create or update test apps."
    assert plain.delete("/api/rest/v1/test-apps/whatever").status_code == 403
    assert CustomApp.select().count() == 0
