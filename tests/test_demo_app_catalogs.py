"""The Demo App's catalog (issue 12, "Demo App"), with the real PIM and the real Demo App over HTTP:
on connection it creates its catalog "Demo store" once and pushes its mapping schema; while the
catalog is disabled it shows the PIM's message and a link to the catalog in the PIM; once enabled,
its selected and mapped products, page by page."""
import re
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


def test_connecting_creates_the_catalog_once_pushes_the_schema_and_shows_the_disabled_message(live):
    """The first connection creates "Demo store" (disabled) with the schema; connecting again makes no
    second catalog; the page shows the PIM's disabled message and a link to the catalog in the PIM."""
    session, html = _connect(live)
    [(catalog_id, name, enabled, schema, mapping)] = _catalogs(live)
    assert (name, enabled) == ("Demo store", False)
    assert schema == demo_catalogs.MAPPING_SCHEMA
    assert set(mapping) == set(demo_catalogs.MAPPING_SCHEMA["properties"])  # the PUT's side effect (§3.7)
    assert "could not set up" not in html and "could not be read" not in html, html
    assert _text(html, "catalog-message") == DISABLED.format(id=catalog_id)
    assert f'href="{live.pim_url}/connect/apps/v1/catalogs/{catalog_id}" id="catalog-editor-link"' in html
    assert _text(html, "catalog-state") == "Disabled"
    for kind in ("products", "mapped-products"):
        page = session.get(f"{live.demo_url}/catalog/{kind}", timeout=60)
        assert page.status_code == 200
        assert _text(page.text, "catalog-message") == DISABLED.format(id=catalog_id)

    _again, html = _connect(live)
    assert [c[0] for c in _catalogs(live)] == [catalog_id]
    assert _text(html, "catalog-message") == DISABLED.format(id=catalog_id)


def test_once_enabled_the_demo_app_shows_exactly_the_selected_and_mapped_products_page_by_page(live, small_pages):
    """Enabled with Status = enabled and a family, the products and mapped-products pages walk exactly
    the selected products, in uuid order, with the mapped name."""
    from pimconnect.models import Family, Product

    session, _html = _connect(live)
    [(catalog_id, *_rest, mapping)] = _catalogs(live)
    with live.pim.app_context(), db.connection_context():
        families = [f.code for f in Family.select().order_by(Family.code)][:2]
        selected = {str(p.uuid): p for p in Product.select().join(Family).where(
            Product.enabled & Family.code.in_(families))}
    assert 4 < len(selected) < 30
    mapping = dict(mapping, name={"source": "name", "scope": None, "locale": "en_US"})
    _update_catalog(live, catalog_id, enabled=True, product_mapping=mapping, product_selection_criteria=[
        {"field": "enabled", "operator": "=", "value": True},
        {"field": "family", "operator": "IN", "value": families}])

    html = session.get(f"{live.demo_url}/", timeout=60).text
    assert "could not be read" not in html and 'id="catalog-message"' not in html, html
    assert _text(html, "catalog-state").startswith("Enabled")
    assert 'id="catalog-products"' in html and 'id="catalog-mapped-products"' in html

    uuids, pages, _ = _walk(session, live, "products")
    assert uuids == sorted(selected) and pages == len(selected) // 4 + 1
    mapped, pages, html_pages = _walk(session, live, "mapped-products")
    assert mapped == sorted(selected) and pages == len(selected) // 4 + 1
    names = {value["data"] for product in selected.values() for value in product.values.get("name", [])
             if value.get("locale") == "en_US"}
    shown = {unescape(name) for name in re.findall(r"</code></td><td>([^<]+)</td>", "".join(html_pages))}
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
            "you can&#39;t access it.") in html
    page = session.get(f"{live.demo_url}/catalog/products", timeout=60)
    assert page.status_code == 200 and "The catalog&#39;s products could not be read. The PIM answered 404" in page.text
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
