"""A catalog's products for its app (catalogs-for-apps.md §3.6, §5.2, §6.2; #6–#9), with a real connected
app and a real token: selection and order, search-after pages and their links, the updated_* window,
the disabled payloads, value filters, EE permissions of the app's user, and the ACLs."""
import datetime
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from pimconnect.db import write_txn
from pimconnect.models import Catalog, ConnectedApp, Product
from pimconnect.services.access import group_permissions
from tests.test_api_catalogs import URL, connected_app

KEYS = ["uuid", "enabled", "family", "categories", "groups", "parent", "values", "associations",
        "quantified_associations", "created", "updated"]
LIST_DISABLED = ("No products to synchronize. The catalog {} has been disabled on the PIM side. Note that you can "
                 "get catalogs status with the GET /api/rest/v1/catalogs endpoint.")
ONE_DISABLED = ('No products to synchronize. The catalog "{}" has been disabled on PIM side. Note that you can get '
                "catalogs status with the GET /api/rest/v1/catalogs endpoint.")
EITHER = ('Either catalog "{}" does not exist or you can\'t access it, or product "{}" does not exist or you do '
          "not have permission to access it.")
VALUES = {
    "name": [{"locale": "en_US", "scope": None, "data": "Hat"}, {"locale": "fr_FR", "scope": None, "data": "Chapeau"}],
    "description": [{"locale": loc, "scope": ch, "data": f"{ch} {loc}"}
                    for ch, loc in (("ecommerce", "en_US"), ("ecommerce", "fr_FR"), ("print", "en_US"))],
    "erp_name": [{"locale": None, "scope": None, "data": "HAT-ERP"}],
    "price": [{"locale": None, "scope": None, "data": [{"amount": "29.90", "currency": "USD"},
                                                       {"amount": "27.50", "currency": "EUR"}]}],
    "cost_price": [{"locale": None, "scope": None, "data": [{"amount": "10.00", "currency": "USD"}]}],
}
PRICES_READ = [{"locale": None, "scope": None, "data": [{"amount": "27.50", "currency": "EUR"},
                                                      {"amount": "29.90", "currency": "USD"}]}]  # stored by currency
# identifier -> (enabled, categories, updated)
PRODUCTS = {
    "hat-1": (True, ["master_hats"], datetime.datetime(2024, 1, 1, 10, 0, 0, 400000)),
    "hat-2": (True, ["print_traditional"], datetime.datetime(2024, 1, 2, 10, 0, 0)),
    "hat-3": (True, [], datetime.datetime(2024, 1, 3, 10, 0, 0)),
    "hat-4": (True, ["master_hats", "print_traditional"], datetime.datetime(2024, 1, 4, 10, 0, 0)),
    "hat-5": (True, [], datetime.datetime(2024, 1, 5, 10, 0, 0)),
    "hat-off": (False, [], datetime.datetime(2024, 1, 3, 10, 0, 0)),
}


@pytest.fixture
def shop(api, seeded_app, client, conn):
    """Six hats (one disabled) written by a connection, and a connected app with every catalog scope
    and read_products, holding one catalog (disabled, as created)."""
    for identifier, (enabled, categories, _updated) in PRODUCTS.items():
        answer = api.patch(f"/api/rest/v1/products/{identifier}", json={
            "identifier": identifier, "family": "hats", "enabled": enabled, "categories": categories,
            "values": VALUES})
        assert answer.status_code == 201, answer.get_json()
    with write_txn():
        for identifier, (_enabled, _categories, updated) in PRODUCTS.items():
            Product.update(updated=updated).where(Product.identifier == identifier).execute()
    app_api = connected_app(seeded_app, client)
    grant(seeded_app, app_api, category=_levels(view="all"), locale=_levels(view="all"),
          attribute_group=_levels(view="all"))
    app_api.catalog = app_api.post(URL, json={"name": "Store"}).get_json()["id"]
    return app_api


def _levels(**levels):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in levels.items()}


def grant(seeded_app, app_api, **kinds):
    """The app's EE permissions (its user group's), as the wizard's permissions step saves them."""
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(app_api.app_id).user_group_id, kinds)


def uuid_of(identifier):
    return str(Product.get(Product.identifier == identifier).uuid)


def enabled_uuids():
    return sorted(uuid_of(i) for i, (enabled, *_rest) in PRODUCTS.items() if enabled)


def configure(catalog_id, enabled=True, **fields):
    with write_txn():
        Catalog.update(enabled=enabled, **fields).where(Catalog.id == catalog_id).execute()


def items(answer):
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["_embedded"]["items"]


def test_a_disabled_catalog_answers_200_with_the_reference_texts(shop):
    catalog = shop.catalog
    for suffix in ("product-uuids", "products", "product-identifiers", "products?limit=7&updated_after=2024-01-01"):
        answer = shop.get(f"{URL}/{catalog}/{suffix}")
        assert (answer.status_code, answer.get_json()) == (200, {"error": LIST_DISABLED.format(catalog)}), suffix
    # the query's validation comes first, as the reference's message bus validates before its handler runs
    assert shop.get(f"{URL}/{catalog}/product-uuids?limit=-1").status_code == 422
    answer = shop.get(f"{URL}/{catalog}/products/{uuid_of('hat-1')}")
    assert (answer.status_code, answer.get_json()) == (200, {"error": ONE_DISABLED.format(catalog)})
    assert shop.get(f"{URL}/{catalog}").get_json()["enabled"] is False  # metadata endpoints unaffected


def test_product_uuids_are_the_selection_in_ascending_order(shop):
    configure(shop.catalog)
    answer = shop.get(f"{URL}/{shop.catalog}/product-uuids")
    assert items(answer) == enabled_uuids()  # the default criterion: Status = enabled
    base = f"http://localhost{URL}/{shop.catalog}/product-uuids"
    assert answer.get_json()["_links"] == {"self": {"href": f"{base}?limit=100"}, "first": {"href": f"{base}?limit=100"}}


def test_an_empty_criteria_list_selects_every_product(shop):
    configure(shop.catalog, product_selection_criteria=[])
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == sorted(uuid_of(i) for i in PRODUCTS)


def test_criteria_are_anded(shop):
    configure(shop.catalog, product_selection_criteria=[
        {"field": "enabled", "operator": "=", "value": True},
        {"field": "categories", "operator": "IN", "value": ["print_traditional"]}])
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == sorted([uuid_of("hat-2"), uuid_of("hat-4")])


def test_pages_walk_the_selection_with_search_after_links(shop):
    configure(shop.catalog)
    base = f"http://localhost{URL}/{shop.catalog}/product-uuids"
    expected, walked = enabled_uuids(), []
    answer = shop.get(f"{URL}/{shop.catalog}/product-uuids?limit=2&with_count=true&managed_locales=x")
    first = answer.get_json()
    assert first["_links"] == {"self": {"href": f"{base}?limit=2"}, "first": {"href": f"{base}?limit=2"},
                               "next": {"href": f"{base}?search_after={expected[1]}&limit=2"}}
    while True:
        page = answer.get_json()
        walked += page["_embedded"]["items"]
        if "next" not in page["_links"]:
            break
        assert len(page["_embedded"]["items"]) == 2
        answer = shop.get(page["_links"]["next"]["href"].removeprefix("http://localhost"))
        after = parse_qs(urlsplit(page["_links"]["next"]["href"]).query)["search_after"][0]
        assert answer.get_json()["_links"]["self"]["href"] == f"{base}?search_after={after}&limit=2"
    assert walked == expected
    # a full last page still has a next link, which answers an empty page without one
    last = shop.get(f"{URL}/{shop.catalog}/product-uuids?limit=5").get_json()
    assert items(shop.get(last["_links"]["next"]["href"].removeprefix("http://localhost"))) == []


def test_search_after_continues_strictly_after_the_given_uuid(shop):
    configure(shop.catalog)
    expected = enabled_uuids()
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids?search_after={expected[2]}")) == expected[3:]
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids?search_after={expected[2].upper()}")) == expected[3:]
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids?search_after={uuid.UUID(int=0)}")) == expected


def _dated(shop, query, suffix="product-uuids"):
    return sorted(items(shop.get(f"{URL}/{shop.catalog}/{suffix}?{query}")))


@pytest.mark.parametrize("query, identifiers", [
    ("updated_after=2024-01-02T10:00:00Z", ["hat-3", "hat-4", "hat-5"]),  # alone: strict
    ("updated_before=2024-01-02T10:00:00Z", ["hat-1"]),  # alone: strict
    ("updated_after=2024-01-02T10:00:00Z&updated_before=2024-01-04T10:00:00Z", ["hat-2", "hat-3", "hat-4"]),  # both
    ("updated_after=2024-01-01T10:00:00Z&updated_before=2024-01-01T10:00:00Z", ["hat-1"]),  # to the second
    ("updated_after=2024-01-02T12:00:00%2B02:00", ["hat-3", "hat-4", "hat-5"]),  # an offset, converted to UTC
    ("updated_after=2024-01-02T12:00:00+02:00", ["hat-3", "hat-4", "hat-5"]),  # "+" unencoded: a space
    ("updated_after=2024-01-02T05:00:00-05:00", ["hat-3", "hat-4", "hat-5"]),
    ("updated_before=2024-01-02", ["hat-1"]),  # C1: a bare date is midnight UTC
    ("updated_after=2024-01-04", ["hat-4", "hat-5"]),
])
def test_the_updated_window(shop, query, identifiers):
    configure(shop.catalog)
    expected = sorted(uuid_of(i) for i in identifiers)
    assert _dated(shop, query) == expected
    assert sorted(item["uuid"] for item in items(shop.get(f"{URL}/{shop.catalog}/products?{query}"))) == expected


def test_links_keep_the_given_parameters(shop):
    configure(shop.catalog)
    after = enabled_uuids()[0]
    answer = shop.get(f"{URL}/{shop.catalog}/products?updated_before=2030-01-01T00:00:00%2B01:00&limit=1"
                      f"&search_after={after}&updated_after=2020-01-01")
    base = f"http://localhost{URL}/{shop.catalog}/products"
    dates = "updated_after=2020-01-01&updated_before=2030-01-01T00%3A00%3A00%2B01%3A00"
    links = answer.get_json()["_links"]
    assert links["self"]["href"] == f"{base}?search_after={after}&limit=1&{dates}"
    assert links["first"]["href"] == f"{base}?limit=1&{dates}"
    assert links["next"]["href"] == f"{base}?search_after={enabled_uuids()[1]}&limit=1&{dates}"


@pytest.mark.parametrize("query, errors", [
    ("limit=0", [{"property": "limit", "message": "This value should be between 1 and 1000."}]),
    ("limit=-1", [{"property": "limit", "message": "This value should be between 1 and 1000."}]),
    ("limit=1001", [{"property": "limit", "message": "This value should be between 1 and 1000."}]),
    ("limit=abc", [{"property": "limit", "message": "This value should be between 1 and 1000."}]),
    ("search_after=hat-1", [{"property": "search_after", "message": "This is not a valid UUID."}]),
    ("updated_after=2024-01-01T10:00:00", [{"property": "updated_after", "message": "ISO 8601 format is required."}]),
    ("updated_after=2024-01-01T10:00:00.5Z", [{"property": "updated_after", "message": "ISO 8601 format is required."}]),
    ("updated_before=2024-13-01", [{"property": "updated_before", "message": "ISO 8601 format is required."}]),
    ("updated_before=yesterday&limit=0", [{"property": "limit", "message": "This value should be between 1 and 1000."},
                                          {"property": "updated_before", "message": "ISO 8601 format is required."}]),
])
def test_invalid_parameters_answer_422(shop, query, errors):
    configure(shop.catalog)
    for suffix in ("product-uuids", "products"):
        answer = shop.get(f"{URL}/{shop.catalog}/{suffix}?{query}")
        assert (answer.status_code, answer.get_json()) == (422, {"code": 422, "message": "Validation failed.",
                                                                 "errors": errors}), suffix


@pytest.mark.parametrize("query", ["search_after[]=x", "updated_after[0]=2024-01-01", "updated_before[]=x"])
def test_array_parameters_answer_400(shop, query):
    configure(shop.catalog)
    answer = shop.get(f"{URL}/{shop.catalog}/products?{query}")
    assert answer.status_code == 400


def test_limit_1000_is_accepted(shop):
    configure(shop.catalog)
    assert len(items(shop.get(f"{URL}/{shop.catalog}/product-uuids?limit=1000"))) == 5


def test_products_carry_exactly_the_reference_keys(shop):
    configure(shop.catalog)
    page = items(shop.get(f"{URL}/{shop.catalog}/products"))
    assert [item["uuid"] for item in page] == enabled_uuids()
    item = page[0]
    assert list(item) == KEYS
    assert item["family"] == "hats" and item["groups"] == [] and item["parent"] is None
    assert item["values"]["price"] == PRICES_READ
    assert item["created"].endswith("+00:00") and item["updated"].endswith("+00:00")
    one = shop.get(f"{URL}/{shop.catalog}/products/{item['uuid']}")
    assert (one.status_code, one.get_json()) == (200, item)


def test_an_empty_values_document_is_an_object(shop, conn):
    configure(shop.catalog)
    with write_txn():
        Product.update(values={}).where(Product.identifier == "hat-1").execute()
    answer = shop.get(f"{URL}/{shop.catalog}/products/{uuid_of('hat-1')}")
    assert b'"values":{}' in answer.get_data().replace(b" ", b"")


def test_value_filters_shape_products_only(shop):
    configure(shop.catalog, product_value_filters={"channels": ["ecommerce"], "locales": ["en_US"],
                                                   "currencies": ["EUR"]})
    uuid_1 = uuid_of("hat-1")
    expected = {
        "cost_price": [{"locale": None, "scope": None, "data": []}],  # emptied prices stay
        "description": [{"locale": "en_US", "scope": "ecommerce", "data": "ecommerce en_US"}],
        "erp_name": VALUES["erp_name"],
        "name": [{"locale": "en_US", "scope": None, "data": "Hat"}],
        "price": [{"locale": None, "scope": None, "data": [{"amount": "27.50", "currency": "EUR"}]}],
        "sku": [{"locale": None, "scope": None, "data": "hat-1"}],
    }
    listed = next(item for item in items(shop.get(f"{URL}/{shop.catalog}/products")) if item["uuid"] == uuid_1)
    assert listed["values"] == expected
    assert shop.get(f"{URL}/{shop.catalog}/products/{uuid_1}").get_json()["values"] == expected
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == enabled_uuids()


def test_a_filtered_out_attribute_remains_as_an_empty_list(shop):
    configure(shop.catalog, product_value_filters={"channels": ["mobile"], "locales": ["de_DE"]})
    values = shop.get(f"{URL}/{shop.catalog}/products/{uuid_of('hat-1')}").get_json()["values"]
    assert values["description"] == [] and values["name"] == []
    assert values["price"] == PRICES_READ


def test_one_product_outside_the_selection_is_not_found(shop):
    configure(shop.catalog)
    catalog = shop.catalog
    off = uuid_of("hat-off")
    answer = shop.get(f"{URL}/{catalog}/products/{off}")
    assert (answer.status_code, answer.get_json()) == (404, {"code": 404, "message": EITHER.format(catalog, off)})
    unknown = str(uuid.uuid4())
    assert shop.get(f"{URL}/{catalog}/products/{unknown}").get_json()["message"] == EITHER.format(catalog, unknown)


def test_one_product_of_an_unknown_catalog_or_of_another_apps(shop, seeded_app, client):
    hat = uuid_of("hat-1")
    for catalog_id in ("12351d98-200e-4bbc-aa19-7fdda1bd14f2", "not-a-uuid"):
        answer = shop.get(f"{URL}/{catalog_id}/products/{hat}")
        assert (answer.status_code, answer.get_json()["message"]) == (404, EITHER.format(catalog_id, hat))
    other = connected_app(seeded_app, client, name="Other App")
    answer = other.get(f"{URL}/{shop.catalog}/products/{hat}")
    assert (answer.status_code, answer.get_json()["message"]) == (
        404, f'Catalog "{shop.catalog}" does not exist or you can\'t access it.')
    for suffix in ("product-uuids", "products", "product-identifiers"):
        answer = other.get(f"{URL}/{shop.catalog}/{suffix}")
        assert (answer.status_code, answer.get_json()["message"]) == (
            404, f'Catalog "{shop.catalog}" does not exist or you can\'t access it.')


def test_one_product_with_a_non_uuid_answers_422(shop):
    configure(shop.catalog)
    answer = shop.get(f"{URL}/{shop.catalog}/products/hat-1")
    assert (answer.status_code, answer.get_json()) == (422, {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "product_uuid", "message": "This is not a valid UUID."}]})


def test_product_identifiers_page_by_uuid_and_ignore_the_dates(shop):
    configure(shop.catalog)
    by_uuid = sorted((uuid_of(i), i) for i, (enabled, *_rest) in PRODUCTS.items() if enabled)
    answer = shop.get(f"{URL}/{shop.catalog}/product-identifiers?limit=2&updated_after=2030-01-01T00:00:00Z")
    base = f"http://localhost{URL}/{shop.catalog}/product-identifiers"
    assert items(answer) == [identifier for _uuid, identifier in by_uuid[:2]]
    assert answer.get_json()["_links"] == {
        "self": {"href": f"{base}?limit=2"}, "first": {"href": f"{base}?limit=2"},
        "next": {"href": f"{base}?search_after={by_uuid[1][0]}&limit=2"}}
    rest = shop.get(f"{URL}/{shop.catalog}/product-identifiers?search_after={by_uuid[1][0]}")
    assert items(rest) == [identifier for _uuid, identifier in by_uuid[2:]]


def test_criteria_that_no_longer_hold_answer_the_disabled_payload(shop):
    configure(shop.catalog, product_selection_criteria=[
        {"field": "deleted_attribute", "operator": "EMPTY", "value": None, "scope": None, "locale": None}])
    answer = shop.get(f"{URL}/{shop.catalog}/product-uuids")
    assert (answer.status_code, answer.get_json()) == (200, {"error": LIST_DISABLED.format(shop.catalog)})


def test_an_app_without_read_products_or_read_catalogs_is_refused(seeded_app, client, shop):
    hat = uuid_of("hat-1")
    no_products = connected_app(seeded_app, client, ("read_catalogs", "write_catalogs"), name="No products")
    no_catalogs = connected_app(seeded_app, client, ("read_products",), name="No catalogs")
    catalog = no_products.post(URL, json={"name": "Mine"}).get_json()["id"]
    configure(catalog)
    for suffix in ("product-uuids", "products", "product-identifiers", f"products/{hat}"):
        answer = no_products.get(f"{URL}/{catalog}/{suffix}")
        assert (answer.status_code, answer.get_json()) == (
            403, {"code": 403, "message": "Access forbidden. You are not allowed to access products."}), suffix
        answer = no_catalogs.get(f"{URL}/{catalog}/{suffix}")
        assert (answer.status_code, answer.get_json()) == (
            403, {"code": 403, "message": "Access forbidden. You are not allowed to access app catalogs."}), suffix


def test_ee_permissions_of_the_apps_user_apply(shop, seeded_app):
    """The app views the master tree only, en_US only, and the ecommerce group only: print products
    are out of the selection, other values hidden — on every product endpoint."""
    assert seeded_app.config["PIM_EDITION"] == "ee"
    grant(seeded_app, shop, category=_levels(view=["master"]), locale=_levels(view=["en_US"]),
          attribute_group=_levels(view=["ecommerce"]))
    configure(shop.catalog, product_selection_criteria=[])
    visible = sorted(uuid_of(i) for i in ("hat-1", "hat-3", "hat-4", "hat-5", "hat-off"))  # hat-4: one tree suffices
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == visible
    assert len(items(shop.get(f"{URL}/{shop.catalog}/product-identifiers"))) == len(visible)
    page = items(shop.get(f"{URL}/{shop.catalog}/products"))
    assert [item["uuid"] for item in page] == visible
    hat_4 = next(item for item in page if item["uuid"] == uuid_of("hat-4"))
    assert hat_4["categories"] == ["master_hats"]
    assert sorted(hat_4["values"]) == ["description", "name", "price"]  # erp_name, cost_price: ERP group
    assert hat_4["values"]["name"] == [{"locale": "en_US", "scope": None, "data": "Hat"}]
    hidden = uuid_of("hat-2")
    answer = shop.get(f"{URL}/{shop.catalog}/products/{hidden}")
    assert (answer.status_code, answer.get_json()["message"]) == (404, EITHER.format(shop.catalog, hidden))


def test_in_ce_nothing_is_restricted(shop, seeded_app):
    seeded_app.config["PIM_EDITION"] = "ce"
    grant(seeded_app, shop, category=_levels(view=["master"]), locale=_levels(view=["en_US"]),
          attribute_group=_levels(view=["ecommerce"]))
    configure(shop.catalog)
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == enabled_uuids()


def test_selection_condition_takes_unsaved_criteria(shop):
    """The editor's preview asks with its unsaved criteria, for the app user's Access."""
    from pimconnect import permissions
    from pimconnect.models import User
    from pimconnect.services.access.access import Access
    from pimconnect.services.catalogs.products import selection_condition

    catalog = Catalog.get_by_id(shop.catalog)
    user = User.get_by_id(shop.user_id)
    access = Access.of(user, permissions.user_permissions(user), enforce_grants=True)
    unsaved = [{"field": "categories", "operator": "IN", "value": ["print_traditional"]}]
    selected = Product.select(Product.uuid).where(selection_condition(access, catalog, unsaved))
    assert sorted(str(u) for (u,) in selected.tuples()) == sorted(uuid_of(i) for i in ("hat-2", "hat-4"))
    stored = Product.select(Product.uuid).where(selection_condition(access, catalog))
    assert sorted(str(u) for (u,) in stored.tuples()) == enabled_uuids()


@pytest.mark.parametrize("suffix", ["product-uuids", "products", "product-identifiers"])
def test_a_page_costs_the_same_statements_whatever_its_size_and_reads_the_products_once(shop, suffix):
    """One statement reads the page's products (keyset: uuid > after, LIMIT); the page's size adds none."""
    from tests.test_api_attributes import counted_queries

    configure(shop.catalog, product_selection_criteria=[
        {"field": "enabled", "operator": "=", "value": True},
        {"field": "family", "operator": "IN", "value": ["hats"]}])
    counts = []
    for limit in (1, 5):
        shop.get(f"{URL}/{shop.catalog}/{suffix}?limit={limit}")  # warm: compiled statements are cached
        with counted_queries() as statements:
            assert len(items(shop.get(f"{URL}/{shop.catalog}/{suffix}?limit={limit}"))) == limit
        reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")
                 and 'FROM "product" AS "t1"' in sql and "LIMIT" in sql and "COUNT" not in sql.upper()]
        assert len(reads) == 1, reads
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_required_mapping_targets_shrink_every_product_endpoint(shop, api):
    """§7.6: a product whose source of a required target is empty is in no product endpoint."""
    answer = api.patch("/api/rest/v1/products/hat-5", json={
        "values": {"erp_name": [{"locale": None, "scope": None, "data": None}]}})  # null data removes it
    assert answer.status_code == 204, answer.get_json()
    configure(shop.catalog, product_mapping_schema={
        "$schema": "https://api.akeneo.com/mapping/product/1.0.3/schema", "type": "object",
        "properties": {"uuid": {"type": "string"}, "erp": {"type": "string"}}, "required": ["uuid", "erp"]},
        product_mapping={"uuid": {"source": "uuid", "scope": None, "locale": None},
                         "erp": {"source": "erp_name", "scope": None, "locale": None}})
    hat_5 = uuid_of("hat-5")
    expected = [u for u in enabled_uuids() if u != hat_5]
    assert items(shop.get(f"{URL}/{shop.catalog}/product-uuids")) == expected
    assert [i["uuid"] for i in items(shop.get(f"{URL}/{shop.catalog}/products"))] == expected
    assert len(items(shop.get(f"{URL}/{shop.catalog}/product-identifiers"))) == len(expected)
    assert shop.get(f"{URL}/{shop.catalog}/products/{hat_5}").status_code == 404
