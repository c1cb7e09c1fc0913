"""A catalog's name comes from a third-party app: markup in it shows as text wherever the PIM shows it
(the app's Catalogs tab, the editor, the notification of an automatic disabling), and so does markup in a
product's label in the editor's preview (security checklist B13)."""
from pimconnect.db import write_txn
from pimconnect.models import Catalog, ConnectedApp
from tests.factories import make_product
from tests.test_api_catalogs import connected_app, create
from tests.test_security_meta import XSS_FIRST, XSS_LAST, _parse

NAME = XSS_FIRST + XSS_LAST
LABEL = "<img src=x onerror=alert(2)>"


def _assert_inert(html, where):
    parsed = _parse(html)
    assert all("aria-hidden" in attrs for attrs in parsed.svg_attributes), where  # only the page's own icons
    assert not any(name.startswith("hx-on") or name.startswith("on") for name in parsed.attributes), where
    assert "&lt;svg onload=alert(1)&gt;" in html, where


def test_markup_in_a_catalog_name_and_a_product_label_shows_as_text(admin, seeded_app, client, conn):
    seeded_app.config["PIM_EDITION"] = "ce"
    api = connected_app(seeded_app, client, name="Markup App")
    catalog_id = create(api, NAME)["id"]
    with seeded_app.app_context():
        code = ConnectedApp.get_by_id(api.app_id).connection.code
    make_product("markup-hat", family="hats", values={"name": [{"locale": "en_US", "scope": None, "data": LABEL}]})
    with write_txn():  # the preview's first products: this one alone
        Catalog.update(product_selection_criteria=[{"field": "name", "operator": "CONTAINS", "value": "onerror",
                                                    "locale": "en_US", "scope": None}]
                       ).where(Catalog.id == catalog_id).execute()
    for path in (f"/connect/connected-apps/{code}?tab=catalogs", f"/connect/apps/v1/catalogs/{catalog_id}"):
        _assert_inert(admin.client.get(path).get_data(as_text=True), path)
    editor = admin.client.get(f"/connect/apps/v1/catalogs/{catalog_id}").get_data(as_text=True)
    assert "1 product" in editor and "&lt;img src=x onerror=alert(2)&gt;" in editor and "<img src=x" not in editor

    # An enabled catalog whose criterion no longer holds is disabled at the next product call, and the
    # Manage-apps users are told by a notification naming it.
    with write_txn():
        Catalog.update(enabled=True, product_selection_criteria=[
            {"field": "family", "operator": "IN", "value": ["no_such_family"]}]).where(Catalog.id == catalog_id).execute()
    assert "error" in api.get(f"/api/rest/v1/catalogs/{catalog_id}/product-uuids").get_json()
    _assert_inert(admin.client.get("/notifications/").get_data(as_text=True), "/notifications/")
