"""Mapped products of the catalogs for apps (catalogs-for-apps.md §3.8, §6.2, §7.4–§7.6): the output of
each source kind, the page and its parameters, the disabled and no-schema payloads, required targets
filtering the selection, and the mapping's validation messages."""
import pytest

from pimconnect.db import write_txn
from pimconnect.models import AttributeOption, Catalog, Product
from pimconnect.services.catalogs.mapping import mapping_problems, required_targets_condition
from tests.test_api_catalog_mapping import HAT as _HAT
from tests.test_api_catalog_mapping import KETTLE, MAPPING, SCHEMA, SHIRT, V1, _source, connect_app, new_catalog

# The mapping tests' products; this module's hat also has a colour.
HAT = {**_HAT, "values": {**_HAT["values"], "color": [{"locale": None, "scope": None, "data": "beige"}]}}
ALL = []  # no criteria: every product


@pytest.fixture
def uuids(api, seeded_app):
    for product in (SHIRT, HAT, KETTLE):
        answer = api.patch(f"{V1}/products/{product['identifier']}", json=product)
        assert answer.status_code == 201, answer.get_json()
    with seeded_app.app_context(), write_txn():
        AttributeOption.update(labels={}).where(AttributeOption.code == "beige").execute()  # → "[beige]"
        return {p.identifier: str(p.uuid) for p in Product.select()}


@pytest.fixture
def shop(seeded_app, client, uuids):
    api, user = connect_app(seeded_app, client)
    api.user = user
    api.catalog = new_catalog(seeded_app, user, criteria=ALL, schema=SCHEMA, mapping=MAPPING)
    api.uuids = uuids
    return api


def mapped(api, catalog_id=None, query=""):
    answer = api.get(f"{V1}/catalogs/{catalog_id or api.catalog}/mapped-products{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def items(api, catalog_id=None, query=""):
    return {item["uuid"]: item for item in mapped(api, catalog_id, query)["_embedded"]["items"]}


def test_each_source_kind_is_mapped(shop):
    found = items(shop)
    assert found[shop.uuids["shirt-1"]] == {
        "uuid": shop.uuids["shirt-1"],
        "title": "Linen shirt",
        "body": "A light shirt.",
        "erp": "SHIRT-ERP",
        "weight": 2500,  # 2.5 KILOGRAM in GRAM, an integer when whole
        "price": 49,
        "usd": {"amount": 55.5, "currency": "USD"},
        "prices": [{"amount": 49, "currency": "EUR"}, {"amount": 55.5, "currency": "USD"}],
        "color": "Blue",
        "color_fr": "[blue]",  # no fr_FR label: the code in brackets
        "seasons": "Spring, Summer",
        "season_list": ["Spring", "Summer"],
        "released": "2026-03-01T00:00:00+00:00",
        "family": "[clothing]",  # the seeded family has no fr_FR label
        "categories": "Sale, Shirts",  # in the product's category order (by code)
        "category_list": ["Ausverkauf", "Hemden"],
        "enabled": True,
    }
    assert list(found[shop.uuids["shirt-1"]])[0] == "uuid"


def test_empty_values_are_omitted_and_false_is_kept(shop):
    hat = items(shop)[shop.uuids["hat-1"]]
    assert hat == {"uuid": shop.uuids["hat-1"], "title": "Straw hat", "weight": 120.5, "color": "[beige]",
                   "color_fr": "[beige]", "family": "[hats]", "waterproof": False, "enabled": True}
    kettle = items(shop)[shop.uuids["kettle-1"]]
    assert kettle == {"uuid": shop.uuids["kettle-1"], "family": "[kitchenware]", "stock": 12,
                      "stock_text": "12", "enabled": False}


def test_family_label_falls_back_to_the_code(shop, seeded_app):
    from pimconnect.models import Family

    with seeded_app.app_context(), write_txn():
        Family.update(labels={"fr_FR": "Vêtements"}).where(Family.code == "clothing").execute()
        Family.update(labels={}).where(Family.code == "hats").execute()
    found = items(shop)
    assert found[shop.uuids["shirt-1"]]["family"] == "Vêtements"
    assert found[shop.uuids["hat-1"]]["family"] == "[hats]"


def test_measurement_into_another_unit(shop, seeded_app):
    mapping = {**MAPPING, "weight": _source("weight", unit="POUND")}
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_mapping=mapping).where(Catalog.id == shop.catalog).execute()
    found = items(shop)
    assert found[shop.uuids["shirt-1"]]["weight"] == pytest.approx(2.5 / 0.45359237, rel=1e-12)
    assert found[shop.uuids["hat-1"]]["weight"] == pytest.approx(0.1205 / 0.45359237, rel=1e-12)


def test_one_mapped_product(shop):
    uuid = shop.uuids["hat-1"]
    answer = shop.get(f"{V1}/catalogs/{shop.catalog}/mapped-products/{uuid}")
    assert answer.status_code == 200
    assert answer.get_json() == items(shop)[uuid]


def test_one_mapped_product_outside_the_selection(shop, seeded_app, client):
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_selection_criteria=[{"field": "enabled", "operator": "=", "value": True}]).where(
            Catalog.id == shop.catalog).execute()
    for catalog_id, uuid in ((shop.catalog, shop.uuids["kettle-1"]), (shop.catalog, "nope"),
                             ("0b0b0b0b-0000-4000-8000-000000000000", shop.uuids["hat-1"]),
                             ("not-a-uuid", shop.uuids["hat-1"])):
        answer = shop.get(f"{V1}/catalogs/{catalog_id}/mapped-products/{uuid}")
        assert answer.status_code == 404
        assert answer.get_json()["message"] == (
            f'Either catalog "{catalog_id}" does not exist or you can\'t access it, or product "{uuid}" does not '
            'exist or you do not have permission to access it.')
    other, owner = connect_app(seeded_app, client, name="Other app")
    theirs = new_catalog(seeded_app, owner)
    answer = shop.get(f"{V1}/catalogs/{theirs}/mapped-products/{shop.uuids['hat-1']}")
    assert answer.get_json() == {"code": 404, "message": f'Catalog "{theirs}" does not exist or you can\'t access it.'}


def test_selection_criteria_apply(shop, seeded_app):
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_selection_criteria=[{"field": "enabled", "operator": "=", "value": True}]).where(
            Catalog.id == shop.catalog).execute()
    assert sorted(items(shop)) == sorted([shop.uuids["shirt-1"], shop.uuids["hat-1"]])


def test_required_targets_filter_the_selection(shop, seeded_app):
    schema = {**SCHEMA, "required": ["uuid", "title", "price"]}
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_mapping_schema=schema).where(Catalog.id == shop.catalog).execute()
    assert list(items(shop)) == [shop.uuids["shirt-1"]]  # the hat has no EUR price, the kettle no name
    answer = shop.get(f"{V1}/catalogs/{shop.catalog}/mapped-products/{shop.uuids['hat-1']}")
    assert answer.status_code == 404


def test_required_targets_condition(ctx):
    class Stored:
        product_mapping_schema = {**SCHEMA, "required": ["uuid", "family", "categories", "enabled", "erp"]}
        product_mapping = MAPPING

    assert required_targets_condition(type("NoSchema", (), {"product_mapping_schema": None})) is None
    assert required_targets_condition(type("NoRequired", (), {"product_mapping_schema": SCHEMA,
                                                                "product_mapping": MAPPING})) is None
    assert required_targets_condition(Stored) is not None
    unmapped = type("Unmapped", (), {"product_mapping_schema": {**SCHEMA, "required": ["erp"]},
                                     "product_mapping": {**MAPPING, "erp": _source(None)}})
    assert Product.select().where(required_targets_condition(unmapped)).count() == 0


def test_page_links_and_limit(shop):
    ordered = sorted(shop.uuids.values())
    page = mapped(shop, query="?limit=2")
    assert [i["uuid"] for i in page["_embedded"]["items"]] == ordered[:2]
    base = f"http://localhost{V1}/catalogs/{shop.catalog}/mapped-products"
    assert page["_links"] == {"self": {"href": f"{base}?limit=2"}, "first": {"href": f"{base}?limit=2"},
                              "next": {"href": f"{base}?limit=2&search_after={ordered[1]}"}}
    last = mapped(shop, query=f"?limit=2&search_after={ordered[1]}")
    assert [i["uuid"] for i in last["_embedded"]["items"]] == ordered[2:]
    assert "next" not in last["_links"]
    assert mapped(shop, query="?limit=100")["_links"]["self"]["href"] == f"{base}?limit=100"
    assert mapped(shop)["_links"]["self"]["href"] == f"{base}?limit=100"


@pytest.mark.parametrize("query, prop, message", [
    ("?limit=0", "limit", "This value should be between 1 and 100."),
    ("?limit=101", "limit", "This value should be between 1 and 100."),
    ("?limit=abc", "limit", "This value should be between 1 and 100."),
    ("?search_after=abc", "search_after", "This is not a valid UUID."),
    ("?updated_after=2026-13-01", "updated_after", "ISO 8601 format is required."),
    ("?updated_before=yesterday", "updated_before", "ISO 8601 format is required."),
    ("?updated_after=2026-01-01T00:00:00.5Z", "updated_after", "ISO 8601 format is required."),
])
def test_invalid_parameters(shop, query, prop, message):
    answer = shop.get(f"{V1}/catalogs/{shop.catalog}/mapped-products{query}")
    assert answer.status_code == 422
    assert answer.get_json() == {"code": 422, "message": "Validation failed.",
                                 "errors": [{"property": prop, "message": message}]}


def test_array_parameter_is_a_bad_request(shop):
    assert shop.get(f"{V1}/catalogs/{shop.catalog}/mapped-products?limit[]=1").status_code == 400


def test_updated_filters(shop, seeded_app):
    import datetime

    moments = {"shirt-1": datetime.datetime(2026, 1, 1), "hat-1": datetime.datetime(2026, 2, 1),
               "kettle-1": datetime.datetime(2026, 3, 1)}
    with seeded_app.app_context(), write_txn():
        for identifier, moment in moments.items():
            Product.update(updated=moment).where(Product.identifier == identifier).execute()

    def found(query):
        return sorted(items(shop, query=query)) == sorted(shop.uuids[i] for i in expected)

    expected = ["hat-1", "kettle-1"]
    assert found("?updated_after=2026-01-01T00:00:00Z")  # strict alone
    expected = ["shirt-1", "hat-1"]
    assert found("?updated_before=2026-03-01")  # a bare date is midnight UTC
    expected = ["shirt-1", "hat-1", "kettle-1"]
    assert found("?updated_after=2026-01-01T01:00:00%2B01:00&updated_before=2026-03-01T00:00:00Z")  # inclusive
    expected = ["hat-1"]
    assert found("?updated_after=2026-01-15T00:00:00 00:00&updated_before=2026-02-15T00:00:00-01:00")


def test_disabled_catalog_and_missing_schema_payloads(shop, seeded_app):
    disabled = new_catalog(seeded_app, shop.user, enabled=False, criteria=ALL, schema=SCHEMA, mapping=MAPPING)
    note = " Note that you can get catalogs status with the GET /api/rest/v1/catalogs endpoint."
    assert mapped(shop, disabled) == {"error": f"No products to synchronize. The catalog {disabled} has been "
                                               f"disabled on the PIM side.{note}"}
    answer = shop.get(f"{V1}/catalogs/{disabled}/mapped-products/{shop.uuids['hat-1']}")
    assert answer.get_json() == {"error": f"No product to synchronize. The catalog {disabled} has been disabled "
                                          f"on the PIM side.{note}"}
    bare = new_catalog(seeded_app, shop.user, criteria=ALL)
    assert mapped(shop, bare) == {
        "error": "Impossible to map products: no product mapping schema available for this catalog."}
    answer = shop.get(f"{V1}/catalogs/{bare}/mapped-products/{shop.uuids['hat-1']}")
    assert (answer.status_code, answer.get_json()) == (200, {
        "error": "Impossible to map the product: no product mapping schema available for this catalog."})


# --- the mapping's validation (§7.4) -----------------------------------------------------------

def _problems(mapping, schema=SCHEMA):
    return [(p.path, p.message) for p in mapping_problems(mapping, schema)]


def test_a_complete_valid_mapping_has_no_problem(ctx):
    assert _problems(MAPPING) == []
    assert mapping_problems(MAPPING, None) == []


def test_missing_and_unknown_targets(ctx):
    mapping = {k: v for k, v in MAPPING.items() if k not in ("erp", "body")}
    mapping["extra"] = _source(None)
    assert _problems(mapping) == [
        ("", 'The mapping is incomplete, following targets are missing: "body", "erp".'),
        ("", 'The mapping is incorrect, following targets don\'t exist: "extra".')]


@pytest.mark.parametrize("target, association, path, message", [
    ("title", _source("waterproof"), "[title][source]",
     "The selected source type does not match the requirements: string expected."),
    ("released", _source("name", locale="en_US"), "[released][source]",
     "The selected source type does not match the requirements: string+date-time expected."),
    ("season_list", _source("color", label_locale="en_US"), "[season_list][source]",
     "The selected source type does not match the requirements: array<string> expected."),
    ("title", _source("gone_attribute"), "[title][source]", "This attribute has been deleted."),
    ("title", _source(3), "[title][source]", "Unknown source value"),
    ("erp", _source("erp_name", scope="ecommerce"), "[erp][scope]", "This channel must be empty."),
    ("body", _source("description", None, "en_US"), "[body][scope]", "This channel must not be empty."),
    ("body", _source("description", "web", "en_US"), "[body][scope]",
     "This channel has been deleted. Please check your channel settings or update this value."),
    ("erp", _source("erp_name", locale="en_US"), "[erp][locale]", "This locale must be empty."),
    ("title", _source("name"), "[title][locale]", "This locale must not be empty."),
    ("title", _source("name", locale="es_ES"), "[title][locale]",
     "This locale is disabled or does not exist anymore. Please check your channels and locales settings."),
    ("body", _source("description", "print", "fr_FR"), "[body][locale]",
     "This locale is disabled. Please check your channels and locales settings or update this value."),
    ("price", _source("price", currency="GBP"), "[price][parameters][currency]",
     "This currency is not activated. Please check your channels and currency settings or update this value."),
    ("weight", _source("weight", unit=" "), "[weight][parameters][unit]", "The unit must not be empty."),
    ("weight", _source("weight", unit="METER"), "[weight][parameters][unit]",
     'The unit of the field "weight" does not exist.'),
    ("color", _source("color"), "[color][parameters][label_locale]",
     "This locale is disabled or does not exist anymore. Please check your channels and locales settings."),
])
def test_association_messages(ctx, target, association, path, message):
    assert _problems({**MAPPING, target: association}) == [(path, message)]


def test_required_target_needs_a_source(ctx):
    schema = {**SCHEMA, "required": ["uuid", "erp"]}
    assert _problems({**MAPPING, "erp": _source(None)}, schema) == [("[erp][source]", "The source is required.")]
    assert _problems({**MAPPING, "body": _source(None)}, schema) == []


def test_image_is_its_absolute_download_url(shop, api, seeded_app):
    from tests.test_api_media_files import PNG, upload

    info = {"identifier": "hat-1", "attribute": "picture", "locale": None, "scope": None}
    answer = upload(api, product=info, file=(PNG, "hat.png"))
    assert answer.status_code == 201, answer.get_json()
    code = answer.headers["Location"].split("/media-files/", 1)[1]
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "image": {"type": "string", "format": "uri"}}}
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_mapping_schema=schema, product_mapping={**MAPPING, "image": _source("picture")}).where(
            Catalog.id == shop.catalog).execute()
    found = items(shop)
    assert found[shop.uuids["hat-1"]]["image"] == f"http://localhost{V1}/media-files/{code}/download"
    assert "image" not in found[shop.uuids["shirt-1"]]


def test_restricted_app_gets_no_hidden_value(seeded_app, client, uuids):
    """EE (D8): values of attribute groups and locales the app may not view are not mapped."""
    from pimconnect.models import ConnectedApp
    from pimconnect.services.access import group_permissions

    api, user = connect_app(seeded_app, client, name="Restricted")
    catalog_id = new_catalog(seeded_app, user, criteria=ALL, schema=SCHEMA, mapping=MAPPING)
    everything = {"all": True, "identifiers": []}
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(api.app_id).user_group_id, {
            "category": {"own": everything, "edit": everything, "view": everything},
            "locale": {"edit": {"all": False, "identifiers": ["fr_FR"]},
                       "view": {"all": False, "identifiers": ["fr_FR"]}},
            "attribute_group": {"edit": {"all": False, "identifiers": ["technical", "marketing"]},
                                "view": {"all": False, "identifiers": ["technical", "marketing"]}},
        })
    shirt = items(api, catalog_id)[uuids["shirt-1"]]
    assert "erp" not in shirt and "title" not in shirt and "price" not in shirt  # ERP, ecommerce groups hidden
    assert shirt["weight"] == 2500 and shirt["color"] == "Blue"  # technical, marketing groups viewable


def test_unusable_criteria_answer_the_disabled_payload(shop, seeded_app):
    with seeded_app.app_context(), write_txn():
        Catalog.update(product_selection_criteria=[{"field": "family", "operator": "IN", "value": ["gone"]}]).where(
            Catalog.id == shop.catalog).execute()
    assert mapped(shop)["error"].startswith(f"No products to synchronize. The catalog {shop.catalog} has been")
    answer = shop.get(f"{V1}/catalogs/{shop.catalog}/mapped-products/{shop.uuids['hat-1']}")
    assert answer.get_json()["error"].startswith(f"No product to synchronize. The catalog {shop.catalog} has been")


def test_route_list_names_the_endpoints(client):
    routes = {}
    for route in client.get(V1).get_json()["routes"].values():
        routes.setdefault(route["route"], set()).update(route["methods"])
    assert routes[f"{V1}/catalogs/{{catalog_id}}/mapping-schemas/product"] == {"DELETE", "GET", "PUT"}
    assert routes[f"{V1}/catalogs/{{catalog_id}}/mapped-products"] == {"GET"}
    assert routes[f"{V1}/catalogs/{{catalog_id}}/mapped-products/{{product_uuid}}"] == {"GET"}
