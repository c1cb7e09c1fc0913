"""Custom-app security fixes (issue 10): callback and activate URL rules (checklist A4, A25) in the UI
form and the test-apps API, and the API deleting only the caller's own custom apps."""
import pytest
from markupsafe import escape

from pimconnect.models import CustomApp
from pimconnect.permissions import API_ACLS

GOOD = {"name": "My test app", "activate_url": "https://dev.example/activate",
        "callback_url": "https://dev.example/callback"}
TEST_APPS = "/api/rest/v1/test-apps"
MANAGE_TEST_APPS = "akeneo_connectivity_connection_manage_test_apps"
USER_INFO = "The {} must not contain a user name or password (user@host)."
FRAGMENT = "The {} must not contain a fragment (#…)."
WILDCARD = "The {} must not contain a wildcard (*)."
INVALID = "The {} must be a valid URL."
NOT_SECURE = "The {} must use https (http is allowed only on localhost)."

REFUSED_CALLBACKS = [
    ("https://user@evil.test/cb", USER_INFO),
    ("https://user:pw@evil.test/cb", USER_INFO),
    ("http://localhost:80@attacker.test/cb", USER_INFO),
    ("https://dev.example/cb#f", FRAGMENT),
    ("https://dev.example/cb#", FRAGMENT),
    ("https://*.dev.example/cb", WILDCARD),
    ("https://dev.example/*", WILDCARD),
    ("javascript:alert(1)//https://dev.example/cb", INVALID),
    ("https://dev%2eexample/cb", INVALID),
    ("http://dev.example/cb", NOT_SECURE),
]
REFUSED_ACTIVATES = [
    ("https://trusted.example@evil.test/activate", USER_INFO),
    ("https://*.dev.example/activate", WILDCARD),
    ("javascript:alert(1)", INVALID),
]


@pytest.mark.parametrize("value, message", REFUSED_CALLBACKS)
def test_ui_form_refuses_bad_callback_urls(admin, conn, value, message):
    response = admin.post("/connect/custom-apps/create", {**GOOD, "callback_url": value})
    assert response.status_code == 422
    assert str(escape(message.format("callback url"))) in response.get_data(as_text=True)
    assert CustomApp.select().count() == 0


@pytest.mark.parametrize("value, message", REFUSED_ACTIVATES)
def test_ui_form_refuses_bad_activate_urls(admin, conn, value, message):
    response = admin.post("/connect/custom-apps/create", {**GOOD, "activate_url": value})
    assert response.status_code == 422
    assert str(escape(message.format("activate url"))) in response.get_data(as_text=True)
    assert CustomApp.select().count() == 0


@pytest.mark.parametrize("value, message", REFUSED_CALLBACKS)
def test_api_refuses_bad_callback_urls(api_as, conn, value, message):
    api = api_as(API_ACLS + [MANAGE_TEST_APPS])
    refused = api.post(TEST_APPS, json={**GOOD, "callback_url": value})
    assert refused.status_code == 422
    assert refused.get_json() == {"errors": [{"propertyPath": "callback_url",
                                              "message": message.format("callback url")}]}
    assert CustomApp.select().count() == 0


def test_api_refuses_user_info_in_the_activate_url(api_as, conn):
    api = api_as(API_ACLS + [MANAGE_TEST_APPS])
    refused = api.post(TEST_APPS, json={**GOOD, "activate_url": "https://a@evil.test/activate"})
    assert refused.get_json()["errors"] == [{"propertyPath": "activate_url", "message": USER_INFO.format("activate url")}]


@pytest.mark.parametrize("activate, callback", [
    ("https://dev.example/activate#start", "https://dev.example/callback?tenant=7"),
    ("https://bücher.example/activate", "https://[2001:db8::1]:8443/cb"),
    ("http://127.0.0.1:9000/a", "http://localhost:8000/callback"),
])
def test_good_urls_are_still_accepted(api_as, conn, activate, callback):
    """A fragment is fine in an activate URL (pim_url goes in the query); IDN, IPv6 and loopback http too."""
    api = api_as(API_ACLS + [MANAGE_TEST_APPS])
    created = api.post(TEST_APPS, json={**GOOD, "activate_url": activate, "callback_url": callback})
    assert created.status_code == 201, created.get_json()


def test_api_deletes_only_the_callers_own_custom_apps(api_as, seeded_app, conn):
    """Another API user's custom app answers as an unknown client id (404, same message) and stays."""
    owner = api_as(API_ACLS + [MANAGE_TEST_APPS])
    intruder = api_as(API_ACLS + [MANAGE_TEST_APPS])
    client_id = owner.post(TEST_APPS, json=GOOD).get_json()["client_id"]
    refused = intruder.delete(f"{TEST_APPS}/{client_id}")
    unknown = intruder.delete(f"{TEST_APPS}/00000000-0000-4000-8000-000000000000")
    assert refused.status_code == 404 == unknown.status_code
    assert refused.get_json()["message"] == f"Test app with {client_id} client_id was not found."
    assert set(refused.get_json()) == set(unknown.get_json())
    assert CustomApp.select().where(CustomApp.client_id == client_id).count() == 1
    assert owner.delete(f"{TEST_APPS}/{client_id}").status_code == 204
    assert CustomApp.select().count() == 0
