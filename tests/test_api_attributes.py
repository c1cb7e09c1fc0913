"""REST API: attributes (reference §5.3) — list, search, get, create, upsert, batch, errors."""
import contextlib
import json

import pytest

from pimconnect.db import db
from pimconnect.models import Attribute, Family, ProductCompleteness
from tests.conftest import Api
from tests.factories import make_product

BASE = "/api/rest/v1/attributes"
DOC = "http://api.akeneo.com/api-reference.html#"


def get(model, **where):
    with db.connection_context():
        return model.get_or_none(**where)


def search(**filters):
    return {"search": json.dumps(filters)}


def codes(response):
    return [item["code"] for item in response.get_json()["_embedded"]["items"]]


def assert_invalid(response, *pairs):
    """The response is the validation 422 with exactly these (property, message) errors."""
    assert response.status_code == 422, (pairs, response.get_json())
    assert response.get_json() == {"code": 422, "message": "Validation failed.",
                                   "errors": [{"property": p, "message": m} for p, m in pairs]}


def documented(response, reason, anchor):
    """The response is the documented 422 of the operation ``anchor``."""
    assert response.status_code == 422, (reason, response.get_json())
    assert response.get_json() == {
        "code": 422, "message": f"{reason} Check the expected format on the API documentation.",
        "_links": {"documentation": {"href": DOC + anchor}}}


@contextlib.contextmanager
def counted_queries():
    """The SQL statements the app runs inside the block."""
    statements = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        yield statements
    finally:
        del db.obj.execute_sql


# -- reads ------------------------------------------------------------------------------------------

WEIGHT = {
    "code": "weight", "type": "pim_catalog_metric", "group": "technical", "group_labels": {"en_US": "Technical"},
    "localizable": False, "scopable": False, "labels": {"en_US": "Weight"}, "unique": False,
    "useable_as_grid_filter": False, "allowed_extensions": None, "metric_family": "Weight",
    "default_metric_unit": "GRAM", "reference_data_name": None, "available_locales": [], "max_characters": None,
    "validation_rule": None, "validation_regexp": None, "wysiwyg_enabled": None, "number_min": None,
    "number_max": None, "decimals_allowed": True, "negative_allowed": False, "date_min": None, "date_max": None,
    "max_file_size": None, "minimum_input_length": None, "sort_order": 5, "default_value": None,
    "is_main_identifier": None, "is_mandatory": None, "decimal_places_strategy": None, "decimal_places": None,
}


def test_get_attribute_in_reference_order(api):
    """A single attribute is the §5.3 document, in the reference's property order, without _links."""
    response = api.get(f"{BASE}/weight")
    assert response.status_code == 200
    body = response.get_json()
    assert body == WEIGHT
    assert list(json.loads(response.get_data(as_text=True))) == list(WEIGHT)


def test_properties_of_other_types_are_null(api):
    """Type-specific properties are null for the other types; numbers are strings; dates carry an offset."""
    sku = api.get(f"{BASE}/sku").get_json()
    assert (sku["unique"], sku["useable_as_grid_filter"], sku["max_characters"]) == (True, True, 255)
    assert sku["is_main_identifier"] is True and sku["is_mandatory"] is True
    assert sku["number_min"] is None and sku["metric_family"] is None and sku["allowed_extensions"] is None
    price = api.get(f"{BASE}/price").get_json()
    assert price["number_min"] == "0" and price["negative_allowed"] is None and price["max_characters"] is None
    release = api.get(f"{BASE}/release_date").get_json()
    assert release["date_min"] == "2000-01-01T00:00:00+00:00" and release["date_max"] is None
    picture = api.get(f"{BASE}/picture").get_json()
    assert picture["allowed_extensions"] == ["jpg", "jpeg", "png", "gif"] and picture["max_file_size"] == "10"
    assert api.get(f"{BASE}/french_label").get_json()["available_locales"] == ["fr_FR"]


def test_unknown_attribute_is_404(api):
    response = api.get(f"{BASE}/nope")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "message": 'Attribute "nope" does not exist.'}
    assert api.get(f"{BASE}/a%00b").status_code == 404


def test_list_is_sorted_by_code_and_paginated(api):
    """Items are sorted by code and carry their self link; links keep every parameter."""
    first = api.get(BASE, query_string={"limit": 3, "with_count": "true"}).get_json()
    assert [i["code"] for i in first["_embedded"]["items"]] == ["capacity", "color", "cost_price"]
    assert first["items_count"] == 20 and first["current_page"] == 1
    item = first["_embedded"]["items"][0]
    assert list(item)[:2] == ["_links", "code"]
    assert item["_links"]["self"]["href"] == "http://localhost/api/rest/v1/attributes/capacity"
    assert "previous" not in first["_links"]
    second = api.get(first["_links"]["next"]["href"].replace("http://localhost", "")).get_json()
    assert [i["code"] for i in second["_embedded"]["items"]] == ["description", "ean", "erp_name"]
    assert second["_links"]["previous"]["href"] == "http://localhost/api/rest/v1/attributes?with_count=true&page=1&limit=3"
    last = api.get(BASE, query_string={"limit": 100}).get_json()
    assert len(last["_embedded"]["items"]) == 20 and "next" not in last["_links"]
    far = api.get(BASE, query_string={"page": "99999999999999999999", "limit": 100})
    assert far.status_code == 200 and far.get_json()["_embedded"]["items"] == []


def test_search_on_code_type_and_updated(api):
    """``code`` IN, ``type`` IN and ``updated`` > filter the list, AND-ed."""
    by_code = api.get(BASE, query_string=search(code=[{"operator": "IN", "value": ["sku", "name", "nope"]}]))
    assert codes(by_code) == ["name", "sku"]
    by_type = api.get(BASE, query_string=search(type=[{"operator": "IN", "value": ["pim_catalog_simpleselect"]}]))
    assert codes(by_type) == ["color", "material"]
    assert api.patch(f"{BASE}/color", json={"sort_order": 40}).status_code == 204
    since = api.get(f"{BASE}/color").get_json()  # touched just now
    assert since["sort_order"] == 40
    recent = api.get(BASE, query_string=search(updated=[{"operator": ">", "value": "2100-01-01T00:00:00+00:00"}]))
    assert codes(recent) == []
    old = api.get(BASE, query_string=search(updated=[{"operator": ">", "value": "2000-01-01T00:00:00+02:00"}],
                                            type=[{"operator": "IN", "value": ["pim_catalog_simpleselect"]}]))
    assert codes(old) == ["color", "material"]


SEARCH_ERRORS = [
    ({"code": [{"operator": "=", "value": "sku"}]}, 'Filter on property "code" is not supported or does not support operator "="'),
    ({"labels": [{"operator": "IN", "value": []}]}, 'Filter on property "labels" is not supported or does not support operator "IN"'),
    ({"code": [{"operator": "IN", "value": "sku"}]},
     "In order to search on attribute codes you must send an array of attribute codes as value, string given."),
    ({"code": [{"operator": "IN", "value": [1]}]}, "In order to search on attribute codes you must send an array of strings."),
    ({"code": [{"operator": "IN", "value": [f"c{i}" for i in range(600)]}] * 2},
     "A search may hold at most 100 criteria and 1000 codes."),
    ({"updated": [{"operator": ">", "value": "2020-01-01T00:00:00Z"}] * 101},
     "A search may hold at most 100 criteria and 1000 codes."),
    ({"type": [{"operator": "IN"}]},
     "In order to search on attribute types you must send an array of attribute types as value, NULL given."),
    ({"updated": [{"operator": ">", "value": "yesterday"}]},
     'Searching on the "updated" property requires a date in the ISO-8601 format with an offset, like '
     '"2019-06-09T12:00:00+02:00", "yesterday" given.'),
    ({"updated": [{"operator": ">", "value": "2020-01-01T00:00:00"}]},
     'Searching on the "updated" property requires a date in the ISO-8601 format with an offset, like '
     '"2019-06-09T12:00:00+02:00", "2020-01-01T00:00:00" given.'),
]


def test_search_errors(api):
    """Unsupported filters and bad filter values are 422s with a message."""
    for filters, message in SEARCH_ERRORS:
        response = api.get(BASE, query_string=search(**filters))
        assert response.status_code == 422
        assert response.get_json() == {"code": 422, "message": message}


def test_list_query_count_does_not_grow_with_the_page(api):
    """Attributes and their groups are read in a constant number of queries per page."""
    with counted_queries() as small:
        assert api.get(BASE, query_string={"limit": 2}).status_code == 200
    with counted_queries() as large:
        assert api.get(BASE, query_string={"limit": 20}).status_code == 200
    assert len(small) == len(large)


# -- create -----------------------------------------------------------------------------------------

def test_create_attribute(api):
    """POST creates: 201, empty body, absolute Location; the stored attribute reads back."""
    response = api.post(BASE, json={"code": "gtin", "type": "pim_catalog_text", "group": "ERP",
                                     "labels": {"en_US": "GTIN", "fr_FR": "GTIN"}, "unique": True,
                                     "max_characters": 14, "validation_rule": "regexp",
                                     "validation_regexp": "^[0-9]{14}$", "useable_as_grid_filter": True})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attributes/gtin"
    gtin = api.get(f"{BASE}/gtin").get_json()
    assert (gtin["max_characters"], gtin["validation_regexp"], gtin["unique"]) == (14, "^[0-9]{14}$", True)
    assert gtin["labels"] == {"en_US": "GTIN", "fr_FR": "GTIN"} and gtin["group_labels"] == {"en_US": "ERP"}
    assert gtin["number_min"] is None and gtin["wysiwyg_enabled"] is None


def test_create_every_type_with_its_properties(api):
    """Each in-scope type is created with its own properties; numbers come back as strings."""
    bodies = [
        {"code": "notes", "type": "pim_catalog_textarea", "wysiwyg_enabled": True, "max_characters": 2000},
        {"code": "qty", "type": "pim_catalog_number", "number_min": 0, "number_max": "100.5", "decimals_allowed": True,
         "negative_allowed": False},
        {"code": "depth", "type": "pim_catalog_metric", "metric_family": "Length", "default_metric_unit": "METER",
         "decimals_allowed": False, "negative_allowed": False, "number_max": 12},
        {"code": "msrp", "type": "pim_catalog_price_collection", "decimals_allowed": True, "number_min": 0.5},
        {"code": "launch", "type": "pim_catalog_date", "date_min": "2020-01-01", "date_max": "2030-06-28T08:00:00+02:00"},
        {"code": "manual", "type": "pim_catalog_file", "allowed_extensions": ["PDF", ".txt"], "max_file_size": 2.5},
        {"code": "photo", "type": "pim_catalog_image", "allowed_extensions": ["png"]},
        {"code": "eco", "type": "pim_catalog_boolean", "default_value": None},
        {"code": "sizes", "type": "pim_catalog_multiselect", "available_locales": ["en_US"]},
        {"code": "brand", "type": "pim_catalog_simpleselect", "sort_order": 3},
    ]
    for body in bodies:
        response = api.post(BASE, json={**body, "group": "other"})
        assert response.status_code == 201, (body["code"], response.get_json())
    qty = api.get(f"{BASE}/qty").get_json()
    assert (qty["number_min"], qty["number_max"], qty["negative_allowed"]) == ("0", "100.5", False)
    depth = api.get(f"{BASE}/depth").get_json()
    assert (depth["metric_family"], depth["default_metric_unit"], depth["number_max"]) == ("Length", "METER", "12")
    assert api.get(f"{BASE}/msrp").get_json()["number_min"] == "0.5"
    launch = api.get(f"{BASE}/launch").get_json()
    assert (launch["date_min"], launch["date_max"]) == ("2020-01-01T00:00:00+00:00", "2030-06-28T00:00:00+00:00")
    manual = api.get(f"{BASE}/manual").get_json()
    assert manual["allowed_extensions"] == ["pdf", "txt"] and manual["max_file_size"] == "2.5"
    assert api.get(f"{BASE}/notes").get_json()["wysiwyg_enabled"] is True
    assert api.get(f"{BASE}/sizes").get_json()["available_locales"] == ["en_US"]
    assert api.get(f"{BASE}/brand").get_json()["sort_order"] == 3


def test_create_requires_code_type_and_group(api):
    assert_invalid(api.post(BASE, json={"labels": {}}),
            ("code", "This value should not be blank."), ("type", "This value should not be blank."),
            ("group", "This value should not be blank."))


CREATE_REFUSALS = [
    ({"code": "x", "type": "pim_catalog_table", "group": "other"},
     'Property "type" expects a valid attribute type. The attribute type does not exist, "pim_catalog_table" given.'),
    ({"code": "x", "type": "", "group": "other"}, 'Property "type" does not expect an empty value.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "nope"},
     'Property "group" expects a valid code. The attribute group does not exist, "nope" given.'),
    ({"code": "x", "type": "pim_catalog_text", "group": None},
     'Property "group" expects a valid code. The attribute group does not exist, "" given.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "other", "color": "red"}, 'Property "color" does not exist.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "other", "labels": None},
     'Property "labels" expects an array as data, "NULL" given.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "other", "labels": {"en_US": ["a"]}},
     'Property "labels" expects an array with valid data, one of the "labels" values is not a scalar.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "other", "localizable": [True]},
     'Property "localizable" expects a scalar as data, "array" given.'),
    ({"code": "x", "type": "pim_catalog_text", "group": "other", "available_locales": ["xx_XX"]},
     'Property "available_locales" expects a valid locale code. The locale does not exist, "xx_XX" given.'),
    ({"code": "x", "type": "pim_catalog_date", "group": "other", "date_min": "2020/01/01"},
     'Property "date_min" expects a string with the format "yyyy-mm-dd" as data, "2020/01/01" given.'),
    ({"code": "x", "type": "pim_catalog_date", "group": "other", "date_max": "2020-13-45"},
     'Property "date_max" expects a string with the format "yyyy-mm-dd" as data, "2020-13-45" given.'),
]


def test_create_documented_refusals(api):
    """Wrong JSON types, unknown properties and unknown codes get the documented 422."""
    for body, reason in CREATE_REFUSALS:
        documented(api.post(BASE, json=body), reason, "post_attributes")
    assert get(Attribute, code="x") is None


CREATE_FAILURES = [
    ({"code": "sku2", "type": "pim_catalog_identifier"},
     [("type", "An identifier attribute already exists: there can only be one.")]),
    ({"code": "name", "type": "pim_catalog_text"}, [("code", 'The attribute code "name" is already used.')]),
    ({"code": "bad-code", "type": "pim_catalog_text"},
     [("code", "The code may only contain letters, digits and underscores (at most 100 characters).")]),
    ({"code": "family", "type": "pim_catalog_text"}, [("code", 'The code "family" is reserved.')]),
    ({"code": 12, "type": "pim_catalog_text"}, [("code", "This value should be of type string.")]),
    ({"code": "x", "type": "pim_catalog_text", "number_min": "1"}, [("number_min", "This value should be null.")]),
    ({"code": "x", "type": "pim_catalog_text", "allowed_extensions": ["pdf"]},
     [("allowed_extensions", "This value should be blank.")]),
    ({"code": "x", "type": "pim_catalog_boolean", "unique": True}, [("unique", "This attribute type can't have unique value")]),
    ({"code": "x", "type": "pim_catalog_text", "localizable": "yes"}, [("localizable", "This value should be of type bool.")]),
    ({"code": "x", "type": "pim_catalog_text", "scopable": None}, [("scopable", "This value should not be null.")]),
    ({"code": "x", "type": "pim_catalog_text", "sort_order": -1}, [("sort_order", "Enter a number between 0 and 2147483647.")]),
    ({"code": "x", "type": "pim_catalog_text", "sort_order": 10**30}, [("sort_order", "Enter a number between 0 and 2147483647.")]),
    ({"code": "x", "type": "pim_catalog_text", "sort_order": 1.5}, [("sort_order", "This value should be of type integer.")]),
    ({"code": "x", "type": "pim_catalog_text", "max_characters": 300}, [("max_characters", "Enter a number between 1 and 255.")]),
    ({"code": "x", "type": "pim_catalog_text", "labels": {"es_ES": "x"}},
     [("labels", 'The locale "es_ES" does not exist or is not activated.')]),
    ({"code": "x", "type": "pim_catalog_text", "labels": {"en_US": "x" * 256}},
     [("labels", "A label has at most 255 characters.")]),
    ({"code": "x", "type": "pim_catalog_text", "available_locales": ["es_ES"]},
     [("available_locales", "These locales are not enabled: es_ES.")]),
    ({"code": "x", "type": "pim_catalog_text", "validation_rule": "phone"},
     [("validation_rule", "Choose a validation rule from the list.")]),
    ({"code": "x", "type": "pim_catalog_text", "validation_rule": "regexp", "validation_regexp": "(["},
     [("validation_regexp", "This regular expression is not valid: unterminated character set at position 1.")]),
    ({"code": "x", "type": "pim_catalog_number", "number_min": "abc"}, [("number_min", "Enter a number, like 10 or 2.5.")]),
    ({"code": "x", "type": "pim_catalog_number", "number_min": True}, [("number_min", "This value should be of type numeric.")]),
    ({"code": "x", "type": "pim_catalog_number", "number_min": "1.5"},
     [("number_min", "Decimals are not allowed: enter a whole number.")]),
    ({"code": "x", "type": "pim_catalog_number", "number_min": 5, "number_max": 1},
     [("number_max", "The maximum must be greater than or equal to the minimum.")]),
    ({"code": "x", "type": "pim_catalog_metric"}, [("metric_family", "Choose the measurement family.")]),
    ({"code": "x", "type": "pim_catalog_metric", "metric_family": "Length", "default_metric_unit": "GRAM"},
     [("default_metric_unit", 'Choose a default unit of the "Length" measurement family.')]),
    ({"code": "x", "type": "pim_catalog_date", "date_min": "2030-01-01", "date_max": "2020-01-01"},
     [("date_max", "The maximum date must be on or after the minimum date.")]),
    ({"code": "x", "type": "pim_catalog_file", "allowed_extensions": ["*.exe"], "max_file_size": "0"},
     [("allowed_extensions", "Not a valid file extension: *.exe."),
      ("max_file_size", "The maximum file size is a number of MB between 0 and 9999.")]),
    ({"code": "x", "type": "pim_catalog_text", "reference_data_name": "colors"},
     [("reference_data_name", "This value should be null.")]),
    ({"code": "x", "type": "pim_catalog_text", "labels": {"en_US": "a\x00b"}},
     [("labels", "This value should not contain the NUL character.")]),
]


def test_create_validation_failures(api):
    """Rules shared with the settings forms answer the validation 422; nothing is written."""
    for body, errors in CREATE_FAILURES:
        assert_invalid(api.post(BASE, json={"group": "other", **body}), *errors)
    assert get(Attribute, code="x") is None


def test_unique_identifier_rules(api):
    """The identifier stays unique, a grid filter, global and without available locales."""
    response = api.patch(f"{BASE}/sku", json={"useable_as_grid_filter": False, "available_locales": ["en_US"]})
    assert_invalid(response, ("available_locales", "This attribute cannot have available locales."),
            ("useable_as_grid_filter", "The identifier attribute is always usable as a grid filter."))


# -- update and upsert ------------------------------------------------------------------------------

def test_patch_updates_and_merges_labels(api):
    """PATCH on an existing attribute: 204 + Location; labels merge locale by locale, null removes one."""
    api.patch(f"{BASE}/name", json={"labels": {"fr_FR": "Nom", "de_DE": "Name"}})
    response = api.patch(f"{BASE}/name", json={"labels": {"de_DE": None, "en_US": "Title"}, "max_characters": 100,
                                                "group": "marketing"})
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attributes/name"
    name = api.get(f"{BASE}/name").get_json()
    assert name["labels"] == {"en_US": "Title", "fr_FR": "Nom"}
    assert (name["max_characters"], name["group"], name["localizable"]) == (100, "marketing", True)


def test_patch_creates_missing_attribute(api):
    """PATCH on an unknown code creates it with the URL's code: 201 + Location."""
    response = api.patch(f"{BASE}/season_year", json={"type": "pim_catalog_number", "group": "marketing"})
    assert response.status_code == 201
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attributes/season_year"
    assert api.get(f"{BASE}/season_year").get_json()["decimals_allowed"] is False


def test_patch_code_must_match_url(api):
    for path in (f"{BASE}/name", f"{BASE}/brand_new"):
        response = api.patch(path, json={"code": "other_code"})
        assert response.status_code == 422
        url_code = path.rsplit("/", 1)[1]
        assert response.get_json() == {"code": 422, "message": f'The code "other_code" provided in the request body '
                                                               f'must match the code "{url_code}" provided in the url.'}


@pytest.mark.parametrize("body, prop", [
    ({"localizable": True, "scopable": True}, "scopable"),
    ({"unique": True}, "unique"),
    ({"type": "pim_catalog_textarea"}, "type"),
])
def test_immutable_properties(api, body, prop):
    """localizable, scopable, unique, type and metric_family cannot change; the row stays untouched."""
    before = api.get(f"{BASE}/name").get_json()
    assert_invalid(api.patch(f"{BASE}/name", json={**body, "labels": {"en_US": "Changed"}}),
            (prop, "This property cannot be changed."))
    assert api.get(f"{BASE}/name").get_json() == before


def test_metric_family_is_immutable(api):
    assert_invalid(api.patch(f"{BASE}/weight", json={"metric_family": "Length", "default_metric_unit": "METER"}),
            ("metric_family", "This property cannot be changed."))
    assert api.patch(f"{BASE}/weight", json={"metric_family": "Weight", "default_metric_unit": "KILOGRAM"}).status_code == 204
    assert api.get(f"{BASE}/weight").get_json()["default_metric_unit"] == "KILOGRAM"


def test_read_only_properties_are_ignored_on_write(api):
    """A document read back can be sent again as is (read-only properties are ignored)."""
    document = api.get(f"{BASE}/weight").get_json()
    assert api.patch(f"{BASE}/weight", json=document).status_code == 204
    assert api.get(f"{BASE}/weight").get_json() == document


def test_validation_failure_leaves_the_row_untouched(api):
    """A 422 (validation or documented) writes nothing."""
    before = api.get(f"{BASE}/price").get_json()
    response = api.patch(f"{BASE}/price", json={"labels": {"en_US": "Changed"}, "number_min": "x"})
    assert_invalid(response, ("number_min", "Enter a number, like 10 or 2.5."))
    documented(api.patch(f"{BASE}/price", json={"labels": {"en_US": "Changed"}, "nope": 1}),
               'Property "nope" does not exist.', "patch_attributes__code_")
    assert api.get(f"{BASE}/price").get_json() == before


def test_changing_available_locales_recomputes_completeness(api, conn):
    """french_label (required nowhere yet) becomes required on print; locales then matter."""
    assert api.patch("/api/rest/v1/families/hats", json={"attribute_requirements": {"print": ["french_label"]}}
                     ).status_code == 204
    product = make_product("hat-1", values={"french_label": [{"locale": "fr_FR", "scope": None, "data": "Chapeau"}]})

    def print_ratios():
        query = ProductCompleteness.select().where(ProductCompleteness.product == product.uuid)
        return {row.locale.code: row.ratio for row in query if row.channel.code == "print"}

    before = print_ratios()  # only fr_FR needs french_label, and print has en_US and de_DE
    assert api.patch(f"{BASE}/french_label", json={"available_locales": ["fr_FR", "en_US"]}).status_code == 204
    after = print_ratios()
    assert after["en_US"] < before["en_US"] and after["de_DE"] == before["de_DE"]


# -- batch ------------------------------------------------------------------------------------------

def test_batch_upsert_lines(api):
    """Each line is handled as a single PATCH; a failing line does not roll back earlier ones."""
    response = api.patch_batch(BASE, [
        {"code": "lining", "type": "pim_catalog_text", "group": "technical"},
        {"code": "name", "labels": {"en_US": "Product name"}},
        {"code": "lining", "localizable": True},
        {"code": "broken", "type": "pim_catalog_text", "group": "nope"},
        '{"code": ',
        {"labels": {}},
        {"code": 7},
    ])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.akeneo.collection+json"
    assert not response.get_data(as_text=True).endswith("\n")
    assert api.lines(response) == [
        {"line": 1, "code": "lining", "status_code": 201},
        {"line": 2, "code": "name", "status_code": 204},
        {"line": 3, "code": "lining", "status_code": 422, "message": "Validation failed.",
         "errors": [{"property": "localizable", "message": "This property cannot be changed."}]},
        {"line": 4, "code": "broken", "status_code": 422,
         "message": 'Property "group" expects a valid code. The attribute group does not exist, "nope" given. '
                    "Check the expected format on the API documentation.",
         "_links": {"documentation": {"href": DOC + "patch_attributes__code_"}}},
        {"line": 5, "status_code": 400, "message": "Invalid json message received"},
        {"line": 6, "status_code": 422, "message": "Code is missing."},
        {"line": 7, "status_code": 422, "message": "code must be of type string."},
    ]
    assert get(Attribute, code="lining").localizable is False
    assert api.get(f"{BASE}/name").get_json()["labels"] == {"en_US": "Product name"}


def test_batch_needs_the_collection_content_type(api):
    response = api.patch(BASE, json={"code": "x"})
    assert response.status_code == 415
    assert response.get_json()["message"] == ('"application/json" in "Content-Type" header is not valid. '
                                              'Only "application/vnd.akeneo.collection+json" is allowed.')


# -- access and robustness --------------------------------------------------------------------------

def test_acl_refusals(api_as):
    """Without the attribute ACLs, reads and writes get the reference's 403."""
    api = api_as(acls=["pim_api_overall_access"])
    listing = api.get(BASE)
    assert listing.status_code == 403
    assert listing.get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to list attributes."}
    assert api.get(f"{BASE}/sku").status_code == 403
    reader = api_as(acls=["pim_api_overall_access", "pim_api_attribute_list"])
    for response in (reader.post(BASE, json={"code": "x"}), reader.patch(f"{BASE}/x", json={}),
                     reader.patch_batch(BASE, [{"code": "x"}])):
        assert response.status_code == 403
        assert response.get_json()["message"] == "Access forbidden. You are not allowed to create or update attributes."
    assert get(Attribute, code="x") is None


def test_bodies_that_are_not_objects_or_nest_too_deep(api):
    """Bodies that are not JSON objects, or nest deeper than the parser goes, are 400s."""
    deep = '{"labels": ' + "[" * 100000 + "]" * 100000 + "}"
    for body in ("[]", "null", "{", '"text"', deep):
        response = api.client.post(BASE, data=body, content_type="application/json",
                                   headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code == 400 and response.get_json()["message"] == "Invalid json message received"
    # Nested within the body depth limit: parsed, then refused by validation (422); deeper: 400,
    # as Akeneo's json_decode (depth 512) answers for 900 levels.
    for levels, status in ((20, 422), (900, 400)):
        nested = '{"labels": {"en_US": ' + "[" * levels + "]" * levels + "}}"
        response = api.client.patch(f"{BASE}/name", data=nested, content_type="application/json",
                                    headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code == status
    deep = api.patch_batch(BASE, ['{"code": "name", "labels": ' + "[" * 100000 + "]" * 100000 + "}"])
    assert deep.status_code == 200
    assert Api.lines(deep) == [{"line": 1, "status_code": 400, "message": "Invalid json message received"}]


ODD_VALUES = [None, True, 0, -1, 1.5, 10**40, float("inf"), "", "x" * 10000, "ü€😀", "a\x00b", "\ud800", [], [None], {}, {"a": {"b": 1}}]


PROPERTIES = ["code", "type", "group", "labels", "sort_order", "localizable", "scopable", "unique", "available_locales",
              "useable_as_grid_filter", "max_characters", "validation_rule", "validation_regexp", "wysiwyg_enabled",
              "number_min", "number_max", "decimals_allowed", "negative_allowed", "metric_family",
              "default_metric_unit", "date_min", "date_max", "allowed_extensions", "max_file_size", "default_value",
              "group_labels", "ünïcödé"]


def test_odd_values_never_fail_the_server(api):
    """Every property with nulls, wrong types, huge and unicode strings: an answer, never a 500."""
    for prop, value in ((prop, value) for prop in PROPERTIES for value in ODD_VALUES):
        body = json.dumps({"type": "pim_catalog_number", "group": "other", prop: value}, allow_nan=True)
        for path, method in ((f"{BASE}/odd", "patch"), (f"{BASE}/weight", "patch"), (BASE, "post")):
            response = getattr(api.client, method)(path, data=body, content_type="application/json",
                                                   headers={"Authorization": f"Bearer {api.token}"})
            assert response.status_code in (201, 204, 400, 422), (prop, value, response.get_json())


def test_odd_urls_and_search_values_never_fail_the_server(api):
    for code in ("ü€😀", "x" * 5000, "a%00b", "%F0%9F"):
        assert api.get(f"{BASE}/{code}").status_code == 404
        assert api.patch(f"{BASE}/{code}", json={"type": "pim_catalog_text", "group": "other"}).status_code == 422
    for value in (["a\x00b"], ["x" * 5000] * 3, ["é"] * 2000, [str(i) for i in range(2000)], {"a": 1}, 3):
        response = api.get(BASE, query_string=search(code=[{"operator": "IN", "value": value}]))
        assert response.status_code in (200, 422)
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", None, 5, "😀"):
        response = api.get(BASE, query_string=search(updated=[{"operator": ">", "value": value}]))
        assert response.status_code in (200, 422)
    assert get(Family, code="hats") is not None


def test_lone_surrogates_are_invalid_json(api):
    """A ``\\ud800`` escape decodes to text no database can store: 400, as the reference's decoder answers."""
    surrogate = '"\\ud800"'
    cases = [
        (f"{BASE}/name", '{"labels": {"en_US": %s}}'),
        (f"{BASE}/name", '{"available_locales": [%s]}'),
        ("/api/rest/v1/attributes/color/options/red", '{"labels": {"en_US": %s}}'),
        ("/api/rest/v1/attribute-groups/media", '{"attributes": [%s]}'),
        ("/api/rest/v1/families/hats", '{"attribute_requirements": {%s: []}}'),
    ]
    for path, body in cases:
        response = api.client.patch(path, data=body % surrogate, content_type="application/json",
                                    headers={"Authorization": f"Bearer {api.token}"})
        assert response.status_code == 400, (path, body)
        assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    batch = api.patch_batch(BASE, ['{"code": %s}' % surrogate])
    assert api.lines(batch) == [{"line": 1, "status_code": 400, "message": "Invalid json message received"}]
    found = api.get(BASE, query_string={"search": '{"code": [{"operator": "IN", "value": [%s, "sku"]}]}' % surrogate})
    assert codes(found) == ["sku"]
    assert api.get(f"{BASE}/name").get_json()["labels"] == {"en_US": "Name"}
