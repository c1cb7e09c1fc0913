"""Connection settings in real Chromium: create a connection, copy its credentials once, use them, delete it."""
import base64
import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login


def _post_json(url, body, headers):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def _locales_status(base_url, token):
    request = urllib.request.Request(f"{base_url}/api/rest/v1/locales", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def _token(base_url, shown):
    basic = base64.b64encode(f"{shown['client_id']}:{shown['secret']}".encode()).decode()
    body = _post_json(f"{base_url}/api/oauth/v1/token",
                      {"grant_type": "password", "username": shown["username"], "password": shown["password"]},
                      {"Authorization": f"Basic {basic}"})
    return body["access_token"]


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["with-js", "without-js"])
def test_create_use_and_delete_a_connection(page, live_server, request):
    """The administrator creates a connection, sees its credentials once, gets a token with them, deletes it."""
    js = request.node.callspec.params["page"]
    code = "erp_js" if js else "erp_nojs"
    login(page, live_server, "admin")
    page.get_by_role("link", name="Connect", exact=True).hover()
    page.get_by_role("link", name="Connection settings").click()
    expect(page.locator("h1")).to_have_text("Connection settings")
    page.get_by_role("link", name="Create", exact=True).click()
    page.fill("#connection-label", f"ERP {'js' if js else 'nojs'}")
    if js:  # the code follows the label through htmx
        expect(page.locator("#connection-code")).to_have_value(code)
    page.check("#connection-auditable")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("the secret and password will not be shown again")
    shown = {key: page.locator(f"#credential-{key}").input_value()
             for key in ("client_id", "secret", "username", "password")}
    assert all(shown.values())
    token = _token(live_server, shown)
    assert _locales_status(live_server, token) == 200

    page.reload()
    html = page.content()
    assert shown["secret"] not in html and shown["password"] not in html

    page.goto(f"{live_server}/connect/connection-settings")
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("Tracked")
    row.get_by_role("link").click()
    expect(page.locator("#connection-client-id")).to_have_text(shown["client_id"])
    if js:  # htmx asks with the browser's confirm dialog
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("link", name="Delete the connection").click()
    else:  # a confirmation page
        page.get_by_role("link", name="Delete the connection").click()
        expect(page.locator("h1")).to_have_text("Delete the connection")
        page.get_by_role("button", name="Delete the connection").click()
    expect(page).to_have_url(re.compile(r"/connect/connection-settings$"))
    expect(page.locator(".flash-success")).to_contain_text("deleted")
    expect(page.get_by_role("row").filter(has_text=code)).to_have_count(0)
    assert _locales_status(live_server, token) == 401
