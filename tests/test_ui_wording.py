"""Interface wording, counts and confirmation steps (issue 14): what a person reads, with or without CSS."""
import re
from html.parser import HTMLParser

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import ConnectedApp, Product, User
from pimconnect.services.apps import codes as app_codes
from tests.app_helpers import (APP_ID, WIZARD, authorize_url, connect_code, register_app, register_listing,
                               shown_request)
from tests.factories import make_product
from tests.test_app_store import DEMO_ID, NORTHWIND_ID, STORE, add_custom_app, connect
from tests.test_app_store import shipped, store, store_admin  # noqa: F401  (fixtures)

STEP = f"{WIZARD}?client_id={APP_ID}"


# -- Connected apps: counts and plurals ---------------------------------------------------------

def _make_pending(seeded_app, app_id):
    """A code but no token: the app never finished connecting."""
    with seeded_app.app_context(), write_txn():
        app_codes.issue_code(app_codes.app_client(app_id), User.get(User.username == "admin"))


def test_connected_count_leaves_out_pending_apps_and_pluralizes(admin, seeded_app, conn):
    """Two connected apps, one pending: "connected with 1 app" and the section badge says "2 apps", never "1 apps"."""
    first, _ = register_listing(seeded_app, "Alpha Feed")
    second, _ = register_listing(seeded_app, "Shop Sync")
    connect_code(seeded_app, first, ["read_products"])
    connect_code(seeded_app, second, ["read_products"])
    _make_pending(seeded_app, first)
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "Your PIM is connected with 1 app." in page
    assert '<span class="badge">2 apps</span>' in page
    _make_pending(seeded_app, second)
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "Your PIM is connected with 0 apps." in page
    assert "1 apps" not in page


def test_single_connected_app_badge_is_singular(admin, seeded_app, conn):
    """One connected app: "1 app" in both the helper line and the section badge."""
    app_id, _ = register_listing(seeded_app, "Shop Sync")
    connect_code(seeded_app, app_id, ["read_products"])
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "Your PIM is connected with 1 app." in page and '<span class="badge">1 app</span>' in page


def test_connected_app_card_keeps_name_and_state_together(admin, seeded_app, conn):
    """The card's name and state line sit in one body block beside the logo, not in the logo's column."""
    app_id, _ = register_listing(seeded_app, "Shop Sync", author="Shop Inc")
    code = connect_code(seeded_app, app_id, ["read_products"])
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    card = re.search(rf'id="connected-app-{code}".*?</article>', page, re.S).group(0)
    body = re.search(r'<div class="app-body">(.*?)</div>', card, re.S).group(1)
    assert "Shop Sync" in body and "Developed by Shop Inc" in body


# -- App Store: custom apps title, pending retry and cancel --------------------------------------

def test_custom_apps_section_is_not_called_mine(store, store_admin, client):
    """The section lists every user's custom apps, so it is "Custom apps"."""
    add_custom_app(store, name="Someone else's app", creator="julia")
    html = client.get(STORE).get_data(as_text=True)
    assert '<h2 id="custom-apps-title">Custom apps</h2>' in html and "My custom apps" not in html


def test_pending_card_offers_retry_and_cancel(store, store_admin, client):
    """A pending app's card: Retry opens its activate URL again; Cancel is a POST form with the CSRF token."""
    connect(store, DEMO_ID, code=True)
    html = client.get(STORE).get_data(as_text=True)
    card = re.search(rf'id="app-{DEMO_ID}".*?</li>', html, re.S).group(0)
    assert "Pending…" in card and "disabled>Pending" not in card
    assert f'href="/connect/apps/activate?id={DEMO_ID}"' in card and ">Retry<" in card
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', card, re.S)
    assert form.group(1) == f"/connect/apps/{DEMO_ID}/cancel-pending"
    assert 'name="csrf_token"' in form.group(2) and ">Cancel<" in form.group(2)


def test_cancel_pending_deletes_the_half_made_connection(store, store_admin):
    """Cancel drops the pending connected app: the card offers Connect again."""
    connect(store, DEMO_ID, code=True)
    response = store_admin.post(f"/connect/apps/{DEMO_ID}/cancel-pending")
    assert response.status_code == 303 and response.headers["Location"].endswith(STORE)
    with store.app_context(), db.connection_context():
        assert not ConnectedApp.select().where(ConnectedApp.id == DEMO_ID).exists()
    html = store_admin.client.get(STORE).get_data(as_text=True)
    assert f'<a class="button primary connect" href="/connect/apps/activate?id={DEMO_ID}"' in html


def test_cancel_pending_refuses_connected_apps_get_and_missing_csrf(store, store_admin):
    """A connected (not pending) app is not cancelled (404); GET is 405; a POST without CSRF is 400."""
    connect(store, NORTHWIND_ID, code=True, token=True)
    connect(store, DEMO_ID, code=True)
    assert store_admin.post(f"/connect/apps/{NORTHWIND_ID}/cancel-pending").status_code == 404
    assert store_admin.client.get(f"/connect/apps/{DEMO_ID}/cancel-pending").status_code == 405
    assert store_admin.client.post(f"/connect/apps/{DEMO_ID}/cancel-pending").status_code == 400
    with store.app_context(), db.connection_context():
        assert ConnectedApp.select().where(ConnectedApp.id.in_([DEMO_ID, NORTHWIND_ID])).count() == 2


def test_cancel_pending_needs_manage_apps(store, julia):
    """Without Manage apps: no Retry/Cancel on the card and the POST is refused."""
    connect(store, DEMO_ID, code=True)
    html = julia.client.get(STORE).get_data(as_text=True)
    card = re.search(rf'id="app-{DEMO_ID}".*?</li>', html, re.S).group(0)
    assert "Pending…" in card and "cancel-pending" not in card and ">Retry<" not in card
    assert julia.post(f"/connect/apps/{DEMO_ID}/cancel-pending").status_code == 403


# -- Wizard wording --------------------------------------------------------------------------------

@pytest.fixture
def listed(seeded_app):
    register_app(seeded_app)
    return seeded_app


def _start(auth, scope):
    response = auth.client.get(authorize_url(scope=scope))
    assert response.headers["Location"] == STEP
    return auth.client.get(STEP).get_data(as_text=True)


def test_no_scope_says_what_the_app_still_gets(listed, admin):
    """No authorization: the documentation's line that the app only retrieves the PIM version and edition."""
    html = _start(admin, "openid")
    assert "No specific authorizations have been requested." in html
    assert "The App will only be able to retrieve your PIM version and edition." in html


def test_ee_wizard_cancel_is_a_labelled_link_and_steps_are_not_links(listed, admin):
    """EE: Cancel is written out (no bare ×), and the step list holds no links nor aria-selected."""
    html = _start(admin, "write_products")
    assert "&times;" not in html and "×" not in html
    assert re.search(r'<a class="button" href="/connect/app-store" id="wizard-cancel">Cancel</a>', html)
    progress = html.split('class="tabs steps wizard-progress"', 1)[1].split("</ol>")[0]
    assert "<a" not in progress and "aria-selected" not in progress
    assert '<li aria-current="step">Authorizations</li>' in progress


def _to_summary(admin, **chosen):
    shown = shown_request(admin.client.get(STEP).get_data(as_text=True))
    data = {"step": "permissions", "action": "next", "consent": "1", "request": shown, **chosen}
    admin.post(STEP, data={"step": "authorizations", "action": "next", "consent": "1", "request": shown})
    return admin.post(STEP, data=data).get_data(as_text=True)


def test_summary_warns_when_no_permission_is_given(listed, admin):
    """Nothing ticked on Permissions: the Summary says the app will see no products."""
    _start(admin, "read_products")
    html = _to_summary(admin)
    assert "Well done!" in html and 'id="no-products-warning"' in html
    assert "will see no products" in html and "category trees, locales, attribute groups" in html


def test_summary_names_only_the_empty_kinds(listed, admin):
    """Categories and locales chosen, attribute groups left empty: the warning names attribute groups only."""
    _start(admin, "read_products")
    html = _to_summary(admin, **{"category-view": "ecommerce", "locale-view-all": "1"})
    warning = re.search(r'id="no-products-warning">(.*?)</p>', html, re.S).group(1)
    assert "attribute groups" in warning and "category" not in warning and "locales" not in warning
    html = _to_summary(admin, **{"category-view": "ecommerce", "locale-view-all": "1", "attribute_group-view-all": "1"})
    assert "Well done!" in html and "no-products-warning" not in html


# -- Products --------------------------------------------------------------------------------------

@pytest.fixture
def hat(seeded_app):
    product = make_product("hat-1", categories=["ecommerce_summer_hats"],
                           values={"name": [{"locale": "en_US", "scope": None, "data": "Straw hat"}]})
    with seeded_app.app_context(), write_txn():  # a picture value, as an upload leaves it (code of a media file)
        values = dict(Product.get_by_id(product.uuid).values)
        values["picture"] = [{"locale": None, "scope": None, "data": "a/b/c/straw.png"}]
        Product.update(values=values).where(Product.uuid == product.uuid).execute()
    return product


def test_grid_shows_the_total_and_pluralizes(admin, hat):
    """The grid counts every matching product: "1 product", then "3 products"."""
    html = admin.client.get("/products/").get_data(as_text=True)
    assert '<p class="result-count" id="product-count">1 product</p>' in html
    make_product("bag-1", family="bags")
    make_product("bag-2", family="bags")
    assert ">3 products</p>" in admin.client.get("/products/").get_data(as_text=True)
    assert ">2 products</p>" in admin.client.get("/products/?family=bags").get_data(as_text=True)
    assert ">0 products</p>" in admin.client.get("/products/?family=nope").get_data(as_text=True)


def test_grid_total_stops_counting_past_the_cap(admin, hat, monkeypatch):
    """Past the cap the grid says "More than N products" instead of walking every match."""
    from pimconnect.services.products import grid as product_grid

    make_product("bag-1", family="bags")
    make_product("bag-2", family="bags")
    monkeypatch.setattr(product_grid, "COUNT_CAP", 2)
    assert ">More than 2 products</p>" in admin.client.get("/products/").get_data(as_text=True)
    assert ">2 products</p>" in admin.client.get("/products/?family=bags").get_data(as_text=True)


def test_grid_thumbnail_has_alt_text_and_the_table_scrolls_in_its_box(admin, hat):
    """A small image of the product's first picture, alt = its label; the table sits in a focusable scroll box."""
    make_product("bag-1", family="bags")
    html = admin.client.get("/products/").get_data(as_text=True)
    assert ('<img class="thumb" src="/media/a/b/c/straw.png" alt="Straw hat" width="40" height="40" loading="lazy">'
            in html)
    assert html.count('class="thumb') == 2  # bag-1 has no picture: an empty, hidden placeholder
    assert '<div class="table-scroll" role="region" aria-label="Products" tabindex="0">' in html


def test_product_page_is_titled_with_its_label(admin, hat):
    """The product page's title and heading use the label in the catalog locale; the identifier without one."""
    html = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert "<title>Straw hat · PIM Connect</title>" in html and "<h1>Straw hat</h1>" in html
    bare = make_product("no-label-1", family="bags")
    html = admin.client.get(f"/products/{bare.uuid}").get_data(as_text=True)
    assert "<h1>no-label-1</h1>" in html


def test_product_delete_is_its_own_step(admin, hat):
    """The product page links to a confirmation page; the POST form lives only there."""
    page = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert f'action="/products/{hat.uuid}/delete"' not in page and "Yes, delete" not in page
    confirm = admin.client.get(f"/products/{hat.uuid}/delete").get_data(as_text=True)
    assert f'<form method="post" action="/products/{hat.uuid}/delete"' in confirm
    assert "Delete Straw hat?" in confirm and "Yes, delete hat-1" in confirm and 'name="csrf_token"' in confirm
    with db.connection_context():
        assert Product.select().where(Product.uuid == hat.uuid).exists()  # GET changed nothing


def test_product_save_button_is_in_a_sticky_bar(admin, hat):
    html = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert '<div class="form-actions sticky"><button type="submit" class="primary">Save</button></div>' in html


class _TreeDepth(HTMLParser):
    """The nesting depth of <ul> at each category checkbox of the product page's trees."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_tree, self.levels = 0, 0, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul":
            self.depth += 1
            if "category-tree" in (attrs.get("class") or ""):
                self.in_tree = self.depth
        if tag == "input" and attrs.get("name") == "categories" and self.in_tree:
            self.levels[attrs["value"]] = self.depth - self.in_tree

    def handle_endtag(self, tag):
        if tag == "ul":
            if self.depth == self.in_tree:
                self.in_tree = 0
            self.depth -= 1


def test_category_tree_is_nested_lists(admin, hat):
    """Each category sits in a <ul> one deeper than its parent's, and the lists all close."""
    html = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    tree = html.split('<fieldset class="card categories">')[1].split("</fieldset>")[0]
    assert tree.count("<ul") == tree.count("</ul>") and tree.count("<li") == tree.count("</li>")
    parser = _TreeDepth()
    parser.feed(tree)
    assert parser.levels["master"] == 0 and parser.levels["master_accessories"] == 1
    assert parser.levels["master_hats"] == 2 and parser.levels["master_clothing"] == 1
    assert parser.levels["ecommerce"] == 0 and parser.levels["ecommerce_summer_hats"] >= 1
    assert parser.depth == 0


def test_app_logos_have_the_apps_name_as_alt(store, store_admin, client, seeded_app):
    """No logo with an empty alt (w3m prints a file-name token such as [lingua-f] for those): the app's name."""
    app_id, _ = register_listing(seeded_app, "Shop Sync", logo="/static/apps/quill.svg")
    code = connect_code(seeded_app, app_id, ["read_products"])
    for path in (STORE, f"{STORE}/{DEMO_ID}", "/connect/connected-apps", f"/connect/connected-apps/{code}"):
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r"<img[^>]*>", html), path
        assert not re.search(r'<img[^>]*alt=""', html), path
    assert 'alt="Shop Sync logo"' in html
