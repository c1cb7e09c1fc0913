"""Product mapping of the catalogs for apps (catalogs-for-apps.md §3.7, §3.8, §7): the schema endpoints
with every message, the mapping they keep in step, mapped products with each source kind, required
targets filtering the selection, and the mapping's validation messages — with real connected apps."""
import copy

import json

import pytest

from pimconnect.db import write_txn
from pimconnect.models import Catalog, ConnectedApp
from pimconnect.services import catalogs
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api

V1 = "/api/rest/v1"
SCHEMA_URL = "https://api.akeneo.com/mapping/product/{}/schema"
ALL_SCOPES = ["read_products", "read_catalogs", "write_catalogs", "delete_catalogs"]
PRICE = {"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
         "required": ["amount", "currency"]}
SCHEMA = {
    "$id": "https://app.example/mapping/product.json",
    "$schema": SCHEMA_URL.format("0.1.0"),
    "$comment": "The shop's product", "title": "Shop product", "description": "Products as the shop keeps them",
    "type": "object",
    "properties": {
        "uuid": {"type": "string"},
        "title": {"type": "string", "title": "Name", "maxLength": 255},
        "body": {"type": "string"},
        "erp": {"type": "string"},
        "weight": {"type": "number", "minimum": 0},
        "price": {"type": "number"},
        "usd": PRICE,
        "prices": {"type": "array", "items": PRICE},
        "color": {"type": "string"},
        "color_fr": {"type": "string"},
        "seasons": {"type": "string"},
        "season_list": {"type": "array", "items": {"type": "string"}},
        "released": {"type": "string", "format": "date-time"},
        "family": {"type": "string"},
        "categories": {"type": "string"},
        "category_list": {"type": "array", "items": {"type": "string"}},
        "waterproof": {"type": "boolean"},
        "stock": {"type": "number"},
        "stock_text": {"type": "string"},
        "enabled": {"type": "boolean"},
    },
    "required": ["uuid"],
}


def _source(source, scope=None, locale=None, **parameters):
    association = {"source": source, "scope": scope, "locale": locale}
    if parameters:
        association["parameters"] = parameters
    return association


MAPPING = {
    "uuid": _source("uuid"),
    "title": _source("name", locale="en_US"),
    "body": _source("description", "ecommerce", "en_US"),
    "erp": _source("erp_name"),
    "weight": _source("weight", unit="GRAM"),
    "price": _source("price", currency="EUR"),
    "usd": _source("price", currency="USD"),
    "prices": _source("price", currency="EUR"),
    "color": _source("color", label_locale="en_US"),
    "color_fr": _source("color", label_locale="fr_FR"),
    "seasons": _source("seasons", label_locale="en_US"),
    "season_list": _source("seasons", label_locale="en_US"),
    "released": _source("release_date"),
    "family": _source("family", label_locale="fr_FR"),
    "categories": _source("categories", label_locale="en_US"),
    "category_list": _source("categories", label_locale="de_DE"),
    "waterproof": _source("waterproof"),
    "stock": _source("stock_quantity"),
    "stock_text": _source("stock_quantity"),
    "enabled": _source("status"),
}
SHIRT = {"identifier": "shirt-1", "family": "clothing", "categories": ["master_shirts", "ecommerce_sale"], "values": {
    "name": [{"locale": "en_US", "scope": None, "data": "Linen shirt"}],
    "description": [{"locale": "en_US", "scope": "ecommerce", "data": "A light shirt."},
                    {"locale": "en_US", "scope": "print", "data": "Printed text."}],
    "erp_name": [{"locale": None, "scope": None, "data": "SHIRT-ERP"}],
    "weight": [{"locale": None, "scope": None, "data": {"amount": "2.5", "unit": "KILOGRAM"}}],
    "price": [{"locale": None, "scope": None, "data": [{"amount": "49.00", "currency": "EUR"},
                                                      {"amount": "55.50", "currency": "USD"}]}],
    "color": [{"locale": None, "scope": None, "data": "blue"}],
    "seasons": [{"locale": None, "scope": None, "data": ["spring", "summer"]}],
    "release_date": [{"locale": None, "scope": None, "data": "2026-03-01T00:00:00+00:00"}],
}}
HAT = {"identifier": "hat-1", "family": "hats", "values": {
    "name": [{"locale": "en_US", "scope": None, "data": "Straw hat"}],
    "waterproof": [{"locale": None, "scope": None, "data": False}],
    "weight": [{"locale": None, "scope": None, "data": {"amount": "120.5", "unit": "GRAM"}}],
}}
KETTLE = {"identifier": "kettle-1", "family": "kitchenware", "enabled": False, "values": {
    "stock_quantity": [{"locale": None, "scope": None, "data": 12}],
}}


def _everything(kind):
    return {level: {"all": True, "identifiers": []} for level in ("own", "edit", "view")} if kind == "category" \
        else {level: {"all": True, "identifiers": []} for level in ("edit", "view")}


def connect_app(seeded_app, client, scopes=ALL_SCOPES, name="Shop app"):
    """A connected app with ``scopes`` that may see everything (EE); returns (Api, its API user)."""
    app_id, _ = register_listing(seeded_app, name)
    connect_code(seeded_app, app_id, scopes)
    with seeded_app.app_context():
        connected = ConnectedApp.get_by_id(app_id)
        group_permissions.save(connected.user_group_id, {
            kind: _everything(kind) for kind in ("category", "locale", "attribute_group")})
        user = connected.connection.user
    api = Api(client, app_token(seeded_app, app_id))
    api.app_id = app_id
    return api, user


def new_catalog(app, owner, enabled=True, criteria=None, schema=None, mapping=None):
    with app.app_context(), write_txn():
        catalog = catalogs.create(owner, "Store")
        catalog.enabled = enabled
        if criteria is not None:
            catalog.product_selection_criteria = criteria
        catalog.product_mapping_schema = schema
        catalog.product_mapping = mapping or {}
        catalog.save()
        return catalog.id


def stored(app, catalog_id):
    with app.app_context():
        return Catalog.get_by_id(catalog_id)


@pytest.fixture
def shop(seeded_app, client):
    api, user = connect_app(seeded_app, client)
    api.user = user
    api.catalog = new_catalog(seeded_app, user)
    return api


def put_schema(api, catalog_id, schema, **kwargs):
    return api.client.put(f"{V1}/catalogs/{catalog_id}/mapping-schemas/product", json=schema,
                          headers={"Authorization": f"Bearer {api.token}", **kwargs.pop("headers", {})}, **kwargs)


def schema_path(api):
    return f"{V1}/catalogs/{api.catalog}/mapping-schemas/product"


def _message(answer):
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert body["message"] == "Validation failed."
    assert [e["property"] for e in body["errors"]] == ["product_mapping_schema"]
    return body["errors"][0]["message"]


def _with(**changes):
    schema = copy.deepcopy(SCHEMA)
    for key, value in changes.items():
        if value is None:
            schema.pop(key, None)
        else:
            schema[key] = value
    return schema


def _target(**target):
    return _with(properties={"uuid": {"type": "string"}, "x": target})


# --- PUT: the schema's validation (§7.1, C3, C4) ----------------------------------------------

def test_put_without_schema_reference(shop):
    assert _message(put_schema(shop, shop.catalog, _with(**{"$schema": None}))) == \
        "You must provide a $schema reference."


@pytest.mark.parametrize("reference", [
    "https://api.akeneo.com/mapping/product/9.9.9/schema", "https://api.akeneo.com/mapping/product/0.0.14/schema",
    "https://api.akeneo.com/mapping/product/1.0.5/schema", "https://example.com/schema", 42, None])
def test_put_with_an_unknown_schema_reference(shop, reference):
    assert _message(put_schema(shop, shop.catalog, {**SCHEMA, "$schema": reference})) == \
        "You must provide a valid $schema reference."


@pytest.mark.parametrize("version", [f"0.0.{n}" for n in range(1, 14)] + ["0.1.0", "0.2.0", "0.3.0"]
                         + [f"1.0.{n}" for n in range(5)])
def test_every_published_version_is_accepted(shop, version):
    schema = _with(**{"$schema": SCHEMA_URL.format(version)})
    if version.startswith("0.0."):  # price objects came with 0.1.0
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in ("usd", "prices")}
    answer = put_schema(shop, shop.catalog, schema)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == schema


INVALID = {
    "unknown top-level key": _with(variants={"type": "array"}),
    "variants mode": _with(properties={"uuid": {"type": "string"}, "code": {"type": "string"},
                                       "variants": {"type": "array", "items": {"type": "object"}}}),
    "type not object": _with(type="array"),
    "title not a string": _with(title=3),
    "no properties": _with(properties=None),
    "properties not an object": _with(properties=["uuid"]),
    "no uuid target": _with(properties={"name": {"type": "string"}}),
    "uuid not a string": _with(properties={"uuid": {"type": "number"}}),
    "uuid with constraints": _with(properties={"uuid": {"type": "string", "maxLength": 36}}),
    "empty required": _with(required=[]),
    "duplicate required": _with(required=["uuid", "uuid"]),
    "required not strings": _with(required=[1]),
    "target without type": _target(title="X"),
    "unknown type": _target(type="integer"),
    "unknown keyword": _target(type="string", default="x"),
    "format on a number": _target(type="number", format="uri"),
    "unknown format": _target(type="string", format="email"),
    "minLength negative": _target(type="string", minLength=-1),
    "maxLength on a number": _target(type="number", maxLength=3),
    "minimum on a string": _target(type="string", minimum=0),
    "minimum not a number": _target(type="number", minimum="0"),
    "string enum of numbers": _target(type="string", enum=[1, 2]),
    "number enum of strings": _target(type="number", enum=["a"]),
    "array without items": _target(type="array"),
    "array of numbers": _target(type="array", items={"type": "number"}),
    "items on a string": _target(type="string", items={"type": "string"}),
    "array items with date format": _target(type="array", items={"type": "string", "format": "date-time"}),
    "object without properties": _target(type="object"),
    "object that is no price": _target(type="object", properties={"amount": {"type": "number"}},
                                       required=["amount"]),
    "localized target": _target(type="object", properties={"locale": {"type": "string"},
                                                           "value": {"type": "string"}},
                                required=["locale", "value"]),
    "measurement object": _target(type="object", properties={"value": {"type": "number"},
                                                             "unit": {"type": "string"}}, required=["value", "unit"]),
    "price object in 0.0.13": {**_target(type="object", **{k: PRICE[k] for k in ("properties", "required")}),
                               "$schema": SCHEMA_URL.format("0.0.13")},
    "1.0.x without type": {**_with(type=None), "$schema": SCHEMA_URL.format("1.0.3")},
    "id with a fragment": _with(**{"$id": "https://app.example/schema#part"}),
    "id with two hashes": _with(**{"$id": "https://app.example/schema##"}),
    "pattern that is no regex": _target(type="string", pattern="[a-"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_put_refuses_what_the_meta_schema_refuses(shop, case):
    assert _message(put_schema(shop, shop.catalog, INVALID[case])) == "You must provide a valid schema."


def test_up_to_600_targets(shop):
    targets = {"uuid": {"type": "string"}, **{f"t{n}": {"type": "string"} for n in range(599)}}
    assert put_schema(shop, shop.catalog, _with(properties=targets)).status_code == 200
    targets["t599"] = {"type": "string"}
    assert _message(put_schema(shop, shop.catalog, _with(properties=targets))) == "You must provide a valid schema."


def test_put_invalid_json_and_content_types(shop):
    headers = {"Authorization": f"Bearer {shop.token}"}
    path = schema_path(shop)
    answer = shop.client.put(path, data="{nope", content_type="application/json", headers=headers)
    assert (answer.status_code, answer.get_json()) == (400, {"code": 400, "message": "Invalid json message received"})
    answer = shop.client.put(path, data="[1]", content_type="application/json", headers=headers)
    assert answer.get_json()["errors"][0]["message"] == "You must provide a $schema reference."
    answer = shop.client.put(path, data="{}", content_type="text/plain", headers=headers)
    assert answer.status_code == 415
    import json

    answer = shop.client.put(path, data=json.dumps(SCHEMA), headers=headers)  # C2: no Content-Type at all
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == SCHEMA


# --- PUT keeps the mapping in step; GET, DELETE (§3.7, C9) -------------------------------------

def test_put_keeps_adds_and_drops_targets(shop, seeded_app):
    mapping = {"uuid": _source("uuid"), "title": _source("name", locale="en_US"), "gone": _source("erp_name")}
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_mapping=mapping, enabled=False).where(Catalog.id == shop.catalog).execute()
    schema = _with(properties={"uuid": {"type": "string"}, "title": {"type": "string"}, "fresh": {"type": "number"}})
    answer = put_schema(shop, shop.catalog, schema)
    assert answer.status_code == 200
    catalog = stored(seeded_app, shop.catalog)
    assert catalog.product_mapping == {"uuid": _source("uuid"), "title": _source("name", locale="en_US"),
                                       "fresh": _source(None)}
    assert catalog.enabled is False
    assert catalog.product_mapping_schema == schema


def test_new_schema_maps_uuid_itself(shop, seeded_app):
    assert put_schema(shop, shop.catalog, _with(properties={"uuid": {"type": "string"}})).status_code == 200
    assert stored(seeded_app, shop.catalog).product_mapping == {"uuid": _source("uuid")}
    assert stored(seeded_app, shop.catalog).enabled is True


def test_get_schema(shop):
    answer = shop.get(schema_path(shop))
    assert (answer.status_code, answer.get_json()) == (404, {
        "code": 404, "message": f'Catalog "{shop.catalog}" does not have a product mapping schema.'})
    put_schema(shop, shop.catalog, SCHEMA)
    answer = shop.get(schema_path(shop))
    assert (answer.status_code, answer.get_json()) == (200, SCHEMA)


def test_the_schema_keeps_the_order_the_app_sent(shop):
    """The targets come back in the app's order on both databases (PostgreSQL's jsonb would sort them)."""
    order = ["uuid", "zeta_name", "a_description", "mm_price", "b"]
    schema = {"$schema": SCHEMA_URL.format("1.0.3"), "type": "object",
              "properties": {code: {"type": "number" if code == "mm_price" else "string"} for code in order},
              "required": ["uuid"]}
    assert put_schema(shop, shop.catalog, schema).status_code == 200
    raw = json.loads(shop.get(schema_path(shop)).get_data(as_text=True))
    assert list(raw["properties"]) == order and list(raw) == ["$schema", "type", "properties", "required"]


def test_delete_schema_answers_204_with_or_without_one(shop, seeded_app):
    answer = shop.delete(schema_path(shop))
    assert (answer.status_code, answer.data) == (204, b"")
    put_schema(shop, shop.catalog, SCHEMA)
    assert shop.delete(schema_path(shop)).status_code == 204
    catalog = stored(seeded_app, shop.catalog)
    assert (catalog.product_mapping_schema, catalog.product_mapping, catalog.enabled) == (None, {}, True)
    assert shop.get(schema_path(shop)).status_code == 404


def test_schema_endpoints_on_another_apps_or_unknown_catalog(shop, seeded_app, client):
    other, owner = connect_app(seeded_app, client, name="Other app")
    theirs = new_catalog(seeded_app, owner)
    for catalog_id in (theirs, "0b0b0b0b-0000-4000-8000-000000000000", "not-a-uuid"):
        path = f"{V1}/catalogs/{catalog_id}/mapping-schemas/product"
        expected = {"code": 404, "message": f'Catalog "{catalog_id}" does not exist or you can\'t access it.'}
        for answer in (shop.get(path), shop.delete(path), put_schema(shop, catalog_id, SCHEMA),
                       shop.get(f"{V1}/catalogs/{catalog_id}/mapped-products")):
            assert (answer.status_code, answer.get_json()) == (404, expected)


def test_acl_refusals(seeded_app, client):
    reader, user = connect_app(seeded_app, client, ["read_catalogs"], name="Reader")
    catalog_id = new_catalog(seeded_app, user)
    path = f"{V1}/catalogs/{catalog_id}/mapping-schemas/product"
    edit = "Access forbidden. You are not allowed to edit app catalogs."
    assert put_schema(reader, catalog_id, SCHEMA).get_json() == {"code": 403, "message": edit}
    assert reader.delete(path).get_json() == {"code": 403, "message": edit}
    assert reader.get(path).status_code == 404  # reading is allowed
    products = "Access forbidden. You are not allowed to access products."
    for sub in ("mapped-products", f"mapped-products/{catalog_id}"):
        answer = reader.get(f"{V1}/catalogs/{catalog_id}/{sub}")
        assert (answer.status_code, answer.get_json()["message"]) == (403, products)
    outsider, _ = connect_app(seeded_app, client, ["read_products"], name="Outsider")
    access = "Access forbidden. You are not allowed to access app catalogs."
    for answer in (outsider.get(path), outsider.get(f"{V1}/catalogs/{catalog_id}/mapped-products")):
        assert (answer.status_code, answer.get_json()["message"]) == (403, access)


def test_writer_may_delete_the_schema_without_the_delete_scope(seeded_app, client):
    writer, user = connect_app(seeded_app, client, ["write_catalogs"], name="Writer")
    catalog_id = new_catalog(seeded_app, user)
    assert put_schema(writer, catalog_id, SCHEMA).status_code == 200
    assert writer.delete(f"{V1}/catalogs/{catalog_id}/mapping-schemas/product").status_code == 204


def test_no_token(client):
    answer = client.get(f"{V1}/catalogs/x/mapping-schemas/product")
    assert (answer.status_code, answer.get_json()["message"]) == (401, "Authentication is required")
