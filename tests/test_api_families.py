"""REST API: families and attribute requirements (reference §5.6), and the (always empty) family variants."""
import json

from pimconnect.models import Family, ProductCompleteness
from tests.factories import make_product
from tests.test_api_attributes import DOC, assert_invalid, codes, counted_queries, documented, get, search

BASE = "/api/rest/v1/families"

HATS = {
    "code": "hats",
    "attributes": ["color", "cost_price", "description", "ean", "erp_name", "french_label", "material", "name",
                   "picture", "price", "seasons", "sku", "waterproof", "weight"],
    "attribute_as_label": "name",
    "attribute_as_image": "picture",
    "attribute_requirements": {"ecommerce": ["color", "description", "name", "picture", "price", "sku"],
                               "mobile": ["name", "price", "sku"], "print": ["description", "name", "sku", "weight"]},
    "labels": {"en_US": "Hats"},
}


def family(api, code):
    return api.get(f"{BASE}/{code}").get_json()


def test_get_family(api):
    """A family reads as the §5.6 document: sorted attribute codes, requirements per channel."""
    response = api.get(f"{BASE}/hats")
    assert response.status_code == 200
    assert response.get_json() == HATS
    assert list(json.loads(response.get_data(as_text=True))) == list(HATS)
    missing = api.get(f"{BASE}/nope")
    assert missing.status_code == 404 and missing.get_json() == {"code": 404, "message": 'Family "nope" does not exist.'}


def test_list_sorted_by_code_with_links(api):
    body = api.get(BASE, query_string={"limit": 2, "with_count": "true"}).get_json()
    assert [i["code"] for i in body["_embedded"]["items"]] == ["bags", "clothing"]
    assert body["items_count"] == 4 and "previous" not in body["_links"]
    assert body["_links"]["next"]["href"] == "http://localhost/api/rest/v1/families?with_count=true&page=2&limit=2"
    second = api.get(BASE, query_string={"limit": 2, "page": 2}).get_json()
    assert second["_embedded"]["items"][0] == {"_links": {"self": {"href": "http://localhost/api/rest/v1/families/hats"}},
                                               **HATS}


def test_search_on_code_updated_and_products(api):
    make_product("cap-1", family="hats")
    assert codes(api.get(BASE, query_string=search(code=[{"operator": "IN", "value": ["bags", "hats", "x"]}]))) == ["bags", "hats"]
    used = search(has_products=[{"operator": "=", "value": True}])
    assert codes(api.get(BASE, query_string=used)) == ["hats"]
    unused = search(has_products=[{"operator": "=", "value": False}], code=[{"operator": "IN", "value": ["hats", "bags"]}])
    assert codes(api.get(BASE, query_string=unused)) == ["bags"]
    assert codes(api.get(BASE, query_string=search(updated=[{"operator": ">", "value": "2100-01-01T00:00:00+00:00"}]))) == []
    for filters, message in [
        ({"has_products": [{"operator": "=", "value": "yes"}]}, 'Filter "has_products" expects a boolean value.'),
        ({"has_products": [{"operator": "!=", "value": True}]},
         'Filter on property "has_products" is not supported or does not support operator "!="'),
        ({"code": [{"operator": "IN", "value": None}]},
         "In order to search on family codes you must send an array of family codes as value, NULL given."),
    ]:
        assert api.get(BASE, query_string=search(**filters)).get_json() == {"code": 422, "message": message}


def test_create_family(api):
    """POST creates a family; the identifier is added to its attributes and required on every channel."""
    response = api.post(BASE, json={"code": "shoes", "attributes": ["name", "picture", "color"],
                                    "attribute_as_label": "name", "attribute_as_image": "picture",
                                    "attribute_requirements": {"ecommerce": ["name", "color"]},
                                    "labels": {"en_US": "Shoes", "fr_FR": "Chaussures"}})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/families/shoes"
    assert family(api, "shoes") == {
        "code": "shoes", "attributes": ["color", "name", "picture", "sku"], "attribute_as_label": "name",
        "attribute_as_image": "picture",
        "attribute_requirements": {"ecommerce": ["color", "name", "sku"], "mobile": ["sku"], "print": ["sku"]},
        "labels": {"en_US": "Shoes", "fr_FR": "Chaussures"}}


def test_patch_merges_as_the_reference(api):
    """attributes are replaced (the identifier stays); requirements are replaced per given channel only."""
    response = api.patch(f"{BASE}/hats", json={
        "attributes": ["name", "description", "price", "color", "picture", "weight"],
        "attribute_requirements": {"mobile": ["name", "color"]}, "labels": {"fr_FR": "Chapeaux"}})
    assert response.status_code == 204 and response.headers["Location"] == "http://localhost/api/rest/v1/families/hats"
    assert family(api, "hats") == {
        "code": "hats", "attributes": ["color", "description", "name", "picture", "price", "sku", "weight"],
        "attribute_as_label": "name", "attribute_as_image": "picture",
        "attribute_requirements": {"ecommerce": ["color", "description", "name", "picture", "price", "sku"],
                                   "mobile": ["color", "name", "sku"], "print": ["description", "name", "sku", "weight"]},
        "labels": {"en_US": "Hats", "fr_FR": "Chapeaux"}}
    api.patch(f"{BASE}/hats", json={"attributes": ["name", "price"], "attribute_as_image": None})
    assert family(api, "hats")["attribute_requirements"] == {"ecommerce": ["name", "price", "sku"],
                                                             "mobile": ["name", "sku"], "print": ["name", "sku"]}
    assert family(api, "hats")["attribute_as_image"] is None


def test_upsert_creates(api):
    response = api.patch(f"{BASE}/boots", json={"attribute_as_label": "sku"})
    assert response.status_code == 201 and response.headers["Location"] == "http://localhost/api/rest/v1/families/boots"
    assert family(api, "boots")["attributes"] == ["sku"]


def test_requirements_recompute_completeness(api, conn):
    """Changing requirements recomputes the completeness of the family's products, as the web UI does."""
    product = make_product("cap-2", family="hats", values={"name": [{"locale": "en_US", "scope": None, "data": "Cap"}]})

    def ratio(channel, locale):
        return (ProductCompleteness.select().where(ProductCompleteness.product == product.uuid)
                .join_from(ProductCompleteness, ProductCompleteness.channel.rel_model)
                .where(ProductCompleteness.channel.rel_model.code == channel)
                .join_from(ProductCompleteness, ProductCompleteness.locale.rel_model)
                .where(ProductCompleteness.locale.rel_model.code == locale).get().ratio)

    assert ratio("mobile", "en_US") < 100
    assert api.patch(f"{BASE}/hats", json={"attribute_requirements": {"mobile": ["name"]}}).status_code == 204
    assert ratio("mobile", "en_US") == 100
    assert api.patch(f"{BASE}/hats", json={"attributes": ["name"], "attribute_as_image": ""}).status_code == 204
    assert ratio("print", "en_US") == 100


def test_documented_refusals(api):
    anchor = "patch_families__code_"
    cases = [
        ({"attributes": ["name", "ghost"]}, 'Property "attributes" expects a valid code. The attribute does not exist, "ghost" given.'),
        ({"attributes": "name"}, 'Property "attributes" expects an array as data, "string" given.'),
        ({"attributes": [{"code": "name"}]}, 'Property "attributes" expects an array with valid data, one of the attributes is not a scalar.'),
        ({"attribute_as_label": "ghost"}, 'Property "attribute_as_label" expects a valid code. The attribute does not exist, "ghost" given.'),
        ({"attribute_as_image": ["picture"]}, 'Property "attribute_as_image" expects a scalar as data, "array" given.'),
        ({"attribute_requirements": "all"}, 'Property "attribute_requirements" expects an array as data, "string" given.'),
        ({"attribute_requirements": {"print": "name"}},
         'Property "attribute_requirements" expects an array with valid data, the channel "print" is not an array.'),
        ({"attribute_requirements": {"print": [["name"]]}},
         'Property "attribute_requirements" expects an array with valid data, one of the attributes in the channel "print" is not a scalar.'),
        ({"attribute_requirements": {"tablet": ["name"]}},
         'Property "attribute_requirements" expects a valid code. The channel does not exist, "tablet" given.'),
        ({"attribute_requirements": {"print": ["ghost"]}},
         'Property "attribute_requirements" expects a valid code. The attribute does not exist, "ghost" given.'),
        ({"parent": "x"}, 'Property "parent" does not exist.'),
    ]
    for body, reason in cases:
        documented(api.patch(f"{BASE}/hats", json=body), reason, anchor)
    documented(api.post(BASE, json={"code": "x", "labels": 3}), 'Property "labels" expects an array as data, "integer" given.',
               "post_families")
    assert family(api, "hats") == HATS


def test_validation_failures_leave_the_family_untouched(api):
    cases = [
        ({"attribute_as_label": "color"},
         [("attribute_as_label", "The attribute used as label must be an identifier or text attribute of the family.")]),
        ({"attribute_as_label": "short_tagline"},
         [("attribute_as_label", "The attribute used as label must be an identifier or text attribute of the family.")]),
        ({"attribute_as_image": "notice"},
         [("attribute_as_image", "The attribute used as image must be an image attribute of the family.")]),
        ({"attributes": ["sku", "name"], "attribute_requirements": {"print": ["name", "weight"]}},
         [("attribute_as_image", "The attribute used as image must be an image attribute of the family."),
          ("attribute_requirements", 'The attribute "weight" cannot be an attribute required for the channel "print" '
                                     "as it does not belong to this family")]),
        ({"attribute_as_label": None}, [("attribute_as_label", "Choose the attribute used as label.")]),
        ({"labels": {"en_US": "x" * 256}}, [("labels", "A label has at most 255 characters.")]),
    ]
    for body, errors in cases:
        assert_invalid(api.patch(f"{BASE}/hats", json=body), *errors)
    assert_invalid(api.post(BASE, json={"code": "hats", "attribute_as_label": "sku"}),
            ("code", 'The family code "hats" is already used.'))
    assert_invalid(api.post(BASE, json={"attributes": ["name"]}),
            ("code", "This value should not be blank."), ("attribute_as_label", "Choose the attribute used as label."))
    mismatch = api.patch(f"{BASE}/hats", json={"code": "caps"})
    assert mismatch.get_json() == {"code": 422, "message": 'The code "caps" provided in the request body must match the '
                                                           'code "hats" provided in the url.'}
    assert family(api, "hats") == HATS


def test_batch(api):
    response = api.patch_batch(BASE, [
        {"code": "scarves", "attributes": ["name"], "attribute_as_label": "name"},
        {"code": "hats", "labels": {"de_DE": "Hüte"}},
        {"code": "gloves"},
        {"code": "hats", "attribute_requirements": {"nowhere": []}},
    ])
    assert api.lines(response) == [
        {"line": 1, "code": "scarves", "status_code": 201},
        {"line": 2, "code": "hats", "status_code": 204},
        {"line": 3, "code": "gloves", "status_code": 422, "message": "Validation failed.",
         "errors": [{"property": "attribute_as_label", "message": "Choose the attribute used as label."}]},
        {"line": 4, "code": "hats", "status_code": 422,
         "message": 'Property "attribute_requirements" expects a valid code. The channel does not exist, "nowhere" '
                    "given. Check the expected format on the API documentation.",
         "_links": {"documentation": {"href": DOC + "patch_families__code_"}}},
    ]
    assert get(Family, code="scarves") is not None and get(Family, code="gloves") is None
    assert family(api, "hats")["labels"] == {"en_US": "Hats", "de_DE": "Hüte"}


def test_variants_are_an_empty_list(api):
    """PIM Connect has no product models: an existing family has no variants."""
    body = api.get(f"{BASE}/hats/variants", query_string={"with_count": "true"}).get_json()
    assert body == {"_links": {"self": {"href": "http://localhost/api/rest/v1/families/hats/variants?with_count=true&page=1&limit=10"},
                               "first": {"href": "http://localhost/api/rest/v1/families/hats/variants?with_count=true&page=1&limit=10"}},
                    "current_page": 1, "items_count": 0, "_embedded": {"items": []}}
    assert api.get(f"{BASE}/nope/variants").get_json() == {"code": 404, "message": 'Family "nope" does not exist.'}
    assert api.get(f"{BASE}/hats/variants", query_string={"limit": 0}).status_code == 422
    assert api.get(f"{BASE}/hats/variants/by_size").get_json() == {
        "code": 404, "message": 'Family variant "by_size" does not exist or is not a variant of the family "hats".'}


def test_acl_refusals(api_as):
    api = api_as(acls=["pim_api_overall_access", "pim_api_family_variant_list"])
    assert api.get(BASE).get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to list families."}
    assert api.get(f"{BASE}/hats/variants").status_code == 200
    reader = api_as(acls=["pim_api_overall_access", "pim_api_family_list"])
    assert reader.get(f"{BASE}/hats/variants").get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to list family variants."}
    for response in (reader.post(BASE, json={"code": "x"}), reader.patch(f"{BASE}/x", json={}),
                     reader.patch_batch(BASE, [{"code": "x"}])):
        assert response.status_code == 403
        assert response.get_json()["message"] == "Access forbidden. You are not allowed to create or update families."
    assert get(Family, code="x") is None


def test_list_query_count_does_not_grow_with_the_page(api):
    """Families with their attributes, requirements and label/image codes: constant queries per page."""
    with counted_queries() as small:
        api.get(BASE, query_string={"limit": 1})
    with counted_queries() as large:
        api.get(BASE, query_string={"limit": 4})
    assert len(small) == len(large)


def test_odd_values_never_fail_the_server(api):
    values = [None, True, 3.5, 10**40, "", "x" * 10000, "ü€😀", "a\x00b", "\ud800", [], [None], {}, {"print": None},
              {"print": [None, 1]}, ["x"] * 300]
    for prop in ("code", "attributes", "attribute_as_label", "attribute_as_image", "attribute_requirements", "labels", "😀"):
        for value in values:
            for path in (f"{BASE}/odd", f"{BASE}/hats"):
                response = api.patch(path, json={"attribute_as_label": "sku", prop: value})
                assert response.status_code in (201, 204, 400, 422), (prop, value, response.get_json())
    for code in ("ü€😀", "x" * 5000, "a%00b"):
        assert api.get(f"{BASE}/{code}").status_code == 404
        assert api.get(f"{BASE}/{code}/variants").status_code == 404
