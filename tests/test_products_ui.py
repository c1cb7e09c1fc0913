"""The product grid page, product creation and the product page (edit, classify, delete)."""
import pytest

from pimconnect.db import db
from pimconnect.models import Product
from pimconnect.services.products.writes import save_product
from tests.conftest import Auth
from tests.factories import fetch_product, login_with, make_product


@pytest.fixture
def hat(seeded_app):
    return make_product("hat-1", categories=["master_hats"],
                        values={"name": [{"locale": "en_US", "scope": None, "data": "Straw hat"}]})


# The grid

def test_grid_page_lists_products(admin, hat):
    """The grid shows identifier, label, family, status and a link to the product."""
    html = admin.client.get("/products/").get_data(as_text=True)
    assert "<html" in html and "hat-1" in html and "Straw hat" in html and "Hats" in html
    assert f"/products/{hat.uuid}" in html
    assert 'hx-trigger="change, keyup changed delay:300ms from:input[type=search]"' in html


def test_grid_fragment_for_htmx(admin, hat):
    """An htmx request gets only the results block."""
    response = admin.client.get("/products/?family=hats", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "hat-1" in html
    assert "<form" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_grid_filters_from_query_string(admin, hat):
    """The filter form's GET parameters filter the grid (works without JavaScript)."""
    make_product("bag-1", family="bags")
    html = admin.client.get("/products/?family=bags").get_data(as_text=True)
    assert "bag-1" in html and "hat-1" not in html
    html = admin.client.get("/products/?category=master_accessories&enabled=yes&search=straw").get_data(as_text=True)
    assert "hat-1" in html and "bag-1" not in html
    html = admin.client.get("/products/?completeness_op=%3E%3D&completeness=100&channel=mobile").get_data(as_text=True)
    assert "No product matches these filters." in html


def test_grid_pagination_links(admin, seeded_app):
    """Past 25 products a Next page link carries the cursor and the filters; page two has First page."""
    for i in range(27):
        make_product(f"p-{i:02d}", family="bags")
    html = admin.client.get("/products/?family=bags").get_data(as_text=True)
    assert "p-24" in html and "p-25" not in html
    assert "after=p-24" in html and "Next page" in html and "First page" not in html
    page_two = admin.client.get("/products/?family=bags&after=p-24").get_data(as_text=True)
    assert "p-25" in page_two and "p-26" in page_two and "p-24" not in page_two
    assert "First page" in page_two and "Next page" not in page_two


def test_grid_requires_permission(app, seeded_app):
    """A user without List products gets 403."""
    limited = login_with(app, ["pim_enrich_product_create"])
    assert limited.client.get("/products/").status_code == 403


# Create

def test_create_product(admin, seeded_app):
    """Creating a product with a family opens its page."""
    response = admin.post("/products/new", {"identifier": "new-hat", "family": "hats"})
    assert response.status_code == 303
    with db.connection_context():
        product = Product.get(Product.identifier == "new-hat")
        assert product.family.code == "hats"
    assert response.headers["Location"].endswith(f"/products/{product.uuid}")


def test_create_page_and_fragment(admin):
    """The create form is a full page, and its htmx validation answer is only the form."""
    assert "<html" in admin.client.get("/products/new").get_data(as_text=True)
    response = admin.post("/products/new", {"identifier": ""}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)


def test_create_validation_error_shown(admin, hat):
    """A duplicate identifier re-renders the form with the message (422 without JavaScript)."""
    response = admin.post("/products/new", {"identifier": "hat-1", "family": ""})
    assert response.status_code == 422
    assert "already set on another product" in response.get_data(as_text=True)


def test_create_requires_permission_and_csrf(app, seeded_app):
    """Creating needs the Create a product permission and a CSRF token."""
    limited = login_with(app, ["pim_enrich_product_index"])
    assert limited.post("/products/new", {"identifier": "x"}).status_code == 403
    assert "Create product" not in limited.client.get("/products/").get_data(as_text=True)
    admin = Auth(app.test_client())
    admin.login("admin")
    assert admin.client.post("/products/new", data={"identifier": "x"}).status_code == 400


# Product page

def test_product_page_and_fragment(admin, hat):
    """The product page shows values per group; htmx gets only the form region."""
    html = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert "<html" in html and "Straw hat" in html and "Ecommerce" in html
    assert "mobile · en_US: 66%" in html and "Missing: price" in html  # completeness badges
    assert 'method="post"' in html and 'name="csrf_token"' in html  # works without JavaScript
    assert 'name="v__price__USD"' in html and 'name="v__price__EUR"' in html
    assert 'name="v__weight__unit"' in html and 'value="master_hats" checked' in html
    fragment = admin.client.get(f"/products/{hat.uuid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'name="version"' in fragment


def test_product_page_locale_and_channel(admin, hat):
    """The locale and channel parameters choose which localizable/scopable values are shown."""
    html = admin.client.get(f"/products/{hat.uuid}?locale=fr_FR&scope=print").get_data(as_text=True)
    assert 'value="Straw hat"' not in html  # the en_US name is not a fr_FR value (the title keeps the catalog locale)
    assert 'name="v__price__EUR"' in html and 'name="v__price__USD"' not in html
    assert 'name="v__french_label"' in html


def test_unknown_product_is_404(admin, seeded_app):
    """An unknown uuid answers 404."""
    assert admin.client.get("/products/00000000-0000-4000-8000-000000000000").status_code == 404


def form_for(product, **values):
    data = {"identifier": product.identifier, "enabled": "1", "family": "hats", "version": str(product.version),
            "locale": "en_US", "scope": "ecommerce", "categories_shown": "1", "categories": ["master_hats"]}
    data.update(values)
    return data


def test_save_values(admin, hat):
    """Saving writes the shown values and redirects back to the same locale/channel with a flash."""
    response = admin.post(f"/products/{hat.uuid}", form_for(
        hat, locale="fr_FR", v__name="Chapeau de paille", v__description="Un chapeau",
        v__waterproof="1", v__color="red", v__seasons=["summer", "spring"], v__weight__amount="120",
        v__weight__unit="GRAM", v__price__USD="12.50", v__price__EUR=""))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/products/{hat.uuid}?locale=fr_FR&scope=ecommerce")
    values = fetch_product(hat).values
    assert {e["locale"]: e["data"] for e in values["name"]} == {"en_US": "Straw hat", "fr_FR": "Chapeau de paille"}
    assert values["description"][0]["scope"] == "ecommerce" and values["description"][0]["locale"] == "fr_FR"
    assert values["waterproof"][0]["data"] is True and values["color"][0]["data"] == "red"
    assert sorted(values["seasons"][0]["data"]) == ["spring", "summer"]
    assert values["weight"][0]["data"]["unit"] == "GRAM"
    assert [p["currency"] for p in values["price"][0]["data"]] == ["USD"]
    assert "Product saved." in admin.client.get(response.headers["Location"]).get_data(as_text=True)


def test_save_erases_and_classifies(admin, hat):
    """An emptied field erases the value; unchecking every category unclassifies; enabled follows the box."""
    response = admin.post(f"/products/{hat.uuid}", {**form_for(hat, v__name=""), "categories": [], "enabled": ""})
    assert response.status_code == 303
    product = fetch_product(hat)
    assert "name" not in product.values and product.enabled is False
    with db.connection_context():
        assert product.product_categories.count() == 0


def test_save_with_htmx_redirects(admin, hat):
    """An htmx save answers HX-Redirect to the product page."""
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__name="Hat"), htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith(f"/products/{hat.uuid}")


def test_save_validation_errors_next_to_fields(admin, hat):
    """An invalid value re-renders the form with the message and what was typed (422, 200 for htmx)."""
    form = form_for(hat, v__name="Typed name", v__color="purple")
    response = admin.post(f"/products/{hat.uuid}", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "purple" in html and "Typed name" in html and 'class="field-error"' in html
    assert fetch_product(hat).values["name"][0]["data"] == "Straw hat"  # nothing written
    fragment = admin.post(f"/products/{hat.uuid}", form, htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert 'class="field-error"' in fragment.get_data(as_text=True)


def test_version_conflict_is_409(admin, hat):
    """Saving a form read before someone else's save answers 409 with a reload message."""
    stale = form_for(hat, v__name="Mine")
    with db.connection_context():
        save_product({"values": {"name": [{"locale": "en_US", "scope": None, "data": "Theirs"}]}},
                     Product.get_by_id(hat.uuid))
    response = admin.post(f"/products/{hat.uuid}", stale)
    assert response.status_code == 409
    assert "Someone else saved this product" in response.get_data(as_text=True)
    assert fetch_product(hat).values["name"][0]["data"] == "Theirs"


def test_save_requires_edit_permission(app, hat):
    """A role without Edit product attributes may look but not save (403)."""
    limited = login_with(app, ["pim_enrich_product_index"])
    html = limited.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert ">Save</button>" not in html
    assert limited.post(f"/products/{hat.uuid}", form_for(hat, v__name="x")).status_code == 403
    assert fetch_product(hat).values["name"][0]["data"] == "Straw hat"


def test_categories_untouched_without_classify_permission(app, hat):
    """Without Classify products the categories are shown disabled and a save leaves them alone."""
    limited = login_with(app, ["pim_enrich_product_index", "pim_enrich_product_edit_attributes"])
    html = limited.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert 'value="master_hats" checked disabled' in html
    response = limited.post(f"/products/{hat.uuid}", form_for(hat, categories=[], v__name="New"))
    assert response.status_code == 303
    with db.connection_context():
        assert [pc.category.code for pc in Product.get_by_id(hat.uuid).product_categories] == ["master_hats"]


def test_save_requires_csrf(admin, hat):
    """A product save without the CSRF token is refused."""
    response = admin.client.post(f"/products/{hat.uuid}", data=form_for(hat, v__name="x"))
    assert response.status_code == 400


# Delete

def test_delete_product(admin, hat):
    """Deleting (a POST behind its own confirmation page) removes the product and returns to the grid."""
    assert f'href="/products/{hat.uuid}/delete"' in admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert "Yes, delete hat-1" in admin.client.get(f"/products/{hat.uuid}/delete").get_data(as_text=True)
    response = admin.post(f"/products/{hat.uuid}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/products/")
    with db.connection_context():
        assert not Product.select().where(Product.uuid == hat.uuid).exists()


def test_delete_requires_permission(app, hat):
    """A user without Remove a product cannot delete (403), and no delete button is shown."""
    limited = login_with(app, ["pim_enrich_product_index"])
    assert f"/products/{hat.uuid}/delete" not in limited.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert limited.post(f"/products/{hat.uuid}/delete").status_code == 403
    assert limited.client.get(f"/products/{hat.uuid}/delete").status_code == 403


def test_save_keeps_prices_of_other_channels_currencies(admin, seeded_app):
    """Saving on the print channel (EUR only) keeps the USD amount of a non-scopable price."""
    product = make_product("hat-2", values={"price": [{"locale": None, "scope": None,
                                                       "data": [{"amount": "10.00", "currency": "USD"}]}]})
    response = admin.post(f"/products/{product.uuid}", form_for(product, scope="print", v__price__EUR="8.00"))
    assert response.status_code == 303
    prices = {p["currency"]: p["amount"] for p in fetch_product(product).values["price"][0]["data"]}
    assert set(prices) == {"USD", "EUR"} and float(prices["USD"]) == 10


def test_version_conflict_with_htmx_swaps_the_message(admin, hat):
    """With htmx the conflict message replaces the form region (htmx does not swap a 409)."""
    stale = form_for(hat, v__name="Mine")
    with db.connection_context():
        save_product({"enabled": False}, Product.get_by_id(hat.uuid))
    response = admin.post(f"/products/{hat.uuid}", stale, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Someone else saved this product" in html and "Reload the product" in html
