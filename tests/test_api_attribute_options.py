"""REST API: attribute options (reference §5.4) — only for simple and multi select attributes."""
import json

from pimconnect.models import AttributeOption
from tests.test_api_attributes import DOC, assert_invalid, counted_queries, documented, get

BASE = "/api/rest/v1/attributes/color/options"
NOT_SELECT = ('Attribute "name" does not support options. Only attributes of type "pim_catalog_simpleselect", '
              '"pim_catalog_multiselect" support options.')


def test_list_sorted_by_code_with_links(api):
    """Options are sorted by code (not by their sort order); links keep the parameters."""
    body = api.get(BASE, query_string={"limit": 3, "with_count": "true"}).get_json()
    assert [i["code"] for i in body["_embedded"]["items"]] == ["beige", "black", "blue"]
    assert body["items_count"] == 7
    assert body["_embedded"]["items"][0] == {
        "_links": {"self": {"href": "http://localhost/api/rest/v1/attributes/color/options/beige"}},
        "code": "beige", "attribute": "color", "sort_order": 5, "labels": {"en_US": "Beige"}}
    assert body["_links"]["next"]["href"] == "http://localhost/api/rest/v1/attributes/color/options?with_count=true&page=2&limit=3"
    last = api.get(BASE, query_string={"page": 3, "limit": 3}).get_json()
    assert [i["code"] for i in last["_embedded"]["items"]] == ["white"] and "next" not in last["_links"]
    assert last["_links"]["previous"]["href"].endswith("page=2&limit=3")


def test_get_option(api):
    response = api.get(f"{BASE}/red")
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True)) == {"code": "red", "attribute": "color", "sort_order": 2,
                                                            "labels": {"en_US": "Red"}}
    assert list(response.get_json()) == ["code", "attribute", "sort_order", "labels"]
    multi = api.get("/api/rest/v1/attributes/seasons/options/winter").get_json()
    assert multi["attribute"] == "seasons"


def test_not_found_messages(api):
    """Unknown attribute, attribute without options, option of another attribute: the exact 404s."""
    cases = [
        ("/api/rest/v1/attributes/nope/options", 'Attribute "nope" does not exist.'),
        ("/api/rest/v1/attributes/name/options", NOT_SELECT),
        ("/api/rest/v1/attributes/name/options/red", NOT_SELECT),
        (f"{BASE}/straw", 'Attribute option "straw" does not exist or is not an option of the attribute "color".'),
        (f"{BASE}/a%00b", 'Attribute option "a\x00b" does not exist or is not an option of the attribute "color".'),
    ]
    for path, message in cases:
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.get_json() == {"code": 404, "message": message}
    for response in (api.post("/api/rest/v1/attributes/name/options", json={"code": "x"}),
                     api.patch("/api/rest/v1/attributes/name/options/x", json={})):
        assert response.status_code == 404 and response.get_json()["message"] == NOT_SELECT


def test_create_option(api):
    """POST creates an option placed last; 201 with its Location."""
    response = api.post(BASE, json={"code": "pink", "labels": {"en_US": "Pink", "fr_FR": "Rose"}})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attributes/color/options/pink"
    assert api.get(f"{BASE}/pink").get_json() == {"code": "pink", "attribute": "color", "sort_order": 7,
                                                   "labels": {"en_US": "Pink", "fr_FR": "Rose"}}
    with_order = api.post(BASE, json={"code": "teal", "attribute": "color", "sort_order": 1})
    assert with_order.status_code == 201 and get(AttributeOption, code="teal").sort_order == 1


def test_body_codes_must_match_the_url(api):
    attribute = api.post(BASE, json={"code": "pink", "attribute": "material"})
    assert attribute.get_json() == {"code": 422, "message": 'The attribute code "material" provided in the request body '
                                                            'must match the attribute code "color" provided in the url.'}
    option = api.patch(f"{BASE}/pink", json={"code": "rose"})
    assert option.get_json() == {"code": 422, "message": 'The option code "rose" provided in the request body must '
                                                         'match the option code "pink" provided in the url.'}
    assert get(AttributeOption, code="pink") is None and get(AttributeOption, code="rose") is None


def test_upsert_option(api):
    """PATCH creates a missing option (201) and updates an existing one (204), merging labels."""
    created = api.patch(f"{BASE}/navy", json={"labels": {"en_US": "Navy"}})
    assert created.status_code == 201
    assert created.headers["Location"] == "http://localhost/api/rest/v1/attributes/color/options/navy"
    response = api.patch(f"{BASE}/red", json={"labels": {"fr_FR": "Rouge"}, "sort_order": 9, "attribute": "color"})
    assert response.status_code == 204
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attributes/color/options/red"
    assert api.get(f"{BASE}/red").get_json() == {"code": "red", "attribute": "color", "sort_order": 9,
                                                  "labels": {"en_US": "Red", "fr_FR": "Rouge"}}
    api.patch(f"{BASE}/red", json={"labels": {"en_US": None}})
    assert api.get(f"{BASE}/red").get_json()["labels"] == {"fr_FR": "Rouge"}


def test_refusals(api):
    """Wrong types and unknown properties are documented 422s; rule failures are validation 422s."""
    anchor = "patch_attributes__attribute_code__options__code_"
    documented(api.patch(f"{BASE}/red", json={"position": 1}), 'Property "position" does not exist.', anchor)
    documented(api.patch(f"{BASE}/red", json={"labels": "Red"}),
               'Property "labels" expects an array as data, "string" given.', anchor)
    documented(api.patch(f"{BASE}/red", json={"sort_order": [1]}),
               'Property "sort_order" expects a scalar as data, "array" given.', anchor)
    documented(api.post(BASE, json={"code": "x", "labels": [["x"]]}),
               'Property "labels" expects an array with valid data, one of the "labels" values is not a scalar.',
               "post_attributes__attribute_code__options")
    assert_invalid(api.patch(f"{BASE}/red", json={"sort_order": "first"}), ("sort_order", "This value should be of type integer."))
    assert_invalid(api.patch(f"{BASE}/red", json={"sort_order": -3}), ("sort_order", "Enter a number between 0 and 2147483647."))
    assert_invalid(api.patch(f"{BASE}/red", json={"labels": {"xx_XX": "x"}}),
            ("labels", 'The locale "xx_XX" does not exist or is not activated.'))
    assert_invalid(api.post(BASE, json={"labels": {}}), ("code", "This value should not be blank."))
    assert_invalid(api.post(BASE, json={"code": "red"}), ("code", 'The option code "red" is already used.'))
    assert_invalid(api.patch(f"{BASE}/not-valid", json={}),
            ("code", "The code may only contain letters, digits and underscores (at most 100 characters)."))
    assert api.get(f"{BASE}/red").get_json() == {"code": "red", "attribute": "color", "sort_order": 2,
                                                  "labels": {"en_US": "Red"}}


def test_batch(api):
    """Batch lines are independent: earlier lines stay written when a later one fails."""
    response = api.patch_batch(BASE, [
        {"code": "mint", "labels": {"en_US": "Mint"}},
        {"code": "red", "sort_order": 10},
        {"code": "olive", "attribute": "seasons"},
        {"code": "lime", "labels": {"en_US": None}, "unknown": 1},
    ])
    assert response.status_code == 200
    assert api.lines(response) == [
        {"line": 1, "code": "mint", "status_code": 201},
        {"line": 2, "code": "red", "status_code": 204},
        {"line": 3, "code": "olive", "status_code": 422,
         "message": 'The attribute code "seasons" provided in the request body must match the attribute code '
                    '"color" provided in the url.'},
        {"line": 4, "code": "lime", "status_code": 422,
         "message": 'Property "unknown" does not exist. Check the expected format on the API documentation.',
         "_links": {"documentation": {"href": DOC + "patch_attributes__attribute_code__options__code_"}}},
    ]
    assert get(AttributeOption, code="mint") is not None and get(AttributeOption, code="red").sort_order == 10
    unknown = api.patch_batch("/api/rest/v1/attributes/nope/options", [{"code": "a"}])
    assert api.lines(unknown) == [{"line": 1, "code": "a", "status_code": 404,
                                   "message": 'Attribute "nope" does not exist.'}]


def test_acl_refusals(api_as):
    api = api_as(acls=["pim_api_overall_access", "pim_api_attribute_list", "pim_api_attribute_edit"])
    listing = api.get(BASE)
    assert listing.status_code == 403
    assert listing.get_json()["message"] == "Access forbidden. You are not allowed to list attribute options."
    reader = api_as(acls=["pim_api_overall_access", "pim_api_attribute_option_list"])
    assert reader.get(BASE).status_code == 200
    for response in (reader.post(BASE, json={"code": "x"}), reader.patch(f"{BASE}/x", json={}),
                     reader.patch_batch(BASE, [{"code": "x"}])):
        assert response.status_code == 403
        assert response.get_json()["message"] == ("Access forbidden. You are not allowed to create or update "
                                                  "attribute options.")
    assert get(AttributeOption, code="x") is None


def test_list_query_count_does_not_grow_with_the_page(api):
    with counted_queries() as small:
        api.get(BASE, query_string={"limit": 1})
    with counted_queries() as large:
        api.get(BASE, query_string={"limit": 7})
    assert len(small) == len(large)


def test_odd_values_never_fail_the_server(api):
    """Nulls, wrong types, huge and unicode strings in every property and in the URL: never a 500."""
    values = [None, True, 1.5, 10**40, "", "x" * 10000, "ü€😀", "a\x00b", "\ud800", [], {}, {"en_US": {"x": 1}}]
    for prop in ("code", "attribute", "sort_order", "labels", "😀"):
        for value in values:
            for path in (f"{BASE}/odd", f"{BASE}/red"):
                response = api.patch(path, json={prop: value})
                assert response.status_code in (201, 204, 400, 422), (prop, value, response.get_json())
            assert api.post(BASE, json={"code": "odd2", prop: value}).status_code in (201, 400, 422)
    for code in ("ü€😀", "x" * 5000, "%F0%9F"):
        assert api.get(f"{BASE}/{code}").status_code == 404
        assert api.get(f"/api/rest/v1/attributes/{code}/options").status_code == 404
