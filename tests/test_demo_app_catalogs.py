"""The Demo App's catalog (issue 12, "Demo App"), with the real PIM and the real Demo App over HTTP:
on connection it creates its catalog "Demo store" once and pushes its mapping schema; while the
catalog is disabled it shows the PIM's message and a link to the catalog in the PIM; once enabled,
its selected and mapped products, page by page."""
import re
from html.parser import HTMLParser
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from demo_app import catalogs as demo_catalogs
from pimconnect.db import db, write_txn
from tests.test_demo_app import _activate, _code_from_the_pim

DISABLED = ("No products to synchronize. The catalog {id} has been disabled on the PIM side. Note that you can get "
            "catalogs status with the GET /api/rest/v1/catalogs endpoint.")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests.live_apps import live_apps

    with live_apps(tmp_path_factory.mktemp("demo-catalogs"), products=30) as servers:
        yield servers


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 4 products, so that a few dozen products make several pages."""
    monkeypatch.setattr(demo_catalogs, "PAGE_SIZE", 4)


def _connect(live):
    """A browser that connects the Demo App (activate, a PIM code, the callback); returns it and the page."""
    import requests

    session = requests.Session()
    state = parse_qs(urlsplit(_activate(session, live)).query)["state"][0]
    response = session.get(f"{live.demo_url}/callback", params={"code": _code_from_the_pim(live), "state": state},
                           timeout=60)
    assert response.status_code == 200 and response.url == f"{live.demo_url}/", response.text[:3000]
    return session, response.text


def _catalogs(live):
    from pimconnect.models import Catalog

    with live.pim.app_context(), db.connection_context():
        return [(c.id, c.name, c.enabled, c.product_mapping_schema, c.product_mapping) for c in Catalog.select()]


def _update_catalog(live, catalog_id, **fields):
    from pimconnect.models import Catalog

    with live.pim.app_context(), db.connection_context(), write_txn():
        Catalog.update(**fields).where(Catalog.id == catalog_id).execute()


def _text(html, element_id):
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    return unescape(found.group(1)).strip() if found else None


def _walk(session, live, kind):
    """Every page of /catalog/<kind> by its Next page links: (uuids in order, number of pages, pages' html)."""
    url, uuids, pages = f"{live.demo_url}/catalog/{kind}", [], []
    while url:
        response = session.get(url, timeout=60)
        assert response.status_code == 200, response.text[:3000]
        pages.append(response.text)
        assert len(pages) < 50
        uuids += re.findall(rf"<code>({UUID})</code>", response.text)
        found = re.search(r'<a class="next-page" href="([^"]+)"', response.text)
        url = urljoin(response.url, unescape(found.group(1))) if found else None
    return uuids, len(pages), pages


def _needs_mapping(live):
    """Skip unless the PIM serves the mapping endpoints (branch cat-mapping, merged separately)."""
    from werkzeug.exceptions import HTTPException

    adapter = live.pim.url_map.bind("127.0.0.1")
    for path, method in ((f"/api/rest/v1/catalogs/{UUID_EXAMPLE}/mapping-schemas/product", "PUT"),
                         (f"/api/rest/v1/catalogs/{UUID_EXAMPLE}/mapped-products", "GET")):
        try:
            adapter.match(path, method=method)
        except HTTPException:
            pytest.skip(f"this PIM has no {method} {path.replace(UUID_EXAMPLE, '{id}')} (catalogs-for-apps.md "
                        "§3.7, §3.8: branch cat-mapping, not merged here)")


UUID_EXAMPLE = "12351d98-200e-4bbc-aa19-7fdda1bd14f2"


def test_connecting_creates_the_catalog_once_and_shows_the_disabled_message(live):
    """The first connection creates "Demo store" (disabled); connecting again makes no second catalog;
    the page shows the PIM's disabled message and a link to the catalog in the PIM."""
    session, html = _connect(live)
    [(catalog_id, name, enabled, _schema, _mapping)] = _catalogs(live)
    assert (name, enabled) == ("Demo store", False)
    assert "could not be read" not in html, html
    assert _text(html, "catalog-message") == DISABLED.format(id=catalog_id)
    assert f'href="{live.pim_url}/connect/apps/v1/catalogs/{catalog_id}" id="catalog-editor-link"' in html
    assert _text(html, "catalog-state") == "Disabled"
    page = session.get(f"{live.demo_url}/catalog/products", timeout=60)
    assert page.status_code == 200
    assert _text(page.text, "catalog-message") == DISABLED.format(id=catalog_id)

    _again, html = _connect(live)
    assert [c[0] for c in _catalogs(live)] == [catalog_id]
    assert _text(html, "catalog-message") == DISABLED.format(id=catalog_id)


def test_connecting_pushes_the_mapping_schema(live):
    """The schema is stored as sent, the mapping follows its targets (§3.7), and mapped-products of the
    disabled catalog shows the PIM's disabled message."""
    _needs_mapping(live)
    session, html = _connect(live)
    [(catalog_id, _name, _enabled, schema, mapping)] = _catalogs(live)
    assert "could not set up" not in html, html
    assert schema == demo_catalogs.MAPPING_SCHEMA
    assert set(mapping) == set(demo_catalogs.MAPPING_SCHEMA["properties"])
    assert mapping["uuid"]["source"] == "uuid"
    page = session.get(f"{live.demo_url}/catalog/mapped-products", timeout=60)
    assert page.status_code == 200
    assert _text(page.text, "catalog-message") == DISABLED.format(id=catalog_id)


def _enable_with_two_families(live, map_name=False):
    """Enable the catalog with Status = enabled and the first two families; returns its id and the
    selected products by uuid."""
    from pimconnect.models import Family, Product

    [(catalog_id, *_rest, mapping)] = _catalogs(live)
    with live.pim.app_context(), db.connection_context():
        families = [f.code for f in Family.select().order_by(Family.code)][:2]
        selected = {str(p.uuid): p for p in Product.select().join(Family).where(
            Product.enabled & Family.code.in_(families))}
    assert 4 < len(selected) < 30
    fields = {"enabled": True, "product_selection_criteria": [
        {"field": "enabled", "operator": "=", "value": True},
        {"field": "family", "operator": "IN", "value": families}]}
    if map_name:
        fields["product_mapping"] = dict(mapping, name={"source": "name", "scope": None, "locale": "en_US"})
    _update_catalog(live, catalog_id, **fields)
    return catalog_id, selected


def test_once_enabled_the_demo_app_shows_exactly_the_selected_products_page_by_page(live, small_pages):
    """Enabled with Status = enabled and two families, the products pages walk exactly the selected
    products, in uuid order, four by four through the Next page links."""
    session, _html = _connect(live)
    _catalog_id, selected = _enable_with_two_families(live)
    html = session.get(f"{live.demo_url}/", timeout=60).text
    assert "The catalog's products could not be read" not in unescape(html), html
    assert 'id="catalog-message"' not in html
    assert _text(html, "catalog-state").startswith("Enabled")
    assert 'id="catalog-products"' in html
    uuids, pages, html_pages = _walk(session, live, "products")
    assert uuids == sorted(selected) and pages == len(selected) // 4 + 1
    # The page shows the en_US name, or another locale's when a product has none in en_US.
    names = {value["data"] for product in selected.values() for value in product.values.get("name", [])}
    shown = {unescape(n) for n in re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", "".join(html_pages))}
    assert shown and shown <= names, shown


def test_once_enabled_the_demo_app_shows_exactly_the_mapped_products_page_by_page(live, small_pages):
    """With name mapped to the en_US name, the mapped-products pages walk exactly the selected products
    with their names."""
    _needs_mapping(live)
    session, _html = _connect(live)
    _catalog_id, selected = _enable_with_two_families(live, map_name=True)
    html = session.get(f"{live.demo_url}/", timeout=60).text
    assert "could not be read" not in html and 'id="catalog-mapped-products"' in html, html
    mapped, pages, html_pages = _walk(session, live, "mapped-products")
    assert mapped == sorted(selected) and pages == len(selected) // 4 + 1
    names = {value["data"] for product in selected.values() for value in product.values.get("name", [])
             if value.get("locale") == "en_US"}
    shown = {unescape(n) for n in re.findall(r"</code></td><td>([^<]+)</td>", "".join(html_pages))}
    assert shown and shown <= names, shown


def test_the_demo_app_says_in_plain_words_when_its_catalog_is_gone(live):
    """A catalog deleted in the PIM gives the PIM's 404 message on the page, never a traceback."""
    from pimconnect.models import Catalog

    session, _html = _connect(live)
    [(catalog_id, *_rest)] = _catalogs(live)
    with live.pim.app_context(), db.connection_context(), write_txn():
        Catalog.delete().where(Catalog.id == catalog_id).execute()
    html = session.get(f"{live.demo_url}/", timeout=60).text
    assert (f'The catalog could not be read. The PIM answered 404: Catalog "{catalog_id}" does not exist or '
            "you can't access it.") in unescape(html)
    page = session.get(f"{live.demo_url}/catalog/products", timeout=60)
    assert page.status_code == 200
    assert "The catalog's products could not be read. The PIM answered 404" in unescape(page.text)
    assert "Traceback" not in html + page.text
    bad = session.get(f"{live.demo_url}/catalog/products", params={"search_after": "x'><script>"}, timeout=60)
    assert bad.status_code == 400 and "<script>" not in bad.text
    _again, html = _connect(live)  # connecting again creates it anew
    [(new_id, name, *_rest)] = _catalogs(live)
    assert new_id != catalog_id and name == "Demo store"


def test_the_catalog_pages_are_only_for_the_browser_that_connected(live):
    """Another visitor gets a 404 from the catalog pages, not the PIM's products."""
    import requests

    for kind in ("products", "mapped-products"):
        assert requests.get(f"{live.demo_url}/catalog/{kind}", timeout=30).status_code == 404


# --- against a stand-in PIM that answers as the reference documents (no PIM Connect code involved) ---

class _ReferencePim:
    """The catalog endpoints as catalogs-for-apps.md documents them, for one app, in memory."""

    def __init__(self, products, schema_status=201):
        self.catalogs, self.schemas, self.enabled = {}, {}, set()
        self.products, self.schema_status, self.posts = sorted(products, key=lambda p: p["uuid"]), schema_status, 0

    def app(self):
        import uuid

        from flask import Flask, jsonify, request

        app, pim = Flask("reference_pim"), self

        @app.get("/api/rest/v1/catalogs")
        def catalogs():
            items = [{"id": i, "name": n, "enabled": i in pim.enabled} for i, n in sorted(pim.catalogs.items())]
            return jsonify({"_links": {}, "current_page": 1, "_embedded": {"items": items}})

        @app.post("/api/rest/v1/catalogs")
        def create():
            pim.posts += 1
            catalog_id = str(uuid.uuid4())
            pim.catalogs[catalog_id] = request.get_json()["name"]
            return jsonify({"id": catalog_id, "name": pim.catalogs[catalog_id], "enabled": False}), 201

        @app.get("/api/rest/v1/catalogs/<catalog_id>")
        def one(catalog_id):
            if catalog_id not in pim.catalogs:
                return jsonify({"code": 404, "message": f'Catalog "{catalog_id}" does not exist or you can\'t access it.'}), 404
            return jsonify({"id": catalog_id, "name": pim.catalogs[catalog_id], "enabled": catalog_id in pim.enabled})

        @app.put("/api/rest/v1/catalogs/<catalog_id>/mapping-schemas/product")
        def schema(catalog_id):
            if pim.schema_status == 404:  # a PIM from before product mapping
                return jsonify({"code": 404, "message": f'No route found for "PUT {request.path}"'}), 404
            pim.schemas[catalog_id] = request.get_json()
            return ("", 204) if pim.schema_status == 204 else (jsonify(pim.schemas[catalog_id]), pim.schema_status)

        @app.get("/api/rest/v1/catalogs/<catalog_id>/<any(products, 'mapped-products'):kind>")
        def products(catalog_id, kind):
            if catalog_id not in pim.enabled:
                return jsonify({"error": DISABLED.format(id=catalog_id)})
            limit, after = int(request.args["limit"]), request.args.get("search_after", "")
            items = [p for p in pim.products if p["uuid"] > after][:limit]
            if kind == "mapped-products":
                items = [{"uuid": p["uuid"], "name": p["values"]["name"][0]["data"], "price": 12.5,
                          "waterproof": True} for p in items]
            links = {}
            if len(items) == limit:
                links["next"] = {"href": f"{request.base_url}?search_after={items[-1]['uuid']}&limit={limit}"}
            return jsonify({"_links": links, "_embedded": {"items": items}})

        @app.get("/api/rest/v1/<path:anything>")
        def elsewhere(anything):
            return jsonify({"_embedded": {"items": []}})

        return app


@pytest.fixture
def reference(tmp_path):
    import uuid

    from tests.live_apps import serve_demo
    from tests.test_demo_app import make_demo_app

    products = [{"uuid": str(uuid.uuid4()), "enabled": True, "family": "hats",
                 "values": {"name": [{"locale": "en_US", "scope": None, "data": f"Hat <{n}>"}]}} for n in range(7)]
    pim = _ReferencePim(products, schema_status=204)
    with serve_demo(pim.app()) as pim_url:
        demo = make_demo_app(tmp_path, DEMO_APP_PIM_URL=pim_url)
        with demo.app_context():
            from demo_app import storage

            storage.save_connection(pim_url, "token", "read_catalogs write_catalogs", None)
        client = demo.test_client()
        with client.session_transaction() as session:
            session["pim_url"], session["signed_in"] = pim_url, True
        yield pim, pim_url, demo, client


def test_against_the_reference_shapes_the_demo_app_pages_through_the_next_links(reference, small_pages):
    """Set up twice makes one catalog (a 204 schema answer is a success); disabled shows the message;
    enabled, 7 products make pages of 4 and 3, names escaped, mapped values shown."""
    from demo_app import catalog_views, storage

    pim, pim_url, demo, client = reference
    with demo.app_context():
        for _ in range(2):
            catalog_views.set_up_catalog(storage.connection(pim_url), 5)
        assert storage.catalog(pim_url)["setup_error"] is None
    [catalog_id] = pim.catalogs
    assert pim.posts == 1 and pim.schemas[catalog_id] == demo_catalogs.MAPPING_SCHEMA
    html = client.get("/").get_data(as_text=True)
    assert _text(html, "catalog-message") == DISABLED.format(id=catalog_id)
    assert f'href="{pim_url}/connect/apps/v1/catalogs/{catalog_id}"' in html

    pim.enabled.add(catalog_id)
    html = client.get("/").get_data(as_text=True)
    first_name = pim.products[0]["values"]["name"][0]["data"]  # "Hat <n>": the first product in uuid order
    assert first_name.replace("<", "&lt;").replace(">", "&gt;") in html and "<td>12.5</td>" in html
    assert "<td>yes</td>" in html and first_name not in html
    first = client.get("/catalog/products").get_data(as_text=True)
    after = re.search(r'class="next-page" href="/catalog/products\?search_after=([^"]+)"', first).group(1)
    assert after == pim.products[3]["uuid"]
    second = client.get(f"/catalog/products?search_after={after}").get_data(as_text=True)
    assert re.findall(rf"<code>({UUID})</code>", first + second) == [p["uuid"] for p in pim.products]
    assert "next-page" not in second


def test_against_the_reference_a_refused_setup_is_shown_and_the_connection_kept(reference):
    """A PIM refusing the schema leaves the catalog created and says why on the page."""
    from demo_app import catalog_views, storage

    pim, pim_url, demo, client = reference
    pim.schema_status = 422
    with demo.app_context():
        catalog_views.set_up_catalog(storage.connection(pim_url), 5)
        stored = storage.catalog(pim_url)
    assert stored["catalog_id"] in pim.catalogs and stored["setup_error"].startswith("The PIM answered 422")
    html = client.get("/").get_data(as_text=True)
    assert "The Demo App could not set up its catalog in the PIM. The PIM answered 422" in html


def test_against_a_pim_without_product_mapping_the_products_are_still_shown(reference):
    """A PIM that has no mapping-schemas route is no error: the page says mapping is not offered and
    shows the selected products."""
    from demo_app import catalog_views, storage

    pim, pim_url, demo, client = reference
    pim.schema_status = 404
    with demo.app_context():
        catalog_views.set_up_catalog(storage.connection(pim_url), 5)
        assert storage.catalog(pim_url) == {"catalog_id": next(iter(pim.catalogs)), "setup_error": None,
                                            "has_mapping": False}
    pim.enabled.update(pim.catalogs)
    html = client.get("/").get_data(as_text=True)
    assert 'role="alert"' not in html and 'id="catalog-no-mapping"' in html and 'id="catalog-products"' in html
    assert "/catalog/mapped-products" not in client.get("/catalog/products").get_data(as_text=True)


class _FormFields(HTMLParser):
    """The fields of the form ``form_id`` as a browser without JavaScript posts them (no buttons)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.action, self.fields = form_id, None, []
        self._inside = False
        self._select = self._select_first = self._textarea = None
        self._select_chosen = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
            self.action = attrs.get("action") if self._inside else self.action
        elif not self._inside or not attrs.get("name") and tag != "option":
            return
        elif tag == "input" and (attrs.get("type") or "text") not in ("submit", "button", "image", "reset"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = attrs["name"], None, False
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            self._select_first = value if self._select_first is None else self._select_first
            if "selected" in attrs:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None


def test_enabling_the_catalog_in_the_pims_editor_shows_its_products_in_the_demo_app(live):
    """The walk-through: follow the Demo App's link to the catalog in the PIM (logged in as admin), set
    Enable status to Yes and save; the Demo App then shows the selected products (Status = enabled)."""
    import requests

    from pimconnect.models import Product
    from tests.test_demo_app import _log_in

    demo_browser, html = _connect(live)
    [(catalog_id, *_rest)] = _catalogs(live)
    _update_catalog(live, catalog_id, enabled=False, product_selection_criteria=[
        {"field": "enabled", "operator": "=", "value": True}])
    html = demo_browser.get(f"{live.demo_url}/", timeout=60).text
    link = unescape(re.search(r'href="([^"]+)" id="catalog-editor-link"', html).group(1))

    pim_browser = requests.Session()
    _log_in(pim_browser, live.pim_url)
    editor = pim_browser.get(link, timeout=60)
    assert editor.status_code == 200 and editor.url == link, editor.url
    form = _FormFields("catalog-form")
    form.feed(editor.text)
    data = [(name, "yes" if name == "enabled" else value) for name, value in form.fields] + [("action", "save")]
    saved = pim_browser.post(urljoin(editor.url, unescape(form.action)), data=data, timeout=60)
    assert saved.status_code == 200, saved.text[:3000]
    assert _catalogs(live)[0][2] is True, saved.text[:3000]

    with live.pim.app_context(), db.connection_context():
        selected = sorted(str(p.uuid) for p in Product.select().where(Product.enabled))
    html = demo_browser.get(f"{live.demo_url}/", timeout=60).text
    assert 'id="catalog-message"' not in html and _text(html, "catalog-state").startswith("Enabled")
    uuids, _pages, _html = _walk(demo_browser, live, "products")
    assert uuids == selected
