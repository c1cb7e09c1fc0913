"""Products by uuid (§6): representation, values format, writes, errors and permissions."""
import uuid

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import AssociationType, Attribute, MediaFile, Product
from pimconnect.services.structure.attributes import attribute_state, write_attribute
from tests.factories import fetch_product, make_product

URL = "/api/rest/v1/products-uuid"
DOC = "http://api.akeneo.com/api-reference.html#"
FIELDS = ["uuid", "enabled", "family", "categories", "groups", "parent", "values", "created", "updated",
          "associations", "quantified_associations"]
EMPTY_ASSOCIATIONS = {code: {"groups": [], "products": [], "product_models": []}
                      for code in ("SUBSTITUTION", "UPSELL", "X_SELL")}


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def path(location):
    return location.replace("http://localhost", "")


def get(api, product, query=""):
    response = api.get(f"{URL}/{product.uuid}{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def documented_422(reason, operation="patch_products_uuid__uuid_"):
    return {"code": 422, "message": f"{reason} Check the expected format on the API documentation.",
            "_links": {"documentation": {"href": DOC + operation}}}


# --- reads ----------------------------------------------------------------------------------

def test_single_product_in_reference_field_order(api, seeded_app):
    """GET returns §6.2's fields in order, no top-level identifier, no _links, metadata in EE."""
    hat = make_product("hat", categories=["master_hats", "ecommerce_sale"])
    body = get(api, hat)
    assert list(body) == FIELDS + ["metadata"]
    assert body["uuid"] == str(hat.uuid) and "identifier" not in body and "_links" not in body
    assert body["enabled"] is True and body["family"] == "hats"
    assert body["categories"] == ["ecommerce_sale", "master_hats"]
    assert body["groups"] == [] and body["parent"] is None
    assert body["values"] == {"sku": v("hat")}
    assert body["associations"] == EMPTY_ASSOCIATIONS and body["quantified_associations"] == {}
    assert body["metadata"] == {"workflow_status": "working_copy"}
    assert body["created"].endswith("+00:00") and "T" in body["created"]


def test_ce_has_no_metadata(api, seeded_app):
    seeded_app.config["PIM_EDITION"] = "ce"
    body = get(api, make_product("hat"))
    assert list(body) == FIELDS


def test_empty_values_is_an_object(api, seeded_app):
    """A product's values are an object, {} when empty (the identifier is the only required one)."""
    body = api.get(URL).get_json()
    assert body["_embedded"]["items"] == []
    make_product("hat", family=None)
    item = api.get(URL).get_json()["_embedded"]["items"][0]
    assert item["values"] == {"sku": v("hat")} and item["family"] is None


def test_optional_blocks_only_when_asked(api, seeded_app):
    """quality_scores and completenesses appear only with their flags, after quantified_associations."""
    hat = make_product("hat", values={"name": v("Hat", "en_US")})
    body = get(api, hat, "?with_quality_scores=true&with_completenesses=true")
    assert list(body) == FIELDS + ["quality_scores", "completenesses", "metadata"]
    assert body["quality_scores"] == []
    assert {"scope": "mobile", "locale": "en_US", "data": 66} in body["completenesses"]
    assert len(body["completenesses"]) == 7  # ecommerce ×3, mobile ×2, print ×2
    assert list(body["completenesses"][0]) == ["scope", "locale", "data"]
    assert "completenesses" not in get(api, hat, "?with_completenesses=false")


def test_no_family_no_completeness(api, seeded_app):
    body = get(api, make_product("hat", family=None), "?with_completenesses=true")
    assert body["completenesses"] == []


def test_value_formats(api, seeded_app, conn):
    """Numbers/metrics are strings when decimals are allowed, integers otherwise; media carry download links."""
    with write_txn():
        MediaFile.create(code="a/b/c/d/abcd_pic.png", original_filename="pic.png", mime_type="image/png",
                         size=3, extension="png", content=b"png")
    product = make_product("pot", family="kitchenware", values={
        "stock_quantity": v(12), "weight": v({"amount": "1.5", "unit": "GRAM"}),
        "price": v([{"amount": 10, "currency": "USD"}, {"amount": "9.5", "currency": "EUR"}]),
        "release_date": v("2020-05-17"), "material": v("steel"), "name": v("Pot", "en_US"),
        "description": v("Big pot", "en_US", "ecommerce")})
    make_product("hat", values={"picture": v("a/b/c/d/abcd_pic.png"), "seasons": v(["winter", "summer"]),
                                "waterproof": v(False)})
    values = get(api, product)["values"]
    assert values["stock_quantity"] == v(12)
    assert values["weight"] == v({"amount": "1.5000", "unit": "GRAM"})
    assert values["price"] == v([{"amount": "9.50", "currency": "EUR"}, {"amount": "10.00", "currency": "USD"}])
    assert values["release_date"] == v("2020-05-17T00:00:00+00:00")
    assert values["material"] == v("steel") and values["name"] == v("Pot", "en_US")
    assert values["description"] == v("Big pot", "en_US", "ecommerce")
    hat = api.get("/api/rest/v1/products/hat").get_json()["values"]
    assert hat["picture"] == [{"locale": None, "scope": None, "data": "a/b/c/d/abcd_pic.png", "_links": {
        "download": {"href": "http://localhost/api/rest/v1/media-files/a/b/c/d/abcd_pic.png/download"}}}]
    assert hat["seasons"] == v(["summer", "winter"]) and hat["waterproof"] == v(False)


def test_number_format_follows_the_attribute(api, seeded_app, conn):
    """A number stored before decimals were allowed is shown as the attribute now says (a string)."""
    product = make_product("pot", family="kitchenware", values={"stock_quantity": v(12)})
    attribute = Attribute.get(Attribute.code == "stock_quantity")
    with seeded_app.app_context():
        write_attribute(attribute, {**attribute_state(attribute), "decimals_allowed": True})
    assert get(api, product)["values"]["stock_quantity"] == v("12.0000")
    with write_txn():  # a direct change (no service): the stored text is not re-rendered ...
        Attribute.update(decimals_allowed=False).where(Attribute.code == "stock_quantity").execute()
        Product.update(api_values=None).where(Product.uuid == product.uuid).execute()
    assert get(api, product)["values"]["stock_quantity"] == v(12)  # ... but NULL is rendered on read


def test_linked_data_with_attribute_options(api, seeded_app):
    hat = make_product("hat", values={"color": v("red"), "seasons": v(["summer", "winter"])})
    plain = get(api, hat)["values"]
    assert "linked_data" not in plain["color"][0]
    values = get(api, hat, "?with_attribute_options=true")["values"]
    assert values["color"] == [{"locale": None, "scope": None, "data": "red", "linked_data": {
        "attribute": "color", "code": "red", "labels": {"en_US": "Red"}}}]
    assert values["seasons"][0]["linked_data"] == {
        "summer": {"attribute": "seasons", "code": "summer", "labels": {"en_US": "Summer"}},
        "winter": {"attribute": "seasons", "code": "winter", "labels": {"en_US": "Winter"}}}
    assert "linked_data" not in values["sku"][0]


def test_unknown_product_is_404(api, seeded_app):
    missing = str(uuid.uuid4())
    for response in (api.get(f"{URL}/{missing}"), api.delete(f"{URL}/{missing}")):
        assert response.status_code == 404
        assert response.get_json() == {
            "code": 404, "message": f'Product "{missing}" does not exist or you do not have permission to access it.'}
    assert api.get(f"{URL}/not-a-uuid").get_json()["message"] == (
        'Product "not-a-uuid" does not exist or you do not have permission to access it.')


# --- writes ---------------------------------------------------------------------------------

def test_create_returns_201_and_location(api, seeded_app):
    response = api.post(URL, json={"values": {"sku": v("hat")}, "family": "hats", "categories": ["master_hats"]})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"].startswith("http://localhost/api/rest/v1/products-uuid/")
    body = api.get(path(response.headers["Location"])).get_json()
    assert body["values"]["sku"] == v("hat") and body["categories"] == ["master_hats"]


def test_create_with_a_chosen_uuid_and_reuse_is_refused(api, seeded_app):
    chosen = str(uuid.uuid4())
    first = api.post(URL, json={"uuid": chosen, "values": {"sku": v("hat")}})
    assert first.headers["Location"] == f"http://localhost{URL}/{chosen}"
    again = api.post(URL, json={"uuid": chosen, "values": {"sku": v("other")}})
    assert again.status_code == 422
    assert again.get_json() == {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "uuid", "message": f"The {chosen} uuid is already used for another product."}]}


def test_identifier_property_is_refused(api, seeded_app):
    """products-uuid has no identifier property: the identifier attribute's value says it."""
    created = api.post(URL, json={"identifier": "hat"})
    assert created.get_json() == documented_422('Property "identifier" does not exist.', "post_products_uuid")
    hat = make_product("hat")
    patched = api.patch(f"{URL}/{hat.uuid}", json={"identifier": "hat"})
    assert patched.get_json() == documented_422('Property "identifier" does not exist.')
    assert Product.select().count() == 1


def test_patch_upserts(api, seeded_app):
    """PATCH creates (201) or updates (204), both with Location."""
    chosen = str(uuid.uuid4())
    created = api.patch(f"{URL}/{chosen}", json={"values": {"sku": v("hat")}})
    assert created.status_code == 201 and created.headers["Location"] == f"http://localhost{URL}/{chosen}"
    updated = api.patch(f"{URL}/{chosen.upper()}", json={"uuid": chosen, "enabled": False})
    assert updated.status_code == 204 and updated.get_data() == b""
    assert updated.headers["Location"] == f"http://localhost{URL}/{chosen}"
    assert api.get(f"{URL}/{chosen}").get_json()["enabled"] is False


def test_patch_body_uuid_must_match_the_url(api, seeded_app):
    hat = make_product("hat")
    other = str(uuid.uuid4())
    response = api.patch(f"{URL}/{hat.uuid}", json={"uuid": other, "enabled": False})
    assert response.status_code == 422
    assert response.get_json() == {"code": 422, "message": (
        f'The uuid "{other}" provided in the request body must match the uuid "{hat.uuid}" provided in the url.')}
    assert fetch_product(hat).enabled is True


def test_patch_merges_values_and_replaces_arrays(api, seeded_app):
    """Values merge per (attribute, locale, scope); categories are replaced; absent keys untouched."""
    hat = make_product("hat", categories=["master_hats", "ecommerce_sale"],
                       values={"name": v("Hat", "en_US") + v("Chapeau", "fr_FR"), "color": v("red")})
    api.patch(f"{URL}/{hat.uuid}", json={"categories": ["master_bags"], "values": {"name": v("Big hat", "en_US")}})
    body = get(api, hat)
    assert body["categories"] == ["master_bags"] and body["family"] == "hats"
    assert body["values"]["name"] == v("Big hat", "en_US") + v("Chapeau", "fr_FR")
    assert body["values"]["color"] == v("red")


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_empty_data_erases_the_value(api, seeded_app, empty):
    hat = make_product("hat", values={"name": v("Hat", "en_US") + v("Chapeau", "fr_FR"), "erp_name": v("x"),
                                      "seasons": v(["summer"])})
    response = api.patch(f"{URL}/{hat.uuid}", json={"values": {
        "name": v(empty, "fr_FR"), "erp_name": v(empty), "seasons": v(empty)}})
    assert response.status_code == 204, response.get_json()
    values = get(api, hat)["values"]
    assert values["name"] == v("Hat", "en_US")
    assert "erp_name" not in values and "seasons" not in values


def test_created_updated_are_read_only_and_groups_parent_accept_empty(api, seeded_app):
    hat = make_product("hat")
    before = get(api, hat)
    response = api.patch(f"{URL}/{hat.uuid}", json={**before, "enabled": False})
    assert response.status_code == 422  # the metadata block is not writable
    del before["metadata"]
    response = api.patch(f"{URL}/{hat.uuid}", json={**before, "enabled": False})
    assert response.status_code == 204, response.get_json()
    after = get(api, hat)
    assert after["created"] == before["created"] and after["enabled"] is False


@pytest.mark.parametrize("body, reason", [
    ({"groups": ["promo"]}, 'Property "groups" expects a valid group code. The group does not exist, "promo" given.'),
    ({"groups": "promo"}, 'Property "groups" expects an array as data, "string" given.'),
    ({"parent": "model"}, 'Property "parent" expects a valid parent code. The parent product model does not exist, '
                          '"model" given.'),
    ({"quantified_associations": {"PACK": {"products": [{"uuid": "x", "quantity": 1}]}}},
     'Property "quantified_associations" expects a valid association type code. The association type does not '
     'exist or is not quantified, "PACK" given.'),
    ({"quantified_associations": []}, 'Property "quantified_associations" expects an array as data, "array" given.'),
    ({"family": "nope"}, 'Property "family" expects a valid family code. The family does not exist, "nope" given.'),
    ({"categories": ["nope"]}, 'Property "categories" expects a valid category code. The category does not exist, '
                               '"nope" given.'),
    ({"values": {"nope": v("x")}}, "The nope attribute does not exist in your PIM."),
    ({"values": {"name": v("x", "es_ES")}},
     'Attribute "name" expects an existing and activated locale, "es_ES" given.'),
    ({"values": {"name": v("a", "en_US") + v("b", "en_US")}},
     'You cannot update the same product value on the "name" attribute twice, with the same scope and locale.'),
    ({"values": None}, 'Property "values" expects an array as data, "NULL" given.'),
    ({"enabled": "yes"}, 'Property "enabled" expects a boolean as data, "string" given.'),
    ({"colour": 1}, 'Property "colour" does not exist.'),
    ({"associations": {"X_SELL": {"products": [str(uuid.UUID(int=7))]}}},
     f'Property "associations" expects a valid product uuid. The product does not exist, "{uuid.UUID(int=7)}" given.'),
    ({"associations": {"NOPE": {"products": []}}}, 'Property "associations" expects a valid association type code. '
                                                   'The association type does not exist or is quantified, "NOPE" given.'),
    ({"associations": {"X_SELL": {"groups": ["g"]}}},
     'Property "associations" expects a valid group code. The group does not exist, "g" given.'),
    ({"associations": {"X_SELL": {"product_models": ["m"]}}},
     'Property "associations" expects a valid product model identifier. The product model does not exist, "m" given.'),
    ({"associations": {"X_SELL": ["x"]}}, 'Property "associations" expects an array with valid data, association '
                                          'format is not valid for the association type "X_SELL".'),
])
def test_documented_422s(api, seeded_app, body, reason):
    """Unknown codes and wrong shapes are documented 422s; nothing is written."""
    hat = make_product("hat")
    response = api.patch(f"{URL}/{hat.uuid}", json=body)
    assert response.status_code == 422
    assert response.get_json() == documented_422(reason)
    assert fetch_product(hat).version == 1


def test_validation_errors_list_every_violation(api, seeded_app):
    hat = make_product("hat")
    response = api.patch(f"{URL}/{hat.uuid}", json={"values": {
        "color": v("purple"), "seasons": v(["never"]), "price": v([{"amount": 1, "currency": "GBP"}])}})
    assert response.get_json() == {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "values", "message": "The purple value is not in the color attribute option list.",
         "attribute": "color", "locale": None, "scope": None},
        {"property": "values", "message": "The never value is not in the seasons attribute option list.",
         "attribute": "seasons", "locale": None, "scope": None},
        {"property": "values", "message": 'The currency "GBP" does not exist or is not activated.',
         "attribute": "price", "locale": None, "scope": None, "currency": "GBP"}]}


def test_amounts_are_bounded(api, seeded_app):
    """Amounts beyond 15 integer digits are refused (they are indexed as doubles)."""
    hat = make_product("hat")
    response = api.patch(f"{URL}/{hat.uuid}", json={"values": {
        "weight": v({"amount": "1e15", "unit": "GRAM"}), "price": v([{"amount": 999999999999999, "currency": "EUR"}])}})
    assert response.get_json() == {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "values", "message": "This value should be less than 1000000000000000.", "attribute": "weight",
         "locale": None, "scope": None}]}


def test_malformed_json_is_400(api, seeded_app):
    for body in ("{nope", "[1, 2]", '"text"'):
        response = api.client.post(URL, data=body, content_type="application/json",
                                   headers={"Authorization": f"Bearer {api.token}"})
        assert response.get_json() == {"code": 400, "message": "Invalid json message received"}


def test_associations_by_uuid(api, seeded_app, conn):
    """Associations name products by uuid; types merge, sent lists replace; deleted products disappear."""
    bag, box, hat = make_product("bag"), make_product("box"), make_product("hat")
    response = api.patch(f"{URL}/{hat.uuid}", json={"associations": {
        "X_SELL": {"products": [str(bag.uuid), str(box.uuid).upper(), str(bag.uuid)]}}})
    assert response.status_code == 204, response.get_json()
    assert get(api, hat)["associations"]["X_SELL"] == {
        "groups": [], "products": [str(bag.uuid), str(box.uuid)], "product_models": []}
    api.patch(f"{URL}/{hat.uuid}", json={"associations": {"UPSELL": {"products": [str(box.uuid)]}}})
    associations = get(api, hat)["associations"]
    assert associations["X_SELL"]["products"] == [str(bag.uuid), str(box.uuid)]
    assert associations["UPSELL"]["products"] == [str(box.uuid)]
    assert api.delete(f"{URL}/{bag.uuid}").status_code == 204
    assert get(api, hat)["associations"]["X_SELL"]["products"] == [str(box.uuid)]
    legacy = api.get("/api/rest/v1/products/hat").get_json()["associations"]
    assert legacy["X_SELL"]["products"] == ["box"] and legacy["UPSELL"]["products"] == ["box"]


def test_quantified_types_are_listed_empty(api, seeded_app, conn):
    with write_txn():
        AssociationType.create(code="PACK", is_quantified=True)
    hat = make_product("hat")
    body = get(api, hat)
    assert body["quantified_associations"] == {"PACK": {"products": [], "product_models": []}}
    assert "PACK" not in body["associations"]
    response = api.patch(f"{URL}/{hat.uuid}", json={"quantified_associations": {"PACK": {"products": []}}})
    assert response.status_code == 204


def test_unsupported_method_is_405(api, seeded_app):
    target = f"{URL}/{uuid.uuid4()}"
    response = api.post(target, json={})
    assert response.status_code == 405
    message = response.get_json()["message"]
    prefix = f"No route found for 'POST {target}': Method Not Allowed (Allow: "
    assert message.startswith(prefix) and message.endswith(")")
    assert set(message[len(prefix):-1].split(", ")) == {"GET", "PATCH", "DELETE"}


def test_delete(api, seeded_app):
    hat = make_product("hat", categories=["master_hats"], values={"color": v("red")})
    response = api.delete(f"{URL}/{hat.uuid}")
    assert response.status_code == 204 and response.get_data() == b""
    assert api.get(f"{URL}/{hat.uuid}").status_code == 404


# --- permissions ----------------------------------------------------------------------------

def test_product_acls_and_their_403_texts(api_as, seeded_app):
    hat = make_product("hat")
    reader = api_as(acls=["pim_api_overall_access", "pim_api_product_list"])
    assert reader.get(f"{URL}/{hat.uuid}").status_code == 200
    assert reader.post(f"{URL}/search", json={}).status_code == 200
    refused = reader.patch(f"{URL}/{hat.uuid}", json={"enabled": False})
    assert refused.status_code == 403
    assert refused.get_json() == {"code": 403,
                                  "message": "Access forbidden. You are not allowed to create or update products."}
    assert reader.post(URL, json={}).get_json()["message"] == (
        "Access forbidden. You are not allowed to create or update products.")
    assert reader.delete(f"{URL}/{hat.uuid}").get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to delete products"}
    writer = api_as(acls=["pim_api_overall_access", "pim_api_product_edit"])
    assert writer.get(URL).get_json()["message"] == "Access forbidden. You are not allowed to list products."
    assert writer.post(f"{URL}/search", json={}).get_json()["message"] == (
        "Access forbidden. You are not allowed to list products.")
    assert writer.patch(f"{URL}/{hat.uuid}", json={"enabled": False}).status_code == 204
    remover = api_as(acls=["pim_api_overall_access", "pim_api_product_remove"])
    assert remover.delete(f"{URL}/{hat.uuid}").status_code == 204


def test_database_still_consistent_after_refusals(api, seeded_app, conn):
    """Refused writes leave no product, value row or media behind."""
    api.post(URL, json={"values": {"sku": v("hat"), "color": v("nope")}})
    api.post(URL, json={"values": {"sku": v("hat")}, "groups": ["x"]})
    with db.connection_context():
        assert Product.select().count() == 0
