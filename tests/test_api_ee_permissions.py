"""EE permissions on a connected app's product reads and writes (rest-api-and-permissions.md §9.2, §9.3):
products outside its viewable trees are invisible, hidden values, locales and categories are removed, view
rights refuse writes, hidden data is kept, deleting needs own. In CE nothing is filtered."""
import pytest

from pimconnect.models import ConnectedApp, Product
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api

URL = "/api/rest/v1/products"
DOC = "http://api.akeneo.com/api-reference.html#"
PRODUCTS = {
    "hat-free": [],
    "hat-master": ["master_shirts"],
    "hat-print": ["print_traditional"],
    "hat-both": ["master_shirts", "print_traditional"],
    "hat-shop": ["ecommerce_sale"],
}
VALUES = {"name": [{"locale": loc, "scope": None, "data": f"Hat {loc}"} for loc in ("en_US", "fr_FR", "de_DE")],
          "erp_name": [{"locale": None, "scope": None, "data": "HAT-ERP"}],
          "material": [{"locale": None, "scope": None, "data": "cotton"}]}


def _levels(kind, **levels):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in levels.items()}


@pytest.fixture
def app_api(api, seeded_app, client, conn):
    """Products written by an unrestricted connection, then an app that owns the master tree, views the
    ecommerce tree, edits en_US, views fr_FR, edits the ecommerce group and views ERP (nothing else)."""
    for identifier, categories in PRODUCTS.items():
        answer = api.patch(f"{URL}/{identifier}", json={"identifier": identifier, "family": "hats",
                                                          "categories": categories, "values": VALUES})
        assert answer.status_code == 201, answer.get_json()
    app_id, _ = register_listing(seeded_app, "Restricted App")
    connect_code(seeded_app, app_id, ["delete_products"])
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, {
            "category": _levels("category", own=["master"], edit=["master"], view=["master", "ecommerce"]),
            "locale": _levels("locale", edit=["en_US"], view=["en_US", "fr_FR"]),
            "attribute_group": _levels("attribute_group", edit=["ecommerce"], view=["ecommerce", "ERP"]),
        })
    return Api(client, app_token(seeded_app, app_id))


def _identifiers(response):
    return [item["identifier"] for item in response.get_json()["_embedded"]["items"]]


def test_lists_only_products_of_viewable_trees_and_uncategorized_ones(app_api):
    answer = app_api.get(f"{URL}?limit=100")
    assert answer.status_code == 200
    assert sorted(_identifiers(answer)) == ["hat-both", "hat-free", "hat-master", "hat-shop"]
    uuids = app_api.get("/api/rest/v1/products-uuid?limit=100&pagination_type=search_after").get_json()
    assert len(uuids["_embedded"]["items"]) == 4


def test_with_count_counts_the_products_the_app_sees(app_api, api):
    """The offset page's items_count is the number of products listed to the restricted app (a search
    or a scope counted through the list's own query), and every product for an unrestricted reader."""
    page = app_api.get(f"{URL}?limit=100&with_count=true").get_json()
    assert page["items_count"] == len(page["_embedded"]["items"]) == 4
    hats = app_api.get(f'{URL}?limit=100&with_count=true&search={{"categories":[{{"operator":"IN","value":["master"]}}]}}')
    assert hats.get_json()["items_count"] == len(hats.get_json()["_embedded"]["items"])
    everything = api.get(f"{URL}?limit=100&with_count=true").get_json()
    assert everything["items_count"] == len(everything["_embedded"]["items"]) == len(PRODUCTS)


def test_hidden_product_is_not_found(app_api):
    answer = app_api.get(f"{URL}/hat-print")
    assert answer.status_code == 404
    assert answer.get_json()["message"] == 'Product "hat-print" does not exist or you do not have permission to access it.'


def test_a_visible_product_hides_what_the_app_cannot_see(app_api):
    item = app_api.get(f"{URL}/hat-both").get_json()
    assert item["categories"] == ["master_shirts"]
    assert sorted(item["values"]) == ["erp_name", "name"]  # material is in the hidden technical group
    assert [entry["locale"] for entry in item["values"]["name"]] == ["en_US", "fr_FR"]
    assert item["metadata"] == {"workflow_status": "working_copy"}
    assert app_api.get(f"{URL}/hat-shop").get_json()["metadata"] == {"workflow_status": "read_only"}


def test_hidden_attributes_and_locales_in_parameters_do_not_exist(app_api):
    assert app_api.get(f"{URL}?attributes=material").get_json() == {
        "code": 422, "message": 'Attribute "material" does not exist.'}
    assert app_api.get(f"{URL}?locales=de_DE").status_code == 422


def test_writes_on_hidden_and_view_only_products(app_api):
    hidden = app_api.patch(f"{URL}/hat-print", json={"enabled": False})
    assert hidden.status_code == 404
    view_only = app_api.patch(f"{URL}/hat-shop", json={"enabled": False})
    assert view_only.status_code == 403
    assert view_only.get_json()["message"] == ('Product "hat-shop" cannot be updated. '
                                               'You only have a view right on this product.')
    assert Product.get(Product.identifier == "hat-shop").enabled is True


@pytest.mark.parametrize("values, status, message", [
    ({"name": [{"locale": "de_DE", "scope": None, "data": "x"}]}, 422,
     'Attribute "name" expects an existing and activated locale, "de_DE" given. '
     "Check the expected format on the API documentation."),
    ({"name": [{"locale": "fr_FR", "scope": None, "data": "x"}]}, 403,
     'You only have a view permission on the locale "fr_FR".'),
    ({"erp_name": [{"locale": None, "scope": None, "data": "x"}]}, 403,
     'Attribute "erp_name" belongs to the attribute group "ERP" on which you only have view permission.'),
    ({"material": [{"locale": None, "scope": None, "data": "wool"}]}, 422,
     "The material attribute does not exist in your PIM. Check the expected format on the API documentation."),
])
def test_value_rules(app_api, values, status, message):
    before = Product.get(Product.identifier == "hat-master").values
    answer = app_api.patch(f"{URL}/hat-master", json={"values": values})
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["message"] == message
    assert Product.get(Product.identifier == "hat-master").values == before


def test_allowed_write_keeps_hidden_categories(app_api, conn):
    """The app sees and replaces its categories; the hidden print category stays."""
    answer = app_api.patch(f"{URL}/hat-both", json={"categories": ["master_jackets"], "values": {
        "name": [{"locale": "en_US", "scope": None, "data": "Renamed"}]}})
    assert answer.status_code == 204, answer.get_json()
    item = app_api.get(f"{URL}/hat-both").get_json()
    assert item["categories"] == ["master_jackets"]
    assert item["values"]["name"][0] == {"locale": "en_US", "scope": None, "data": "Renamed"}
    stored = Product.get(Product.identifier == "hat-both")
    assert sorted(link.category.code for link in stored.product_categories) == ["master_jackets", "print_traditional"]


def test_an_owner_must_keep_an_owned_category(app_api):
    answer = app_api.patch(f"{URL}/hat-master", json={"categories": ["ecommerce_sale"]})
    assert answer.status_code == 403
    assert answer.get_json()["message"] == ("You should at least keep your product in one category on which you "
                                            "have an own permission.")


def test_delete_needs_own(app_api):
    refused = app_api.delete(f"{URL}/hat-shop")
    assert refused.status_code == 403
    assert refused.get_json()["message"] == ("You can delete a product only if it is classified in at least one "
                                             "category on which you have an own permission.")
    assert app_api.delete(f"{URL}/hat-print").status_code == 404
    assert app_api.delete(f"{URL}/hat-master").status_code == 204


def test_ce_filters_nothing(app_api, seeded_app):
    seeded_app.config["PIM_EDITION"] = "ce"
    assert len(_identifiers(app_api.get(f"{URL}?limit=100"))) == 5
    assert sorted(app_api.get(f"{URL}/hat-print").get_json()["values"]) == ["erp_name", "material", "name", "sku"]
