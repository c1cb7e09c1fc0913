"""The catalog editor (catalogs-for-apps.md §8, §10): the app's Catalogs tab, the editor's tabs, adding,
changing and removing criteria without JavaScript, validation messages, the 25-criteria limit, value
filters, enabling (refused while invalid), the live preview against the engine, CSRF and htmx fragments."""
import re

import pytest

from pimconnect import permissions
from pimconnect.db import write_txn
from pimconnect.models import Catalog, Connection
from pimconnect.services import catalogs, selection
from pimconnect.services.access.access import Access
from pimconnect.services.catalogs import preview as previews
from pimconnect.services.catalogs import products as catalog_products
from tests.app_helpers import connect_code, register_listing
from tests.factories import login_without, make_product

SCOPES = ["read_catalogs", "write_catalogs", "read_products"]
HELP = "By default, new catalogs are disabled. Enable the catalog to allow the app to retrieve your product data."


@pytest.fixture
def shop(seeded_app, conn):
    """A connected app with catalog scopes and one new catalog: (connection code, catalog id). CE: the
    app user sees every product (EE grants are tested on their own)."""
    seeded_app.config["PIM_EDITION"] = "ce"
    app_id, _ = register_listing(seeded_app, "Catalog Shop")
    code = connect_code(seeded_app, app_id, SCOPES)
    with seeded_app.app_context(), write_txn():
        owner = Connection.get(Connection.code == code).user
        catalog = catalogs.create(owner, "Store")
    return code, catalog.id


@pytest.fixture
def products(seeded_app):
    """Four hats and bags, classified and with seasons."""
    make_product("hat-summer", family="hats", categories=["ecommerce_summer_hats"],
                 values={"seasons": [{"locale": None, "scope": None, "data": ["summer"]}]})
    make_product("hat-winter", family="hats", categories=["master_hats"],
                 values={"seasons": [{"locale": None, "scope": None, "data": ["winter", "autumn"]}]})
    make_product("bag-plain", family="bags", categories=["master_bags"])
    make_product("bag-off", family="bags", enabled=False)


def url(catalog_id, tab=None):
    return f"/connect/apps/v1/catalogs/{catalog_id}" + (f"?tab={tab}" if tab else "")


def post(auth, catalog_id, rows, action="refresh", tab="selection", headers=None, **extra):
    """Post the editor form: ``rows`` are dicts of one row's inputs (without the ``c<i>-`` prefix)."""
    data = {"csrf_token": auth.token(), "enabled": extra.pop("enabled", "no"), "action": action,
            "criteria_count": str(len(rows))}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"c{index}-{key}"] = value
    data.update(extra)
    return auth.client.post(url(catalog_id, tab), data=data, headers=headers or {})


STATUS = {"field": "enabled", "operator": "=", "value": "true"}


def stored(catalog_id):
    return Catalog.get_by_id(catalog_id)


def test_catalogs_tab_lists_catalogs_with_status_and_count(admin, shop, products):
    """The Catalogs tab: name linking to the editor, Disabled badge, the count of the default selection."""
    code, catalog_id = shop
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=catalogs").get_data(as_text=True)
    assert "Catalog name" in page and "Status" in page
    assert f'href="/connect/apps/v1/catalogs/{catalog_id}"' in page
    assert ">Store<" in page and "Disabled" in page and "3 products" in page


def test_editor_needs_manage_apps(seeded_app, client, shop):
    """Without Manage apps: 403 on every route; logged out: the login page; an unknown id: 404."""
    _, catalog_id = shop
    assert client.get(url(catalog_id)).status_code in (302, 303)
    other = login_without(seeded_app, permissions.MANAGE_APPS)
    assert other.client.get(url(catalog_id)).status_code == 403
    assert post(other, catalog_id, [STATUS]).status_code == 403
    assert other.client.get(url(catalog_id) + "/attributes").status_code == 403


def test_unknown_catalog_is_404(admin):
    assert admin.client.get(url("not-a-uuid")).status_code == 404
    assert admin.client.get(url("6f4bb9f7-4d2b-4a41-9c2e-1b2b9c5f0c11")).status_code == 404


def test_editor_shows_header_tabs_and_default_criterion(admin, shop, products):
    """Header with name, Enable status and its help; tabs in the URL; the Status row and the preview."""
    _, catalog_id = shop
    page = admin.client.get(url(catalog_id)).get_data(as_text=True)
    assert "<h1>Store</h1>" in page and "Enable status" in page and HELP in page
    for label in ("Settings", "Product selection", "Filter the values"):
        assert label in page
    assert "Product mapping" not in page
    assert 'name="c0-field" value="enabled"' in page and ">Enabled</option>" in page
    assert "3 products" in page and "hat-summer" in page and "bag-off" not in page
    settings = admin.client.get(url(catalog_id, "settings")).get_data(as_text=True)
    assert catalog_id in settings and 'name="criteria_json"' in settings


def test_add_change_and_remove_criteria_without_javascript(admin, shop, products):
    """Named buttons add a row with the reference's defaults, an EMPTY operator clears the value, a
    row is removed; nothing is stored until Save."""
    _, catalog_id = shop
    page = post(admin, catalog_id, [STATUS], action="add:family").get_data(as_text=True)
    assert 'name="c1-field" value="family"' in page and "Select a family" in page
    assert "This value must not be empty." in page  # IN with no family yet
    family = {"field": "family", "operator": "IN", "value": "hats"}
    page = post(admin, catalog_id, [STATUS, family]).get_data(as_text=True)
    assert "2 products" in page and "bag-plain" not in page
    emptied = {"field": "family", "operator": "EMPTY", "value": "hats"}
    page = post(admin, catalog_id, [STATUS, emptied]).get_data(as_text=True)
    assert "This value must be empty." not in page and "No products" in page
    page = post(admin, catalog_id, [STATUS, family], action="remove:0").get_data(as_text=True)
    assert 'name="c0-field" value="family"' in page and "c1-field" not in page
    assert stored(catalog_id).product_selection_criteria == [{"field": "enabled", "operator": "=", "value": True}]


def test_attribute_criteria_ask_for_channel_and_locale(admin, shop):
    """A scopable and localizable attribute asks for both; the locale list is the channel's."""
    _, catalog_id = shop
    page = post(admin, catalog_id, [], action="add:description").get_data(as_text=True)
    assert 'name="c0-scope"' in page and 'name="c0-locale"' in page
    page = post(admin, catalog_id, [{"field": "description", "operator": "CONTAINS", "value": "straw"}]).get_data(
        as_text=True)
    assert "This channel must not be empty." in page and "This locale must not be empty." in page
    row = {"field": "description", "operator": "CONTAINS", "value": "straw", "scope": "print", "locale": "fr_FR"}
    page = post(admin, catalog_id, [row]).get_data(as_text=True)
    assert "This locale must not be empty." in page  # fr_FR is not a print locale: cleared
    assert '<option value="de_DE"' in page and '<option value="fr_FR"' not in page
    metric = {"field": "weight", "operator": ">", "amount": "2", "unit": "PARSEC"}
    page = post(admin, catalog_id, [metric]).get_data(as_text=True)
    assert "The unit of the field &#34;weight&#34; does not exist." in page


def test_criteria_limit(admin, shop):
    """At 25 criteria the picker gives way to the reference's message, and add refuses a 26th."""
    _, catalog_id = shop
    page = post(admin, catalog_id, [STATUS] * 25).get_data(as_text=True)
    assert "You reached the limit of 25 selection criteria." in page
    assert 'value="add:family"' not in page
    page = post(admin, catalog_id, [STATUS] * 25, action="add:family").get_data(as_text=True)
    assert "c25-field" not in page and "You reached the limit of 25 selection criteria." in page


def test_picker_search_and_used_fields(admin, shop):
    """The picker: system fields then attribute groups; search; used fields marked; No matches found."""
    _, catalog_id = shop
    page = admin.client.get(url(catalog_id)).get_data(as_text=True)
    assert page.index('value="add:enabled"') < page.index('value="add:family"') < page.index('value="add:completeness"')
    assert 'class="pick used">Status' in page and 'value="add:seasons"' in page
    assert 'value="add:picture"' not in page  # images are not catalog criteria
    fragment = admin.client.get(url(catalog_id) + "/attributes?picker_search=seas&c0-field=seasons",
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'class="pick used">Seasons' in fragment and "add:color" not in fragment
    fragment = admin.client.get(url(catalog_id) + "/attributes?picker_search=zzzz",
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No matches found" in fragment
    plain = admin.client.get(url(catalog_id) + "/attributes?picker_search=seas").get_data(as_text=True)
    assert "<html" in plain and "Seasons" in plain


def test_invalid_catalog_cannot_be_saved_nor_enabled(admin, shop):
    """Save refuses an invalid catalog (422, errors under the row, a danger pill), nothing stored."""
    _, catalog_id = shop
    family = {"field": "family", "operator": "IN", "value": "nope"}
    response = post(admin, catalog_id, [family], action="save", enabled="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "At least one selected family does not exist." in page and 'class="pill danger"' in page
    assert stored(catalog_id).enabled is False
    htmx = post(admin, catalog_id, [family], action="save", enabled="yes", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.get_data(as_text=True)


def test_valid_catalog_is_saved_and_enabled(admin, shop, products):
    """Save stores criteria, filters and the enabled flag in one go, then redirects to the same tab."""
    _, catalog_id = shop
    seasons = {"field": "seasons", "operator": "IN", "value": "summer"}
    response = post(admin, catalog_id, [STATUS, seasons], action="save", enabled="yes",
                    **{"filters-channels": "ecommerce"})
    assert response.status_code == 303 and response.headers["Location"].endswith("tab=selection")
    catalog = stored(catalog_id)
    assert catalog.enabled is True and catalog.product_value_filters == {"channels": ["ecommerce"]}
    assert catalog.product_selection_criteria[1] == {"field": "seasons", "operator": "IN", "value": ["summer"],
                                                     "scope": None, "locale": None}


def test_value_filters_tab(admin, shop):
    """Placeholders, the deactivated messages, and the criteria carried unchanged from the hidden copy."""
    _, catalog_id = shop
    page = admin.client.get(url(catalog_id, "filters")).get_data(as_text=True)
    for text in ("Select a channel", "Select a locale", "Select a currency"):
        assert text in page
    data = {"criteria_json": '[{"field": "enabled", "operator": "=", "value": false}]',
            "filters-channels": "gone", "filters-locales": "xx_XX", "filters-currencies": "ZZZ"}
    response = post(admin, catalog_id, [], action="save", tab="filters", enabled="yes", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The channel &#34;gone&#34; has been deactivated." in page
    assert "The locale &#34;xx_XX&#34; has been deactivated." in page
    assert "The currency &#34;ZZZ&#34; has been deactivated." in page
    data.update({"filters-channels": "ecommerce", "filters-locales": "en_US", "filters-currencies": "EUR"})
    assert post(admin, catalog_id, [], action="save", tab="filters", **data).status_code == 303
    catalog = stored(catalog_id)
    assert catalog.product_value_filters == {"channels": ["ecommerce"], "locales": ["en_US"], "currencies": ["EUR"]}
    assert catalog.product_selection_criteria == [{"field": "enabled", "operator": "=", "value": False}]


def test_deleted_attribute_row_can_only_be_removed(admin, shop, conn):
    """A criterion on a deleted attribute: [code], the reference's message, the Remove button only."""
    _, catalog_id = shop
    with write_txn():
        Catalog.update(product_selection_criteria=[
            {"field": "gone_attr", "operator": "IN", "value": ["x"], "scope": None, "locale": None}]
        ).where(Catalog.id == catalog_id).execute()
    page = admin.client.get(url(catalog_id)).get_data(as_text=True)
    assert "[gone_attr]" in page and "This attribute has been deleted." in page
    assert 'name="c0-operator"' not in page and 'value="remove:0"' in page
    page = post(admin, catalog_id, [{"json": '{"field": "gone_attr", "operator": "IN", "value": ["x"], '
                                              '"scope": null, "locale": null}'}], action="remove:0")
    assert "gone_attr" not in page.get_data(as_text=True)


def test_preview_matches_the_engine_for_the_app_user(admin, seeded_app, shop, products, conn):
    """The preview counts what the engine selects through the app user's Access."""
    _, catalog_id = shop
    criteria = [{"field": "categories", "operator": "IN CHILDREN", "value": ["master"]},
                {"field": "seasons", "operator": "IN", "value": ["summer", "winter"], "scope": None, "locale": None}]
    owner = stored(catalog_id).owner
    access = Access.of(owner, permissions.user_permissions(owner), enforce_grants=False)  # CE
    expected = selection.count(access, catalog_products.catalog_selection(criteria))
    result = previews.preview(access, criteria)
    assert result.count == expected and result.count.value == 1 and result.wording == "1 product"
    assert [p["identifier"] for p in result.products] == ["hat-winter"]
    rows = [{"field": "categories", "operator": "IN CHILDREN", "value": "master"},
            {"field": "seasons", "operator": "IN", "value": ["summer", "winter"]}]
    page = post(admin, catalog_id, rows).get_data(as_text=True)
    assert "1 product" in page and "hat-winter" in page
    assert previews.preview(access, [{"field": "enabled", "operator": "=", "value": "x"}]).invalid


def test_preview_narrowed_like_the_product_endpoints(shop, products, conn):
    """The mapping's required targets narrow the reader (§7.6): count and products both follow."""
    from pimconnect.models import Product

    owner = stored(shop[1]).owner
    access = previews.Narrowed(Access.of(owner, permissions.user_permissions(owner), enforce_grants=False),
                               Product.identifier.in_(["hat-summer", "bag-off"]))
    result = previews.preview(access, [{"field": "enabled", "operator": "=", "value": True}])
    assert result.wording == "1 product" and [p["identifier"] for p in result.products] == ["hat-summer"]


def test_preview_applies_the_app_users_ee_permissions(admin, seeded_app, shop, products):
    """EE: an app group without category rights sees uncategorized products only, as product-uuids."""
    _, catalog_id = shop
    seeded_app.config["PIM_EDITION"] = "ee"
    page = post(admin, catalog_id, []).get_data(as_text=True)
    assert "1 product" in page and "bag-off" in page and "hat-summer" not in page


def test_csrf_is_required(seeded_app, admin, shop):
    """Every POST needs the CSRF token."""
    _, catalog_id = shop
    seeded_app.config["WTF_CSRF_ENABLED"] = True
    response = admin.client.post(url(catalog_id), data={"action": "save", "enabled": "yes"})
    assert response.status_code == 400
    assert stored(catalog_id).enabled is False


def test_htmx_gets_the_editor_fragment(admin, shop):
    """An htmx change answers the editor only, with Vary: HX-Request; a plain post the whole page."""
    _, catalog_id = shop
    htmx = post(admin, catalog_id, [STATUS], headers={"HX-Request": "true"})
    body = htmx.get_data(as_text=True)
    assert "<html" not in body and 'id="catalog-editor"' in body and "HX-Request" in htmx.headers["Vary"]
    assert "<html" in post(admin, catalog_id, [STATUS]).get_data(as_text=True)


def test_mapping_tab_replaces_filters_when_a_schema_exists(admin, shop, conn):
    """With a product mapping schema: Product mapping instead of Filter the values (§5.3)."""
    _, catalog_id = shop
    with write_txn():
        Catalog.update(product_mapping_schema={"properties": {"uuid": {"type": "string"}}},
                       product_mapping={"uuid": {"source": "uuid", "scope": None, "locale": None}}
                       ).where(Catalog.id == catalog_id).execute()
    page = admin.client.get(url(catalog_id, "mapping")).get_data(as_text=True)
    assert "Product mapping" in page and "Filter the values" not in page and "<code>uuid</code>" in page
    assert "The UUID is a technical product identifier." in page


def test_mapping_problems_refuse_enabling(admin, shop, conn):
    """A required mapping target without a source (§7.4) refuses the save and marks the mapping tab."""
    _, catalog_id = shop
    schema = {"$schema": "https://api.akeneo.com/mapping/product/1.0.3/schema",
              "properties": {"uuid": {"type": "string"}, "name": {"type": "string"}}, "required": ["name"]}
    with write_txn():
        Catalog.update(product_mapping_schema=schema,
                       product_mapping={"uuid": {"source": "uuid"}, "name": {"source": None}}
                       ).where(Catalog.id == catalog_id).execute()
    response = post(admin, catalog_id, [STATUS], action="save", enabled="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'class="pill danger"' in page.split("Product mapping")[1][:120]
    assert stored(catalog_id).enabled is False
    page = admin.client.get(url(catalog_id, "mapping")).get_data(as_text=True)
    assert "The source is required." in page


def test_picker_pages_attributes_twenty_at_a_time(admin, shop, conn):
    """More than 20 attributes: the first 20, then a More button that shows 20 more."""
    from pimconnect.models import Attribute, AttributeGroup

    _, catalog_id = shop
    with write_txn():
        group = AttributeGroup.get(AttributeGroup.code == "other")
        for number in range(10):
            Attribute.create(code=f"zz_extra_{number}", type="pim_catalog_text", group=group, sort_order=99)
    page = admin.client.get(url(catalog_id)).get_data(as_text=True)
    picks = re.compile(r'class="pick( used)?"')
    assert len(picks.findall(page)) == 4 + 20 and 'value="more"' in page
    page = post(admin, catalog_id, [STATUS], action="more").get_data(as_text=True)
    assert len(picks.findall(page)) == 4 + 26 and 'value="more"' not in page


def test_catalogs_tab_needs_manage_apps(seeded_app, shop, conn):
    """A custom app's page opens for users who may create custom apps, but its catalogs only with Manage apps."""
    from pimconnect.models import ConnectedApp

    code, _ = shop
    with write_txn():
        ConnectedApp.update(is_custom_app=True).where(
            ConnectedApp.connection == Connection.get(Connection.code == code)).execute()
    creator = login_without(seeded_app, permissions.MANAGE_APPS)
    response = creator.client.get(f"/connect/connected-apps/{code}?tab=catalogs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "tab=catalogs" not in page and ">Store<" not in page


def test_a_save_over_a_catalog_changed_since_the_form_was_rendered_is_refused(admin, shop, seeded_app):
    """No lost update (security checklist C7): the form carries the version it was rendered from; a
    change in between (here the app renaming it) makes the save answer 409 and store nothing."""
    import re

    from pimconnect.services.catalogs import writes as catalog_writes

    _, catalog_id = shop
    page = admin.client.get(url(catalog_id)).get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    with seeded_app.app_context():
        catalog_writes.rename(stored(catalog_id), "Renamed by the app")
    before = stored(catalog_id)
    refused = post(admin, catalog_id, [STATUS], action="save", enabled="yes", version=version)
    assert refused.status_code == 409
    assert "it has changed since you opened it" in refused.get_data(as_text=True)
    after = stored(catalog_id)
    assert (after.enabled, after.updated, after.name) == (False, before.updated, "Renamed by the app")
    fresh = re.search(r'name="version" value="([^"]+)"', admin.client.get(url(catalog_id)).get_data(as_text=True))
    saved = post(admin, catalog_id, [STATUS], action="save", enabled="yes", version=fresh.group(1))
    assert saved.status_code == 303 and stored(catalog_id).enabled is True


def test_the_catalogs_tab_lists_20_catalogs_a_page_by_name(admin, shop, seeded_app):
    """Each row counts its products: an app's 200 catalogs are shown 20 at a time, in name order."""
    code, catalog_id = shop
    with seeded_app.app_context(), write_txn():
        owner = stored(catalog_id).owner_id
        for n in range(44):
            catalogs.create(owner, f"Catalog {n:02d}")
    first = admin.client.get(f"/connect/connected-apps/{code}?tab=catalogs").get_data(as_text=True)
    assert first.count('href="/connect/apps/v1/catalogs/') == 20 and "Page 1 of 3" in first
    assert first.index("Catalog 00") < first.index("Catalog 19") and "Catalog 20" not in first
    last = admin.client.get(f"/connect/connected-apps/{code}?tab=catalogs&page=99").get_data(as_text=True)
    assert "Page 3 of 3" in last and "Store" in last and last.count('href="/connect/apps/v1/catalogs/') == 5
    assert 'rel="prev"' in last and 'rel="next"' not in last
