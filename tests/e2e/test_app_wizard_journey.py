"""The Connect wizard in real Chromium: login round trip, htmx steps, EE permissions, CE with JavaScript
off, and the redirect to the app's callback (which the pages' CSP form-action must allow)."""
import threading

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from pimconnect import create_app, migrate
from pimconnect.db import db
from tests.app_helpers import authorize_url, connect, register_app
from tests.conftest import fresh_database_url, make_test_config
from tests.e2e.conftest import PASSWORDS

APPS = {"ee": "aaaaaaaa-0000-4000-8000-000000000001", "ce": "aaaaaaaa-0000-4000-8000-000000000002",
        "open": "aaaaaaaa-0000-4000-8000-000000000003"}


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def pim(tmp_path_factory):
    """A live PIM (demo structure, no products) and an "app" on another origin that shows its callback."""
    callback_app = Flask("callback")

    @callback_app.route("/callback")
    def callback():
        return f"<p id='got'>code={'yes' if request.args.get('code') else 'no'} state={request.args.get('state')}</p>"

    app_server, app_thread = _serve(callback_app)
    callback_url = f"http://localhost:{app_server.server_port}/callback"  # another origin than 127.0.0.1
    with fresh_database_url(tmp_path_factory.mktemp("wizard")) as url:
        app = create_app(make_test_config(url))
        from pimconnect.db import write_txn
        from pimconnect.services.demo import seed as demo

        with db.connection_context():
            migrate.upgrade(db.obj)
            with write_txn():
                demo.seed_structure()
                demo.seed_users(PASSWORDS["admin"], PASSWORDS["julia"])
        for name, app_id in APPS.items():
            register_app(app, app_id=app_id, name=f"App {name}", callback=callback_url)
        server, thread = _serve(app)
        app.config["PIM_URL"] = f"http://127.0.0.1:{server.server_port}"
        yield app
        server.shutdown()
        thread.join(timeout=5)
    app_server.shutdown()
    app_thread.join(timeout=5)


def _login_from_authorize(page, pim, url):
    page.goto(pim.config["PIM_URL"] + url)
    page.fill("#username", "admin")
    page.fill("#password", PASSWORDS["admin"])
    page.click("button[type=submit]")


def test_ee_wizard_with_permissions(pim, page):
    """EE: login, Authorizations (consent) → Permissions → Well done! swapped in place, Confirm → the app."""
    pim.config["PIM_EDITION"] = "ee"
    _login_from_authorize(page, pim, authorize_url(client_id=APPS["ee"], scope="write_products", state="e2e"))
    page.wait_for_selector("#wizard")
    wizard_url = page.url
    assert "Authorizations" in page.inner_text(".wizard-progress")
    page.check("input[name=consent]")
    page.click("button:has-text('Allow and next')")
    page.wait_for_selector("#permissions-category")
    assert page.url == wizard_url  # htmx swapped the step in place
    page.check("input[name=category-own][value=ecommerce]")
    page.check("input[name=locale-view-all]")
    page.click("button:has-text('Next')")
    page.wait_for_selector("#permissions-summary")
    assert "Ecommerce" in page.inner_text("#permissions-summary")
    page.click("button:has-text('Confirm')")
    page.wait_for_selector("#got")
    assert page.inner_text("#got") == "code=yes state=e2e"


@pytest.mark.parametrize("page", [False], indirect=True)
def test_ce_wizard_without_javascript(pim, page):
    """CE with JavaScript off: one step, the browser's required checkbox, Allow → the app."""
    pim.config["PIM_EDITION"] = "ce"
    _login_from_authorize(page, pim, authorize_url(client_id=APPS["ce"], scope="read_products", state="nojs"))
    page.wait_for_selector("#wizard")
    assert page.locator(".wizard-progress").count() == 0
    page.check("input[name=consent]")
    page.get_by_role("button", name="Allow", exact=True).click()
    page.wait_for_selector("#got")
    assert page.inner_text("#got") == "code=yes state=nojs"


def test_connected_app_after_login_goes_straight_back(pim, page):
    """A connected app whose user must log in first lands on its callback (login's CSP does not block it)."""
    pim.config["PIM_EDITION"] = "ee"
    connect(pim, ["read_products"], app_id=APPS["open"])
    _login_from_authorize(page, pim, authorize_url(client_id=APPS["open"], state="back"))
    page.wait_for_selector("#got")
    assert page.inner_text("#got") == "code=yes state=back"
