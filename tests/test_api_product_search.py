"""Products ``search`` (§6.5, §8.2) compiled to SQL: product properties and completeness match what
they should and nothing else, every refusal has the reference's status and message (through the
list endpoints too), and no search document produces anything but an ApiError."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimconnect.api import product_search
from pimconnect.api.core import ApiError
from pimconnect.api.product_search import product_filter
from pimconnect.db import db
from pimconnect.services.access.access import Access
from pimconnect.services.demo import seed as demo
from tests.factories import make_product
from tests.product_search_shop import EVERYONE, WITH_FAMILY, criterion, shop, value  # noqa: F401 (fixture)


def test_no_criterion_is_no_condition(shop):
    """An empty search filters nothing."""
    db.initialize(shop.database)
    with db.connection_context():
        assert product_filter(Access.unrestricted(), {}) is None
    assert shop.found({}) == EVERYONE


# --- product properties -----------------------------------------------------------------------

def test_uuid(shop):
    """uuid IN / NOT IN; strings that are no uuid match no product."""
    hat = shop.uuid_of("hat-straw")
    assert shop.found({"uuid": [criterion("IN", [hat, "not-a-uuid"])]}) == ["hat-straw"]
    assert shop.found({"uuid": [criterion("NOT IN", [hat.upper(), "x"])]}) == [i for i in EVERYONE if i != "hat-straw"]
    assert shop.found({"uuid": [criterion("IN", [])]}) == []


@pytest.mark.parametrize("operator, value, expected", [
    ("IN", ["PAN-1", "shirt-a", "nope"], ["pan-1", "shirt-a"]),
    ("NOT IN", ["PAN-1", "shirt-a", "nope"], ["Bag-Leather", "hat-straw", "orphan", "pot-2"]),
    ("=", "BAG-LEATHER", ["Bag-Leather"]),
    ("=", "bag", []),
    ("!=", "pan-1", ["Bag-Leather", "hat-straw", "orphan", "pot-2", "shirt-a"]),
    ("STARTS WITH", "HAT", ["hat-straw"]),
    ("STARTS WITH", "straw", []),
    ("CONTAINS", "AT-ST", ["hat-straw"]),
    ("CONTAINS", "-", ["Bag-Leather", "hat-straw", "pan-1", "pot-2", "shirt-a"]),
    ("DOES NOT CONTAIN", "-", ["orphan"]),
])
def test_identifier_property_and_attribute(shop, operator, value, expected):
    """The identifier (property or identifier attribute) compares case-insensitively, like the reference's
    lower-cased index."""
    assert shop.found({"identifier": [criterion(operator, value)]}) == expected
    assert shop.found({"sku": [criterion(operator, value)]}) == expected


def test_identifier_attribute_empty(shop):
    """Every product has an identifier."""
    assert shop.found({"sku": [criterion("EMPTY")]}) == []
    assert shop.found({"sku": [criterion("NOT EMPTY")]}) == EVERYONE


@pytest.mark.parametrize("operator, codes, expected", [
    ("IN", ["master_hats"], ["hat-straw"]),
    ("IN", ["master"], []),
    ("IN", [], []),
    ("NOT IN", ["master_bags"], ["hat-straw", "orphan", "pan-1", "pot-2", "shirt-a"]),
    ("IN OR UNCLASSIFIED", ["master_bags"], ["Bag-Leather", "orphan", "pan-1"]),
    ("IN CHILDREN", ["master"], ["Bag-Leather", "hat-straw", "pot-2", "shirt-a"]),
    ("IN CHILDREN", ["master_accessories"], ["Bag-Leather", "hat-straw"]),
    ("IN CHILDREN", ["ecommerce", "print"], ["hat-straw"]),
    ("NOT IN CHILDREN", ["master_accessories"], ["orphan", "pan-1", "pot-2", "shirt-a"]),
    ("UNCLASSIFIED", None, ["orphan", "pan-1"]),
])
def test_categories(shop, operator, codes, expected):
    """Categories: direct classification, or the category's subtree for the CHILDREN operators."""
    assert shop.found({"categories": [criterion(operator, codes)]}) == expected


def test_enabled(shop):
    others = [i for i in EVERYONE if i != "Bag-Leather"]
    assert shop.found({"enabled": [criterion("=", True)]}) == others
    assert shop.found({"enabled": [criterion("=", False)]}) == ["Bag-Leather"]
    assert shop.found({"enabled": [criterion("!=", True)]}) == ["Bag-Leather"]
    assert shop.found({"enabled": [criterion("!=", False)]}) == others


def test_family(shop):
    """Family codes compare case-insensitively; NOT IN keeps products without a family."""
    assert shop.found({"family": [criterion("IN", ["hats", "BAGS"])]}) == ["Bag-Leather", "hat-straw"]
    assert shop.found({"family": [criterion("NOT IN", ["hats"])]}) == [i for i in EVERYONE if i != "hat-straw"]
    assert shop.found({"family": [criterion("EMPTY")]}) == ["orphan"]
    assert shop.found({"family": [criterion("NOT EMPTY")]}) == [i for i in EVERYONE if i != "orphan"]


@pytest.mark.parametrize("search, expected", [
    ({"family": [criterion("IN", ["hats", "bags"])]}, ["Bag-Leather", "hat-straw"]),
    ({"family": [criterion("NOT IN", ["hats"])]}, [i for i in EVERYONE if i != "hat-straw"]),
    ({"family": [criterion("EMPTY")]}, ["orphan"]),
    ({"enabled": [criterion("=", False)]}, ["Bag-Leather"]),
    ({"updated": [criterion(">", "2021-01-01 00:00:00")]}, [i for i in EVERYONE if i != "hat-straw"]),
    ({"updated": [criterion("BETWEEN", ["2020-12-31 00:00:00", "2021-01-01 00:00:00"])]}, ["hat-straw"]),
])
def test_broad_conditions_on_product_columns(shop, monkeypatch, search, expected):
    """Past FEW matches, SQLite reads the catalog in uuid order rather than the column's index: same
    matches."""
    monkeypatch.setattr(product_search, "FEW", 0)
    assert shop.found(search) == expected


def test_groups_and_parent(shop):
    """No product is in a group or has a parent (PIM Connect has neither)."""
    assert shop.found({"groups": [criterion("EMPTY")]}) == EVERYONE
    assert shop.found({"groups": [criterion("NOT EMPTY")]}) == []
    assert shop.found({"groups": [criterion("IN", [])]}) == []
    assert shop.found({"groups": [criterion("NOT IN", [])]}) == EVERYONE
    assert shop.found({"parent": [criterion("EMPTY")]}) == EVERYONE
    assert shop.found({"parent": [criterion("NOT EMPTY")]}) == []
    assert shop.found({"parent": [criterion("=", "tshirt_model")]}) == []
    assert shop.found({"parent": [criterion("IN", ["tshirt_model"])]}) == []


def test_quality_score_matches_nothing(shop):
    assert shop.found({"quality_score": [criterion("IN", ["A", "E"], scope="ecommerce", locale="en_US")]}) == []


NOT_HAT_OR_BAG = ["orphan", "pan-1", "pot-2", "shirt-a"]


@pytest.mark.parametrize("operator, value, expected", [
    ("=", "2020-05-01 10:00:00", ["hat-straw"]),
    ("!=", "2020-05-01 10:00:00", [i for i in EVERYONE if i != "hat-straw"]),
    ("<", "2020-05-01 10:00:01", ["hat-straw"]),
    ("<", "2020-05-01 10:00:00", []),
    (">", "2020-05-01 10:00:00", ["Bag-Leather"] + NOT_HAT_OR_BAG),
    (">", "2020-05-01 10:00:01", NOT_HAT_OR_BAG),
    ("BETWEEN", ["2020-05-01 10:00:00", "2020-05-01 10:00:01"], ["Bag-Leather", "hat-straw"]),
    ("BETWEEN", ["2020-05-01 10:00:01", "2020-05-01 10:00:00"], []),
    ("NOT BETWEEN", ["2020-05-01 10:00:00", "2020-05-01 10:00:01"], NOT_HAT_OR_BAG),
    ("SINCE LAST N DAYS", 1, NOT_HAT_OR_BAG),
    ("SINCE LAST N DAYS", 100000, EVERYONE),
    ("SINCE LAST N DAYS", 10 ** 12, EVERYONE),
    ("SINCE LAST N DAYS", -(10 ** 12), []),
])
def test_created(shop, operator, value, expected):
    """Dates compare to the second, as the reference indexes them (12:00:00.4 is 12:00:00)."""
    assert shop.found({"created": [criterion(operator, value)]}) == expected


def test_updated(shop):
    assert shop.found({"updated": [criterion("<", "2022-01-01 00:00:00")]}) == ["hat-straw"]
    assert shop.found({"updated": [criterion("=", "2021-01-01 00:00:00")]}) == ["hat-straw"]
    assert shop.found({"updated": [criterion("SINCE LAST N DAYS", 2)]}) == [i for i in EVERYONE if i != "hat-straw"]


def test_completeness_ratios_of_the_fixture(shop):
    """The ratios the completeness tests below rely on."""
    assert shop.ratios("hat-straw", "ecommerce") == {"en_US": 100, "fr_FR": 83, "de_DE": 83}
    assert shop.ratios("Bag-Leather", "ecommerce") == {"en_US": 60, "fr_FR": 40, "de_DE": 40}
    assert shop.ratios("pan-1", "ecommerce") == shop.ratios("pot-2", "ecommerce") == {"en_US": 50, "fr_FR": 25,
                                                                                      "de_DE": 25}
    assert shop.ratios("shirt-a", "ecommerce") == {"en_US": 66, "fr_FR": 50, "de_DE": 50}
    assert shop.ratios("hat-straw", "mobile") == {"en_US": 100, "fr_FR": 100}
    assert shop.ratios("orphan", "ecommerce") == {}


@pytest.mark.parametrize("operator, value, context, expected", [
    ("=", 100, {}, ["hat-straw"]),
    ("=", 83, {}, ["hat-straw"]),
    ("=", 83, {"locale": "en_US"}, []),
    ("=", 50, {}, ["pan-1", "pot-2", "shirt-a"]),
    ("<", 30, {}, ["pan-1", "pot-2"]),
    ("<=", 40, {"locale": "fr_FR"}, ["Bag-Leather", "pan-1", "pot-2"]),
    (">", 90, {}, ["hat-straw"]),
    (">=", "83", {"locale": "de_DE"}, ["hat-straw"]),
    (">=", 60.5, {}, ["hat-straw", "shirt-a"]),
    ("!=", 50, {}, WITH_FAMILY),
    ("!=", 25, {"locale": "fr_FR"}, ["Bag-Leather", "hat-straw", "shirt-a"]),
    ("!=", 100, {"scope": "mobile"}, ["Bag-Leather", "pan-1", "pot-2", "shirt-a"]),
    ("GREATER THAN ON ALL LOCALES", 45, {"locales": ["en_US", "fr_FR"]}, ["hat-straw", "shirt-a"]),
    ("GREATER OR EQUALS THAN ON ALL LOCALES", 50, {"locales": ["fr_FR", "de_DE"]}, ["hat-straw", "shirt-a"]),
    ("LOWER THAN ON ALL LOCALES", 60, {"locales": ["en_US", "de_DE"]}, ["pan-1", "pot-2"]),
    ("LOWER OR EQUALS THAN ON ALL LOCALES", 40, {"locales": ["fr_FR"]}, ["Bag-Leather", "pan-1", "pot-2"]),
    ("GREATER THAN ON ALL LOCALES", 0, {"locales": []}, EVERYONE),
])
def test_completeness(shop, operator, value, context, expected):
    """§8.2: at least one locale of the set, != unless all equal, ON ALL LOCALES on every listed
    locale; products without a family never match."""
    assert shop.found({"completeness": [criterion(operator, value, **{"scope": "ecommerce", **context})]}) == expected


def test_completeness_defaults(shop):
    """search_scope supplies the channel and search_locale the locale set."""
    search = {"completeness": [criterion("=", 83)]}
    assert shop.found(search, search_scope="ecommerce") == ["hat-straw"]
    assert shop.found(search, search_scope="ecommerce", search_locale="en_US") == []


# --- refusals ---------------------------------------------------------------------------------

NOT_SUPPORTED = 'Filter on property "{}" is not supported or does not support operator "{}"'
HUNDRED_AND_ONE = [f"sku-{n}" for n in range(101)]


@pytest.mark.parametrize("search, defaults, message", [
    # keys and operators
    ({"foo": [criterion("=", 1)]}, {}, NOT_SUPPORTED.format("foo", "=")),
    ({"family": [criterion("=", ["hats"])]}, {}, NOT_SUPPORTED.format("family", "=")),
    ({"color": [criterion("STARTS WITH", "r")]}, {}, NOT_SUPPORTED.format("color", "STARTS WITH")),
    ({"completeness": [criterion("EMPTY")]}, {}, NOT_SUPPORTED.format("completeness", "EMPTY")),
    ({"identifier": [criterion("EMPTY")]}, {}, NOT_SUPPORTED.format("identifier", "EMPTY")),
    # categories, locales
    ({"categories": [criterion("IN", ["nope"])]}, {}, 'Category "nope" does not exist.'),
    ({"categories": [criterion("IN", ["nope", "master"]), criterion("NOT IN", ["zut"])]}, {},
     'Categories "nope, zut" do not exist.'),
    ({"name": [criterion("=", "x", locale="xx_XX")]}, {}, 'Locale "xx_XX" does not exist or is not activated.'),
    ({"name": [criterion("=", "x", locale="es_ES")]}, {"search_locale": "it_IT"},
     'Locales "es_ES, it_IT" do not exist or are not activated.'),
    ({"color": [criterion("IN", ["red"], locale="es_ES")]}, {},
     'Locale "es_ES" does not exist or is not activated.'),
    ({}, {"search_locale": "nope"}, 'Locale "nope" does not exist or is not activated.'),
    ({"completeness": [criterion(">", 1, scope="ecommerce", locales=["en_US", "xx"])]}, {},
     'Locale "xx" does not exist or is not activated.'),
    ({"name": [criterion("=", "x")]}, {}, 'Property "name" expects a string with the key "locale".'),
    ({"name": [criterion("=", "x", locale=["en_US"])]}, {}, 'Property "name" expects a string with the key "locale".'),
    ({"name": [criterion("=", "x", locales=["en_US"])]}, {}, 'Property "name" expects an array with the key "locale".'),
    ({"completeness": [criterion(">", 1, scope="ecommerce", locales="en_US")]}, {},
     'Property "completeness" expects an array with the key "locales".'),
    ({"french_label": [criterion("=", "x", locale="en_US")]}, {},
     'Attribute "french_label" is locale specific and expects one of these locales: fr_FR, "en_US" given.'),
    ({"description": [criterion("=", "x", locale="en_US")]}, {},
     'Attribute "description" expects a scope, none given.'),
    ({"description": [criterion("=", "x", locale="en_US", scope="nope")]}, {},
     'Attribute "description" expects an existing scope, "nope" given.'),
    # the identifier list
    ({"identifier": [criterion("IN", ["a", None])]}, {}, "The identifier filter can't contain null value"),
    ({"identifier": [{"operator": "IN"}]}, {}, "The identifier filter can't contain null value"),
    ({"identifier": [criterion("IN", ["a", 5])]}, {}, 'Property "identifier" expects an array of strings as data.'),
    ({"identifier": [criterion("=", 5)]}, {}, 'Property "identifier" expects a string as data, "integer" given.'),
    # properties' values
    ({"uuid": [criterion("IN", "abc")]}, {}, 'Property "uuid" expects an array as data, "string" given.'),
    ({"uuid": [criterion("NOT IN", [1])]}, {}, 'Property "uuid" expects an array of strings as data.'),
    ({"categories": [criterion("IN", "master")]}, {},
     'Property "categories" expects an array as data, "string" given.'),
    ({"categories": [criterion("IN", [5])]}, {}, 'Object "category" with code "5" does not exist'),
    ({"enabled": [criterion("=", "true")]}, {}, 'Property "enabled" expects a boolean as data, "string" given.'),
    ({"family": [criterion("IN", ["nope"])]}, {}, 'Object "family" with code "nope" does not exist'),
    ({"family": [criterion("NOT IN", "hats")]}, {}, 'Property "family" expects an array as data, "string" given.'),
    ({"groups": [criterion("IN", ["promo"])]}, {}, 'Object "groups" with code "promo" does not exist'),
    ({"parent": [criterion("=", ["m"])]}, {}, 'Property "parent" expects a string as data, "array" given.'),
    ({"parent": [criterion("IN", "m")]}, {}, 'Property "parent" expects an array as data, "string" given.'),
    ({"created": [criterion("=", "2020-05-01")]}, {},
     'Property "created" expects a string with the format "yyyy-mm-dd H:i:s" as data, "2020-05-01" given.'),
    ({"updated": [criterion(">", 20200501)]}, {},
     'Property "updated" expects a string with the format "yyyy-mm-dd H:i:s" as data, "20200501" given.'),
    ({"created": [criterion("BETWEEN", "2020-05-01 00:00:00")]}, {},
     'Property "created" expects an array as data, "string" given.'),
    ({"created": [criterion("BETWEEN", ["2020-05-01 00:00:00"])]}, {},
     'Property "created" expects an array with valid data, should contain 2 strings with the format '
     '"yyyy-mm-dd H:i:s".'),
    ({"updated": [criterion("SINCE LAST N DAYS", "3")]}, {},
     'Property "updated" expects an integer as data, "string" given.'),
    ({"completeness": [criterion(">", 50)]}, {}, 'Property "completeness" expects a valid scope.'),
    ({"completeness": [criterion(">", "half", scope="ecommerce")]}, {},
     'Property "completeness" expects a numeric as data, "string" given.'),
    ({"completeness": [criterion(">", 50, scope="nope")]}, {}, 'Channel with "nope" code does not exist'),
    ({"completeness": [criterion("GREATER THAN ON ALL LOCALES", 50, scope="ecommerce")]}, {},
     'Property "completeness" expects an array with the key "locales".'),
    ({"quality_score": [criterion("IN", "A", scope="ecommerce", locale="en_US")]}, {},
     'Property "quality_score" expects an array as data, "string" given.'),
    ({"quality_score": [criterion("IN", ["A"], locale="en_US")]}, {},
     'Property "quality_score" expects a valid scope.'),
    ({"quality_score": [criterion("IN", ["A"], scope="ecommerce")]}, {},
     'Property "quality_score" expects a valid locale.'),
    ({"quality_score": [criterion("IN", ["Z"], scope="ecommerce", locale="en_US")]}, {},
     'Property "quality_score" expects a valid quality score. The quality score does not exist, "Z" given.'),
    # attribute values
    ({"name": [criterion("CONTAINS", 5, locale="en_US")]}, {},
     'Property "name" expects a string as data, "integer" given.'),
    ({"name": [criterion("IN", "x", locale="en_US")]}, {}, 'Property "name" expects an array as data, "string" given.'),
    ({"name": [criterion("NOT IN", [1], locale="en_US")]}, {}, 'Property "name" expects an array of strings as data.'),
    ({"picture": [criterion("=", None)]}, {}, 'Property "picture" expects a string as data, "NULL" given.'),
    ({"stock_quantity": [criterion("<", "abc")]}, {},
     'Property "stock_quantity" expects a numeric as data, "string" given.'),
    ({"stock_quantity": [criterion("<", True)]}, {},
     'Property "stock_quantity" expects a numeric as data, "boolean" given.'),
    ({"weight": [criterion("<", 5)]}, {}, 'Property "weight" expects an array as data, "integer" given.'),
    ({"weight": [criterion("<", {"amount": 5})]}, {}, 'Property "weight" expects an array with the key "unit".'),
    ({"weight": [criterion("<", [5, "GRAM"])]}, {}, 'Property "weight" expects an array with the key "amount".'),
    ({"weight": [criterion("<", {"amount": "five", "unit": "GRAM"})]}, {},
     'Property "weight" expects an array with valid data, key "amount" has to be a numeric, "string" given.'),
    ({"weight": [criterion("<", {"amount": 5, "unit": 1})]}, {},
     'Property "weight" expects an array with valid data, key "unit" has to be a string, "integer" given.'),
    ({"weight": [criterion("<", {"amount": 5, "unit": "LITER"})]}, {},
     'Property "weight" expects a valid unit. The unit does not exist in the attribute\'s family "Weight", '
     '"LITER" given.'),
    ({"price": [criterion("<", {"currency": "EUR"})]}, {}, 'Property "price" expects an array with the key "amount".'),
    ({"price": [criterion("<", {"amount": 5})]}, {}, 'Property "price" expects an array with the key "currency".'),
    ({"price": [criterion("<", {"amount": None, "currency": "EUR"})]}, {},
     'Property "price" expects a numeric as data, "NULL" given.'),
    ({"price": [criterion("<", {"amount": 5, "currency": "GBP"})]}, {},
     'Property "price" expects a valid currency. The currency does not exist, "GBP" given.'),
    ({"color": [criterion("IN", "red")]}, {}, 'Property "color" expects an array as data, "string" given.'),
    ({"color": [criterion("IN", [{"code": "red"}])]}, {}, 'Property "color" expects a string as data, "array" given.'),
    ({"color": [criterion("IN", ["red", "purple"])]}, {}, 'Object "option" with code "purple" does not exist'),
    ({"seasons": [criterion("NOT IN", ["monsoon"])]}, {}, 'Object "options" with code "monsoon" does not exist'),
    ({"waterproof": [criterion("=", "yes")]}, {}, 'Property "waterproof" expects a boolean as data, "string" given.'),
    ({"release_date": [criterion("=", "2021/06/15")]}, {},
     'Property "release_date" expects a string with the format "yyyy-mm-dd" as data, "2021/06/15" given.'),
    ({"release_date": [criterion("<", "2021-02-30")]}, {},
     'Property "release_date" expects a string with the format "yyyy-mm-dd" as data, "2021-02-30" given.'),
    ({"release_date": [criterion("BETWEEN", "2021-01-01")]}, {},
     'Property "release_date" expects an array as data, "string" given.'),
    ({"release_date": [criterion("NOT BETWEEN", ["2021-01-01", "2021-02-01", "2021-03-01"])]}, {},
     'Property "release_date" expects an array with valid data, should contain 2 strings with the format '
     '"yyyy-mm-dd".'),
])
def test_refusals(shop, search, defaults, message):
    """Each refusal is a 422 with the reference's message."""
    assert shop.refused(search, **defaults) == (422, message)


def test_identifier_list_limit(shop):
    """More than 100 identifiers in an IN list is a 400; 100 (duplicates counted once) is fine."""
    assert shop.refused({"identifier": [criterion("IN", HUNDRED_AND_ONE)]}) == (
        400, "The identifier filter can't contain more than 100 product identifiers.")
    assert shop.found({"identifier": [criterion("IN", HUNDRED_AND_ONE[:99] + ["sku-0", "PAN-1"])]}) == ["pan-1"]


def test_checks_run_in_the_reference_order(shop):
    """Unknown categories are reported before unknown keys, keys before locales, locales before values."""
    assert shop.refused({"foo": [criterion("=", 1)], "categories": [criterion("IN", ["nope"])]})[1] == (
        'Category "nope" does not exist.')
    assert shop.refused({"name": [criterion("=", 5, locale="xx")], "foo": [criterion("=", 1)]})[1] == (
        NOT_SUPPORTED.format("foo", "="))
    assert shop.refused({"name": [criterion("=", 5, locale="xx")]})[1] == (
        'Locale "xx" does not exist or is not activated.')


# --- through the list endpoints ---------------------------------------------------------------

URL = "/api/rest/v1/products-uuid"


def _listed(api, **params):
    query = {key: json.dumps(value) if key == "search" else value for key, value in params.items()}
    response = api.get(URL, query_string=query)
    return response.status_code, response.get_json()


def test_list_endpoint_filters_with_search(api, seeded_app):
    """GET /products-uuid?search=… returns exactly the matching products (search_locale as the default)."""
    straw = make_product("straw", values={"name": value("Straw hat", "en_US")}, categories=["master_hats"])
    make_product("felt", values={"name": value("Felt hat", "en_US")})
    make_product("tote", family="bags", enabled=False)
    status, body = _listed(api, search={"name": [{"operator": "STARTS WITH", "value": "STRAW"}]},
                           search_locale="en_US")
    assert status == 200
    assert [item["uuid"] for item in body["_embedded"]["items"]] == [str(straw.uuid)]
    status, body = _listed(api, search={"family": [{"operator": "IN", "value": ["hats"]}],
                                        "categories": [{"operator": "UNCLASSIFIED"}]}, with_count="true")
    assert status == 200 and body["items_count"] == 1
    assert body["_embedded"]["items"][0]["values"]["sku"][0]["data"] == "felt"


def test_list_endpoint_pages_a_filtered_search(api, seeded_app):
    """search_after pages through the matches only, in uuid order."""
    for n in range(5):
        make_product(f"hat-{n}", enabled=n % 2 == 0)
    search = {"enabled": [{"operator": "=", "value": True}]}
    status, first = _listed(api, search=search, pagination_type="search_after", limit=2)
    assert status == 200 and len(first["_embedded"]["items"]) == 2
    second = api.get(first["_links"]["next"]["href"].replace("http://localhost", "")).get_json()
    uuids = [i["uuid"] for i in first["_embedded"]["items"] + second["_embedded"]["items"]]
    assert len(uuids) == 3 and uuids == sorted(uuids)
    assert all(i["enabled"] for i in first["_embedded"]["items"] + second["_embedded"]["items"])


@pytest.mark.parametrize("search, status, message", [
    ({"foo": [{"operator": "=", "value": 1}]}, 422, NOT_SUPPORTED.format("foo", "=")),
    ({"identifier": [{"operator": "IN", "value": HUNDRED_AND_ONE}]}, 400,
     "The identifier filter can't contain more than 100 product identifiers."),
    ({"categories": [{"operator": "IN", "value": ["nope"]}]}, 422, 'Category "nope" does not exist.'),
])
def test_list_endpoint_refusals(api, seeded_app, search, status, message):
    """The search's refusals reach the client as {"code", "message"} with their status."""
    assert _listed(api, search=search) == (status, {"code": status, "message": message})
    response = api.get("/api/rest/v1/products", query_string={"search": json.dumps(search)})
    assert (response.status_code, response.get_json()) == (status, {"code": status, "message": message})


# --- any search document ----------------------------------------------------------------------

def _operators():
    from pimconnect.api.product_search import PROPERTIES
    from pimconnect.services.selection.values import OPERATORS

    codes = {op for _, operators in PROPERTIES.values() for op in operators}
    codes |= {op for operators in OPERATORS.values() for op in operators}
    return sorted(codes)


ODD_TEXT = st.sampled_from(["", " ", "\x00", "a\ud800b", "%", "_", "\\", "x" * 300, "null", "1e400", "NaN"])
TEXT = st.text(max_size=12) | ODD_TEXT
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10 ** 20, max_value=10 ** 400)
           | st.floats(allow_nan=True, allow_infinity=True) | TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=8)
CODES = st.sampled_from(["red", "summer", "hats", "master", "master_hats", "en_US", "ecommerce", "EUR", "GRAM",
                         "A", "hat-straw"]) | TEXT
DATES = st.sampled_from(["2021-06-15", "2020-05-01 10:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59",
                         "9999-12-31", "2021-02-30"])
VALUES = (JSON | CODES | DATES | st.lists(CODES | DATES, max_size=4)
          | st.fixed_dictionaries({"amount": SCALARS | st.sampled_from(["12.5", " 3 ", "1e3"]),
                                   "unit": CODES | st.sampled_from(["KILOGRAM", "LITER"])})
          | st.fixed_dictionaries({"amount": SCALARS, "currency": CODES | st.sampled_from(["USD", "GBP"])}))
LOCALES = st.sampled_from(["en_US", "fr_FR", "de_DE", "es_ES"]) | JSON
SCOPES = st.sampled_from(["ecommerce", "mobile", "print"]) | JSON
CRITERIA = st.fixed_dictionaries(
    {"operator": st.sampled_from(_operators()) | TEXT},
    optional={"value": VALUES, "locale": LOCALES, "scope": SCOPES, "locales": st.lists(LOCALES, max_size=3) | JSON})
KEYS = st.sampled_from(["uuid", "identifier", "categories", "enabled", "completeness", "groups", "family", "created",
                        "updated", "parent", "quality_score", "sku", "name", "description", "stock_quantity", "weight",
                        "price", "color", "seasons", "waterproof", "release_date", "picture", "french_label"]) | TEXT
SOME_TEXT = st.sampled_from(["hat", "STRAW", "pan_", "100%", "needle", "red_hat.png"]) | TEXT
DATETIMES = st.sampled_from(["2020-05-01 10:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2020-05-01"])
KIND_VALUES = {  # values of the right shape for each kind of key, so that most searches reach the SQL
    "codes": st.lists(SOME_TEXT, max_size=3), "text": SOME_TEXT, "number": st.integers(-5, 120) | SCALARS,
    "boolean": st.booleans(), "categories": st.lists(st.sampled_from(["master", "master_hats", "print"]), max_size=2),
    "family": st.lists(st.sampled_from(["hats", "BAGS", "kitchenware"]), max_size=2), "groups": st.just([]),
    "moment": DATETIMES | st.lists(DATETIMES, min_size=2, max_size=2) | st.integers(-10 ** 10, 10 ** 10),
    "scores": st.lists(st.sampled_from(["A", "C", "E"]), max_size=2),
    "option": st.lists(st.sampled_from(["red", "BLUE", "summer", "winter"]), max_size=2),
    "date": DATES | st.lists(DATES, min_size=2, max_size=2),
    "metric": st.fixed_dictionaries({"amount": st.integers(0, 2000) | st.sampled_from(["0.5", "1e3"]),
                                     "unit": st.sampled_from(["GRAM", "KILOGRAM", "LITER", "MILLILITER"])}),
    "price": st.fixed_dictionaries({"amount": st.floats(0, 200), "currency": st.sampled_from(["EUR", "USD"])}),
}
KIND_OF_KEY = {"uuid": "codes", "identifier": "text", "categories": "categories", "enabled": "boolean",
               "completeness": "number", "groups": "groups", "family": "family", "created": "moment",
               "updated": "moment", "parent": "codes", "quality_score": "scores", "media": "text"}


def _well_formed_criterion(key):
    """A criterion on ``key`` with one of its operators, a context from the catalog and, mostly, a
    value of the right shape."""
    from pimconnect.api.product_search import PROPERTIES
    from pimconnect.services.selection.values import KIND_OF_TYPE, OPERATORS

    kind = KIND_OF_KEY.get(key) or KIND_OF_TYPE[demo.ATTRIBUTES[key][0]]
    operators = PROPERTIES[key][1] if key in PROPERTIES else OPERATORS[kind]
    right = KIND_VALUES.get(kind, SOME_TEXT | st.lists(SOME_TEXT, max_size=2))
    context = {"locale": st.sampled_from(["en_US", "fr_FR", "de_DE"]),
               "scope": st.sampled_from(["ecommerce", "mobile", "print"])}
    if key == "completeness":
        context["locales"] = st.lists(st.sampled_from(["en_US", "fr_FR", "de_DE"]), max_size=3)
    return st.fixed_dictionaries(
        {"operator": st.sampled_from(sorted(operators)), "value": st.one_of(right, right, right, VALUES)},
        optional=context)


WELL_FORMED_KEYS = st.sampled_from(["uuid", "identifier", "categories", "enabled", "completeness", "groups", "family",
                                    "created", "updated", "parent", "quality_score", *demo.ATTRIBUTES])
SEARCHES = (st.dictionaries(KEYS, st.lists(CRITERIA, min_size=1, max_size=3), max_size=3)
            | st.lists(WELL_FORMED_KEYS.flatmap(lambda key: st.tuples(
                st.just(key), st.lists(_well_formed_criterion(key), min_size=1, max_size=2))), max_size=3).map(dict))
SEARCH_LOCALES = st.one_of(st.none(), st.none(), st.sampled_from(["en_US", "fr_FR", "de_DE"]), TEXT)
SEARCH_SCOPES = st.one_of(st.none(), st.sampled_from(["ecommerce", "mobile", "print"]), TEXT)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(search=SEARCHES, search_locale=SEARCH_LOCALES, search_scope=SEARCH_SCOPES)
def test_any_search_document_is_answered_or_refused(shop, search, search_locale, search_scope):
    """Whatever the client sends (once core.parse_search accepted its shape), the search either runs
    as SQL or is refused with a 400/422 ApiError: never another exception."""
    try:
        assert set(shop.found(search, search_locale=search_locale, search_scope=search_scope)) <= set(EVERYONE)
    except ApiError as error:
        assert error.status in (400, 422) and error.message
