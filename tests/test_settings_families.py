"""Settings: families, their attributes, label/image attributes and requirements per channel."""
from pimconnect.db import db, write_txn
from pimconnect.models import AttributeRequirement, Channel, Family, FamilyAttribute, Product
from tests.factories import login_with
from tests.test_settings_attributes import SETTINGS_INDEX, get, html


def family_codes(code):
    with db.connection_context():
        return {fa.attribute.code for fa in FamilyAttribute.select().join(Family).where(Family.code == code)}


def requirements(code):
    """{channel: {attribute codes}} required by the family."""
    with db.connection_context():
        found = {}
        rows = AttributeRequirement.select().join(Family).where(Family.code == code)
        for row in rows:
            found.setdefault(row.channel.code, set()).add(row.attribute.code)
        return found


def edit_form(family_code, **changes):
    """The family page's current state as post data, with ``changes`` applied."""
    with db.connection_context():
        family = Family.get(code=family_code)
        data = {"attributes": sorted(family_codes(family_code)),
                "attribute_as_label": family.attribute_as_label.code,
                "attribute_as_image": family.attribute_as_image.code if family.attribute_as_image else "",
                "label-en_US": family.labels.get("en_US", "")}
    for channel, codes in requirements(family_code).items():
        data[f"required-{channel}"] = sorted(codes)
    data.update(changes)
    return data


def test_family_list_and_search(admin):
    """Families are listed with their attribute counts and searched by code or label."""
    page = html(admin.client.get("/settings/families/"))
    assert "hats" in page and "kitchenware" in page and "<td>14</td>" in page
    found = html(admin.client.get("/settings/families/?q=Kitchen"))
    assert "kitchenware" in found and "hats" not in found


def test_family_list_page_vs_fragment(admin):
    """htmx gets only the family rows."""
    assert "<html" in html(admin.client.get("/settings/families/"))
    fragment = html(admin.client.get("/settings/families/?q=bag", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="family-rows"' in fragment and "bags" in fragment


def test_family_page_shows_matrix(admin):
    """The family page shows the attributes × channels matrix with the identifier checked and disabled."""
    page = html(admin.client.get("/settings/families/hats"))
    assert 'name="required-ecommerce" value="name"' in page and 'aria-label="sku required on print"' in page
    fragment = html(admin.client.get("/settings/families/hats", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "Required on Mobile" in fragment


def test_create_family_always_has_identifier(admin):
    """A new family holds the identifier, required on every channel, plus the chosen attributes."""
    assert 'value="sku"' in html(admin.client.get("/settings/families/new"))
    response = admin.post("/settings/families/new", {
        "code": "shoes", "label-en_US": "Shoes", "add_attributes": ["name", "picture"],
        "attribute_as_label": "name", "attribute_as_image": "picture", "required-ecommerce": ["name"]})
    assert response.status_code == 303
    assert family_codes("shoes") == {"sku", "name", "picture"}
    assert requirements("shoes") == {"ecommerce": {"sku", "name"}, "mobile": {"sku"}, "print": {"sku"}}
    shoes = get(Family, code="shoes")
    assert shoes.attribute_as_label.code == "name" and shoes.attribute_as_image.code == "picture"


def test_requirements_saved_and_identifier_kept(admin):
    """Saving the matrix replaces the requirements; the identifier stays required even if unchecked."""
    data = edit_form("hats", **{"required-mobile": ["name", "color"], "required-print": []})
    assert admin.post("/settings/families/hats", data).status_code == 303
    saved = requirements("hats")
    assert saved["mobile"] == {"sku", "name", "color"} and saved["print"] == {"sku"}


def test_remove_attribute_drops_its_requirements(admin):
    """Unchecking an attribute removes it from the family and from every channel's requirements."""
    data = edit_form("hats")
    data["attributes"] = [c for c in data["attributes"] if c not in ("description", "sku")]
    assert admin.post("/settings/families/hats", data).status_code == 303
    assert "description" not in family_codes("hats") and "sku" in family_codes("hats")
    assert all("description" not in codes for codes in requirements("hats").values())


def test_label_attribute_must_be_text_of_family(admin):
    """The label attribute must be an identifier or text attribute of the family; nothing is half-written."""
    before = requirements("hats")
    wrong_type = admin.post("/settings/families/hats", edit_form("hats", attribute_as_label="color",
                                                                 **{"required-print": []}))
    assert wrong_type.status_code == 422
    assert "The attribute used as label must be an identifier or text attribute of the family." in html(wrong_type)
    not_in_family = admin.post("/settings/families/hats", edit_form("hats", attribute_as_label="short_tagline"))
    assert "must be an identifier or text attribute of the family" in html(not_in_family)
    assert requirements("hats") == before


def test_image_attribute_must_be_image_of_family(admin):
    """The image attribute must be an image attribute of the family, or none."""
    bad = admin.post("/settings/families/hats", edit_form("hats", attribute_as_image="notice"))
    assert bad.status_code == 422 and "The attribute used as image must be an image attribute of the family." in html(bad)
    assert admin.post("/settings/families/hats", edit_form("hats", attribute_as_image="")).status_code == 303
    assert get(Family, code="hats").attribute_as_image is None


def test_htmx_errors_answer_200_fragment(admin):
    """htmx validation errors answer 200 with the form, without the page layout."""
    response = admin.post("/settings/families/new", {"code": "", "attribute_as_label": "sku"}, htmx=True)
    assert response.status_code == 200 and "<html" not in html(response) and "The code is required." in html(response)


def test_duplicate_family_code(admin):
    """A used family code is refused with a message."""
    response = admin.post("/settings/families/new", {"code": "hats", "attribute_as_label": "sku"})
    assert response.status_code == 422 and "is already used" in html(response)


def test_delete_family_only_without_products(admin):
    """A family used by a product is kept with a message; an unused one is deleted with its rows."""
    with db.connection_context():
        with write_txn():
            Product.create(identifier="cap-1", family=Family.get(code="hats"))
    refused = admin.post("/settings/families/hats/delete")
    assert refused.status_code == 422 and "is used by products and cannot be deleted" in html(refused)
    assert get(Family, code="hats") is not None
    assert admin.post("/settings/families/bags/delete").status_code == 303
    assert get(Family, code="bags") is None and requirements("bags") == {}


def test_family_edit_needs_permission(seeded_app, app):
    """A user who may only list families can read one but not create, save or delete."""
    viewer = login_with(app, SETTINGS_INDEX)
    assert viewer.client.get("/settings/families/hats").status_code == 200
    assert viewer.client.get("/settings/families/new").status_code == 403
    assert viewer.post("/settings/families/hats", {"attribute_as_label": "sku"}).status_code == 403
    assert viewer.post("/settings/families/hats/delete").status_code == 403
    assert get(Family, code="hats").attribute_as_label.code == "name"


def test_family_list_needs_permission(seeded_app, app):
    """Without the family list permission the list is refused."""
    other = login_with(app, ["pim_enrich_attribute_index"])
    assert other.client.get("/settings/families/").status_code == 403


def test_family_post_requires_csrf(admin):
    """A family form post without the CSRF token is rejected."""
    response = admin.client.post("/settings/families/new", data={"code": "nocsrf", "attribute_as_label": "sku"})
    assert response.status_code == 400 and get(Family, code="nocsrf") is None


def test_channels_exist_for_matrix(admin):
    """Every channel has a column in the matrix."""
    page = html(admin.client.get("/settings/families/clothing"))
    with db.connection_context():
        assert all(f"Required on {c.labels['en_US']}" in page for c in Channel.select())


def test_saving_requirements_recomputes_completeness(admin):
    """After saving the matrix, the family's products get their completeness recomputed."""
    from pimconnect.models import ProductCompleteness

    with db.connection_context():
        with write_txn():
            product = Product.create(identifier="cap-9", family=Family.get(code="hats"),
                                     values={"sku": [{"locale": None, "scope": None, "data": "cap-9"}]})
    assert admin.post("/settings/families/hats", edit_form("hats", **{"required-print": []})).status_code == 303
    with db.connection_context():
        rows = {(r.channel.code, r.locale.code): r.ratio
                for r in ProductCompleteness.select().where(ProductCompleteness.product == product.uuid)}
    assert rows[("print", "en_US")] == 100 and rows[("ecommerce", "en_US")] < 100
