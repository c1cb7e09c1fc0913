"""The catalog editor's Product mapping tab (catalogs-for-apps.md §7.2–§7.4, §7.7, §8.3, §10.2): a row per
target with the uuid and placeholder texts, only compatible sources offered, the parameters each source
needs, a new source resetting them, and Save storing the mapping the app then reads as mapped products —
all through plain form round trips (no JavaScript), the way a browser posts the rendered form."""
import re
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from pimconnect.db import write_txn
from pimconnect.models import Catalog, Product
from tests.test_api_catalog_mapping import SCHEMA_URL, V1, connect_app, new_catalog

SCHEMA = {
    "$schema": SCHEMA_URL.format("0.1.0"), "type": "object",
    "properties": {
        "uuid": {"type": "string"},
        "title": {"type": "string", "title": "Product name", "description": "Shown on the shop's product page",
                  "maxLength": 255},
        "body": {"type": "string"},
        "weight": {"type": "number"},
        "price": {"type": "number"},
        "color": {"type": "string"},
        "released": {"type": "string", "format": "date-time"},
        "waterproof": {"type": "boolean"},
        "erp": {"type": "string"},
    },
    "required": ["uuid", "title"],
}
SHIRT = {"identifier": "shirt-1", "family": "clothing", "values": {
    "name": [{"locale": "en_US", "scope": None, "data": "Linen shirt"}],
    "description": [{"locale": "en_US", "scope": "ecommerce", "data": "A light shirt."}],
    "weight": [{"locale": None, "scope": None, "data": {"amount": "2.5", "unit": "KILOGRAM"}}],
    "price": [{"locale": None, "scope": None, "data": [{"amount": "49.00", "currency": "EUR"}]}],
    "color": [{"locale": None, "scope": None, "data": "blue"}],
    "erp_name": [{"locale": None, "scope": None, "data": "SHIRT-ERP"}],
}}


class Form(HTMLParser):
    """The successful controls of the editor form as a browser without JavaScript submits them."""

    def __init__(self, html):
        super().__init__()
        self.fields, self._select, self._options, self._inside = [], None, [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == "catalog-form"
        if not self._inside:
            return
        if tag == "input" and attrs.get("name") and "disabled" not in attrs:
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and attrs.get("name") and "disabled" not in attrs:
            self._select, self._options = attrs["name"], []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, value) for value in chosen[:1]]
            self._select = None

    def data(self, **changes):
        """The fields with ``changes`` applied (name -> value), as a MultiDict."""
        fields = [(name, changes.get(name, value)) for name, value in self.fields]
        return MultiDict(fields + [(name, value) for name, value in changes.items() if name not in dict(self.fields)])


@pytest.fixture
def app_api(seeded_app, client, api):
    answer = api.patch(f"{V1}/products/shirt-1", json=SHIRT)
    api, user = connect_app(seeded_app, client)
    assert answer.status_code == 201, answer.get_json()
    api.catalog = new_catalog(seeded_app, user, enabled=False, criteria=[], schema=SCHEMA,
                              mapping={"uuid": {"source": "uuid", "scope": None, "locale": None}})
    with seeded_app.app_context():
        api.uuid = str(Product.get(Product.identifier == "shirt-1").uuid)
    return api


def index(html, target):
    """The row index of ``target`` (the order is the stored schema's: PostgreSQL's jsonb reorders keys)."""
    return int(re.search(rf'name="m(\d+)-target" value="{target}"', html).group(1))


def url(catalog_id):
    return f"/connect/apps/v1/catalogs/{catalog_id}?tab=mapping"


def page(admin, catalog_id):
    response = admin.client.get(url(catalog_id))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def submit(admin, html, action="refresh", headers=None, **changes):
    """Post the rendered form back with ``changes`` (``m<target>__<input>`` keys name a row's inputs)."""
    named = {}
    for key, value in changes.items():
        target, _, name = key.partition("__")
        named[f"m{index(html, target)}-{name}" if name else key] = value
    data = Form(html).data(action=action, **named)
    return admin.client.post(url(re.search(r'catalogs/([0-9a-f-]{36})\?tab=mapping', html).group(1)),
                             data=data, headers=headers or {})


def row(html, target):
    match = re.search(rf'<tr id="mapping-{index(html, target)}" class="mapping-row">(.*?)</tr>', html, re.S)
    assert match, target
    return match.group(1)


def sources(html, target):
    """The source codes a row's select offers (its placeholder excluded)."""
    select = re.search(rf'<select name="m{index(html, target)}-source".*?</select>', html, re.S).group(0)
    return [code for code in re.findall(r'<option value="([^"]*)"', select) if code]


def selected(html, target, name):
    select = re.search(rf'<select name="m{index(html, target)}-{name}"[^>]*>.*?</select>', html, re.S)
    assert select, (target, name)
    found = re.findall(r'<option value="([^"]*)" selected', select.group(0))
    return found[0] if found else None


def test_rows_per_target_with_uuid_and_placeholder_texts(admin, app_api):
    """One row per schema target; title and description shown; uuid fixed with its info texts; the
    placeholder for unmapped targets (§7.7)."""
    html = page(admin, app_api.catalog)
    assert html.count('class="mapping-row"') == len(SCHEMA["properties"])
    title = row(html, "title")
    assert "Product name" in title and "<code>title</code>" in title and "Shown on the shop&#39;s product page" in title
    assert "maxLength: 255" in title
    uuid = row(html, "uuid")
    assert "The UUID is a technical product identifier." in uuid
    assert "we automatically map it with the Akeneo product UUID." in uuid and "<select" not in uuid
    assert '<option value="">Define a content source</option>' in row(html, "erp")
    assert selected(html, "erp", "source") is None


def test_only_compatible_sources_are_offered(admin, app_api):
    """Each target's select offers the system sources and attributes its type accepts (§7.2), grouped."""
    html = page(admin, app_api.catalog)
    assert sources(html, "released") == ["release_date"]
    assert set(sources(html, "waterproof")) == {"status", "waterproof"}
    number = set(sources(html, "weight"))
    assert {"weight", "price", "stock_quantity"} <= number and not number & {"name", "color", "family", "status"}
    text = set(sources(html, "erp"))
    assert {"family", "categories", "name", "description", "erp_name", "color", "seasons"} <= text
    assert not text & {"weight", "price", "release_date", "status", "uuid"}
    assert '<optgroup label="System">' in row(html, "erp")


def test_parameters_per_source_kind(admin, app_api):
    """Channel and locale for a scopable and localizable source, label locale for a select, currency
    for a price, unit for a measurement, nothing for a plain text (§7.3, §7.7)."""
    html = page(admin, app_api.catalog)
    html = submit(admin, html, title__source="name", body__source="description", weight__source="weight",
                  price__source="price", color__source="color", erp__source="erp_name").get_data(as_text=True)
    assert re.search(r'name="m\d-locale"', row(html, "title")) and "-scope" not in row(html, "title")
    body = row(html, "body")
    assert "-scope" in body and re.search(r'name="m\d-locale" id="m\d-locale" disabled', body)  # waits for a channel
    assert "-unit" in row(html, "weight") and '<option value="GRAM"' in row(html, "weight")
    assert "-currency" in row(html, "price") and '<option value="EUR"' in row(html, "price")
    assert "-label_locale" in row(html, "color")
    assert "This source has no parameters." in row(html, "erp")
    html = submit(admin, html, body__scope="ecommerce").get_data(as_text=True)
    locales = re.search(rf'<select name="m{index(html, "body")}-locale".*?</select>', html, re.S).group(0)
    assert "disabled" not in locales and '<option value="en_US"' in locales


def test_new_source_resets_its_parameters(admin, app_api):
    """Choosing another source clears scope, locale and parameters; keeping it keeps them (§7.7) — with
    a plain submit and with htmx's post on change alike."""
    html = page(admin, app_api.catalog)
    html = submit(admin, html, color__source="color").get_data(as_text=True)
    html = submit(admin, html, color__label_locale="fr_FR").get_data(as_text=True)
    assert selected(html, "color", "label_locale") == "fr_FR"
    kept = submit(admin, html).get_data(as_text=True)
    assert selected(kept, "color", "label_locale") == "fr_FR"
    changed = submit(admin, html, color__source="seasons", color__label_locale="fr_FR").get_data(as_text=True)
    assert selected(changed, "color", "source") == "seasons" and selected(changed, "color", "label_locale") is None
    htmx = submit(admin, html, headers={"HX-Request": "true"}, color__source="family")
    fragment = htmx.get_data(as_text=True)
    assert "<html" not in fragment and selected(fragment, "color", "source") == "family"
    assert selected(fragment, "color", "label_locale") is None
    assert Catalog.get_by_id(app_api.catalog).product_mapping == {
        "uuid": {"source": "uuid", "scope": None, "locale": None}}  # nothing stored before Save


def test_required_target_without_source_refuses_enabling(admin, app_api):
    """Save with a required target unmapped: 422, nothing stored, the message under the row's source
    and the danger pill on the tab (§7.4, §8.3)."""
    html = page(admin, app_api.catalog)
    response = submit(admin, html, action="save", enabled="yes", erp__source="erp_name")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    title = row(body, "title")
    assert "The source is required." in title and 'aria-invalid="true"' in title
    assert "The source is required." not in row(body, "erp")
    assert re.search(r'Product mapping <span class="pill danger"', body)
    stored = Catalog.get_by_id(app_api.catalog)
    assert stored.enabled is False and "erp" not in stored.product_mapping


def test_parameter_errors_show_under_their_inputs(admin, app_api):
    """A scopable source without its channel: the channel's message under the channel select."""
    html = page(admin, app_api.catalog)
    html = submit(admin, html, title__source="name", body__source="description").get_data(as_text=True)
    response = submit(admin, html, action="save", title__locale="en_US")
    body = row(response.get_data(as_text=True), "body")
    assert response.status_code == 422
    assert re.search(r'name="m\d-scope".*?</select>\s*<div class="form-error"><p>This channel must not be empty.</p>',
                     body, re.S)


def test_save_stores_the_mapping_and_the_app_reads_mapped_products(admin, app_api):
    """Save stores the mapping with the enabled flag in one go; the app's mapped products follow it."""
    html = page(admin, app_api.catalog)
    html = submit(admin, html, title__source="name", body__source="description", weight__source="weight",
                  price__source="price", color__source="color").get_data(as_text=True)
    html = submit(admin, html, title__locale="en_US", body__scope="ecommerce", weight__unit="GRAM",
                  price__currency="EUR", color__label_locale="en_US").get_data(as_text=True)
    response = submit(admin, html, action="save", enabled="yes", body__locale="en_US")
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = Catalog.get_by_id(app_api.catalog)
    assert stored.enabled is True
    assert stored.product_mapping == {
        "uuid": {"source": "uuid", "scope": None, "locale": None},
        "title": {"source": "name", "scope": None, "locale": "en_US"},
        "body": {"source": "description", "scope": "ecommerce", "locale": "en_US"},
        "weight": {"source": "weight", "scope": None, "locale": None, "parameters": {"unit": "GRAM"}},
        "price": {"source": "price", "scope": None, "locale": None, "parameters": {"currency": "EUR"}},
        "color": {"source": "color", "scope": None, "locale": None, "parameters": {"label_locale": "en_US"}},
        "released": {"source": None, "scope": None, "locale": None},
        "waterproof": {"source": None, "scope": None, "locale": None},
        "erp": {"source": None, "scope": None, "locale": None},
    }
    answer = app_api.get(f"{V1}/catalogs/{app_api.catalog}/mapped-products")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["_embedded"]["items"] == [{
        "uuid": app_api.uuid, "title": "Linen shirt", "body": "A light shirt.", "weight": 2500, "price": 49,
        "color": "Blue"}]
    again = page(admin, app_api.catalog)
    assert selected(again, "weight", "unit") == "GRAM" and selected(again, "body", "scope") == "ecommerce"


def test_other_tabs_carry_the_unsaved_mapping(admin, app_api):
    """Leaving the tab keeps the unsaved mapping in the form (hidden), and Save elsewhere stores it."""
    html = page(admin, app_api.catalog)
    html = submit(admin, html, erp__source="erp_name").get_data(as_text=True)
    data = Form(html).data(action="save")
    response = admin.client.post(f"/connect/apps/v1/catalogs/{app_api.catalog}?tab=settings", data=data)
    assert response.status_code == 422  # title is required and unmapped
    settings = response.get_data(as_text=True)
    assert 'name="mapping_json"' in settings and "erp_name" in settings
    html = submit(admin, html, title__source="name").get_data(as_text=True)
    html = submit(admin, html, title__locale="en_US").get_data(as_text=True)
    settings = admin.client.post(f"/connect/apps/v1/catalogs/{app_api.catalog}?tab=settings",
                                 data=Form(html).data(action="refresh")).get_data(as_text=True)
    response = admin.client.post(f"/connect/apps/v1/catalogs/{app_api.catalog}?tab=settings",
                                 data=Form(settings).data(action="save"))
    assert response.status_code == 303
    assert Catalog.get_by_id(app_api.catalog).product_mapping["erp"]["source"] == "erp_name"


def test_deleted_source_is_shown_and_reported(admin, app_api, seeded_app):
    """A stored source that no longer exists stays selected as [code] with its message until changed."""
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_mapping={"uuid": {"source": "uuid", "scope": None, "locale": None},
                                        "erp": {"source": "gone", "scope": None, "locale": None}}
                       ).where(Catalog.id == app_api.catalog).execute()
    erp = row(page(admin, app_api.catalog), "erp")
    assert '<option value="gone" selected>[gone]</option>' in erp and "This attribute has been deleted." in erp


def test_mapping_post_needs_csrf(seeded_app, admin, app_api):
    html = page(admin, app_api.catalog)
    seeded_app.config["WTF_CSRF_ENABLED"] = True
    data = Form(html).data(action="save", **{f"m{index(html, 'erp')}-source": "erp_name"})
    data.poplist("csrf_token")
    assert admin.client.post(url(app_api.catalog), data=data).status_code == 400
    assert "erp" not in Catalog.get_by_id(app_api.catalog).product_mapping
