"""The legacy products-by-identifier endpoints: identifier at the root, same rules as products-uuid."""
import uuid

from tests.factories import fetch_product, make_product

URL = "/api/rest/v1/products"
FIELDS = ["identifier", "enabled", "family", "categories", "groups", "parent", "values", "created", "updated",
          "associations", "quantified_associations", "metadata"]
NO_IDENTIFIER = ("Validation failed. The identifier field is required for this endpoint. If you want to manipulate "
                 "products without identifiers, please use products-uuid endpoints.")


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def test_get_by_identifier(api, seeded_app):
    make_product("hat", values={"color": v("red")})
    body = api.get(f"{URL}/hat").get_json()
    assert list(body) == FIELDS
    assert body["identifier"] == "hat" and "uuid" not in body
    assert body["values"] == {"color": v("red"), "sku": v("hat")}
    missing = api.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "code": 404, "message": 'Product "nope" does not exist or you do not have permission to access it.'}


def test_identifiers_with_url_characters(api, seeded_app):
    """Identifiers may hold characters that URLs encode: links and lookups round-trip them."""
    make_product("ha/t?#%é")
    listed = api.get(URL).get_json()["_embedded"]["items"][0]
    href = listed["_links"]["self"]["href"]
    assert href == "http://localhost/api/rest/v1/products/ha%2Ft%3F%23%25%C3%A9"
    assert api.get(href.replace("http://localhost", "")).get_json()["identifier"] == "ha/t?#%é"
    response = api.patch(href.replace("http://localhost", ""), json={"enabled": False})
    assert response.status_code == 204 and response.headers["Location"] == href


def test_create_requires_an_identifier(api, seeded_app):
    for body in ({}, {"identifier": ""}, {"identifier": None}):
        response = api.post(URL, json=body)
        assert response.status_code == 422
        assert response.get_json() == {"code": 422, "message": NO_IDENTIFIER, "_links": {"documentation": {
            "href": "http://api.akeneo.com/api-reference.html#post_products_uuid"}}}
    created = api.post(URL, json={"identifier": "hat", "family": "hats", "values": {"sku": v("ignored")}})
    assert created.status_code == 201 and created.headers["Location"] == "http://localhost/api/rest/v1/products/hat"
    assert api.get(f"{URL}/hat").get_json()["values"]["sku"] == v("hat")
    again = api.post(URL, json={"identifier": "hat"})
    assert again.get_json() == {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "identifier", "message": "The same identifier is already set on another product."}]}


def test_patch_upserts_by_identifier(api, seeded_app):
    created = api.patch(f"{URL}/hat", json={"family": "hats"})
    assert created.status_code == 201 and created.headers["Location"] == "http://localhost/api/rest/v1/products/hat"
    updated = api.patch(f"{URL}/hat", json={"identifier": "hat", "enabled": False})
    assert updated.status_code == 204 and updated.headers["Location"] == "http://localhost/api/rest/v1/products/hat"
    body = api.get(f"{URL}/hat").get_json()
    assert body["enabled"] is False and body["values"]["sku"] == v("hat")


def test_body_identifier_and_uuid_must_match(api, seeded_app):
    hat = make_product("hat")
    response = api.patch(f"{URL}/hat", json={"identifier": "cap"})
    assert response.get_json() == {"code": 422, "message": (
        'The identifier "cap" provided in the request body must match the identifier "hat" provided in the url.')}
    other = str(uuid.uuid4())
    response = api.patch(f"{URL}/hat", json={"uuid": other})
    assert response.get_json() == {"code": 422, "message": (
        f'The uuid "{other}" provided in the request body must match the uuid "{hat.uuid}" of the product "hat".')}
    assert api.patch(f"{URL}/hat", json={"uuid": str(hat.uuid)}).status_code == 204
    blank = api.patch(f"{URL}/hat", json={"identifier": None})
    assert blank.get_json()["message"] == NO_IDENTIFIER
    assert fetch_product(hat).version == 2


def test_patch_can_choose_the_uuid_of_a_new_product(api, seeded_app):
    chosen = str(uuid.uuid4())
    assert api.patch(f"{URL}/bag", json={"uuid": chosen}).status_code == 201
    assert api.get(f"/api/rest/v1/products-uuid/{chosen}").get_json()["values"]["sku"] == v("bag")


def test_documented_errors_name_the_identifier_operation(api, seeded_app):
    make_product("hat")
    response = api.patch(f"{URL}/hat", json={"categories": ["nope"]})
    assert response.get_json()["_links"] == {"documentation": {
        "href": "http://api.akeneo.com/api-reference.html#patch_products__code_"}}
    response = api.post(URL, json={"identifier": "cap", "family": "nope"})
    assert response.get_json()["_links"] == {"documentation": {
        "href": "http://api.akeneo.com/api-reference.html#post_products"}}


def test_associations_by_identifier(api, seeded_app):
    bag = make_product("bag")
    make_product("hat")
    response = api.patch(f"{URL}/hat", json={"associations": {"X_SELL": {"products": ["bag"]}}})
    assert response.status_code == 204, response.get_json()
    assert api.get(f"{URL}/hat").get_json()["associations"]["X_SELL"]["products"] == ["bag"]
    by_uuid = api.get("/api/rest/v1/products-uuid?limit=10").get_json()["_embedded"]["items"]
    hat = next(item for item in by_uuid if item["values"]["sku"] == v("hat"))
    assert hat["associations"]["X_SELL"]["products"] == [str(bag.uuid)]
    unknown = api.patch(f"{URL}/hat", json={"associations": {"X_SELL": {"products": ["nope"]}}})
    assert unknown.get_json()["message"] == (
        'Property "associations" expects a valid product identifier. The product does not exist, "nope" given. '
        "Check the expected format on the API documentation.")


def test_delete_by_identifier(api, api_as, seeded_app):
    make_product("hat")
    reader = api_as(acls=["pim_api_overall_access", "pim_api_product_list"])
    assert reader.delete(f"{URL}/hat").get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to delete products"}
    assert api.delete(f"{URL}/hat").status_code == 204
    assert api.delete(f"{URL}/hat").status_code == 404
    assert api.get(f"{URL}/a%00b").status_code == 404
