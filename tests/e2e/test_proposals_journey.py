"""A proposal in real Chromium (issue 13): an app with Edit rights on the master tree changes a product through
the API and sends the change for approval; julia, who owns the tree, finds it under Proposals, approves it,
and the product shows the new value; the app's user is told."""
import json
import threading
import urllib.request

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from pimconnect import create_app, migrate
from pimconnect.db import db
from pimconnect.models import Category, ConnectedApp, Notification, Product, ProductCategory, UserGroup
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import fresh_database_url, make_test_config
from tests.e2e.conftest import login
from tests.e2e.test_ui_layout import AXE_SCRIPT, _axe_problems

EVERYTHING = {"edit": {"all": True, "identifiers": []}, "view": {"all": True, "identifiers": []}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo PIM on a free loopback port: (app, its URL) — the journey also sets rights through services."""
    with fresh_database_url(tmp_path_factory.mktemp("proposals")) as url:
        app = create_app(make_test_config(url, PIM_DEMO_PRODUCTS=20))
        from pimconnect.services.demo import seed as demo

        with db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=20)
        live = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=live.serve_forever, daemon=True)
        thread.start()
        app.config["PIM_URL"] = f"http://127.0.0.1:{live.server_port}"
        yield app, app.config["PIM_URL"]
        live.shutdown()
        thread.join(timeout=5)


def _call(method, url, token, body=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.status, response.headers.get("Location")


def _editing_app(app, name):
    """A connected app that edits (not owns) the master tree, every locale and attribute group."""
    app_id, _ = register_listing(app, name)
    connect_code(app, app_id, ["write_products"])
    with app.app_context(), db.connection_context():
        connected = ConnectedApp.get_by_id(app_id)
        group_permissions.save(connected.user_group_id, {
            "category": {"edit": {"all": False, "identifiers": ["master"]},
                         "view": {"all": False, "identifiers": ["master"]}},
            "locale": EVERYTHING, "attribute_group": EVERYTHING})
        # julia's group owns the master tree (the people of "All" own every product today as well)
        group_permissions.save(UserGroup.get(UserGroup.name == "Manager").id, {
            "category": {level: {"all": False, "identifiers": ["master"]} for level in ("own", "edit", "view")}})
        user_id = connected.connection.user_id
    return app_token(app, app_id), user_id


def _master_product(app, skip=()):
    with app.app_context(), db.connection_context():
        master = Category.get(Category.code == "master")
        return (Product.select().join(ProductCategory).join(Category)
                .where((Category.root == master.id) & Product.identifier.not_in(list(skip) or [""])
                       & Product.family.is_null(False)).order_by(Product.identifier).first())


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["with-js", "without-js"])
def test_an_app_proposes_and_julia_approves(page, server, request):
    js = request.node.callspec.params["page"]
    app, base = server
    token, app_user = _editing_app(app, f"Proposing App {'js' if js else 'nojs'}")
    product = _master_product(app, skip=["" if js else _master_product(app).identifier])
    new_name = f"Proposed name {'js' if js else 'nojs'}"
    status, location = _call("PATCH", f"{base}/api/rest/v1/products-uuid/{product.uuid}", token,
                             {"values": {"name": [{"locale": "en_US", "scope": None, "data": new_name}]}})
    assert (status, location) == (204, f"{base}/api/rest/v1/products-uuid/{product.uuid}/draft")
    assert _call("POST", f"{base}/api/rest/v1/products-uuid/{product.uuid}/proposal", token, {})[0] == 201

    if js:
        page.context.add_init_script(AXE_SCRIPT)
    login(page, base, "julia")
    page.get_by_role("link", name="Proposals", exact=True).click()
    expect(page.locator("h1")).to_have_text("Proposals")
    problems = _axe_problems(page) if js else []
    page.get_by_role("link", name=product.identifier).click()
    expect(page.locator(".side-by-side")).to_contain_text(new_name)
    problems += _axe_problems(page) if js else []
    assert problems == []
    page.fill("textarea[name=comment]", "Looks good")
    page.get_by_role("button", name="Approve all").click()
    expect(page.locator(".flash-success")).to_contain_text("1 change approved")
    page.goto(f"{base}/products/{product.uuid}?locale=en_US&scope=ecommerce")
    expect(page.locator("#v__name")).to_have_value(new_name)

    with app.app_context(), db.connection_context():
        told = Notification.select().where(Notification.user == app_user).order_by(Notification.id.desc()).first()
        assert told is not None
        assert told.message == (f"Julia Stark has approved your proposal for the product {product.identifier}. "
                                "Comment: Looks good")
