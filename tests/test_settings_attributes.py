"""Settings: attribute groups, attributes (type-specific properties) and attribute options."""
import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import Attribute, AttributeGroup, AttributeOption, Product, ProductValue
from tests.factories import login_with

SETTINGS_INDEX = ["pim_enrich_attributegroup_index", "pim_enrich_attribute_index", "pim_enrich_family_index"]


def get(model, **where):
    with db.connection_context():
        return model.get_or_none(**where)


def html(response):
    return response.get_data(as_text=True)


# -- attribute groups -----------------------------------------------------------------------------

def test_groups_listed_in_order_with_counts(admin):
    """The group list follows sort_order and shows each group's attribute count."""
    page = html(admin.client.get("/settings/attribute-groups/"))
    assert page.index(">ERP<") < page.index(">Technical<") < page.index(">Media<")
    assert "<td>4</td>" in page  # ERP: erp_name, ean, cost_price, stock_quantity


def test_groups_page_vs_fragment(admin):
    """The group list is a full page, or only the content for htmx."""
    assert "<html" in html(admin.client.get("/settings/attribute-groups/"))
    fragment = html(admin.client.get("/settings/attribute-groups/", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "group-list" in fragment


def test_create_group_and_duplicate_code(admin):
    """A group is created with labels; a used code is refused with a message and nothing written."""
    response = admin.post("/settings/attribute-groups/new", {"code": "sizes", "label-en_US": "Sizes"})
    assert response.status_code == 303
    group = get(AttributeGroup, code="sizes")
    assert group.labels == {"en_US": "Sizes"} and group.sort_order == 6
    again = admin.post("/settings/attribute-groups/new", {"code": "sizes"})
    assert again.status_code == 422
    assert 'The attribute group code &#34;sizes&#34; is already used.' in html(again)


def test_edit_group_labels_keeps_code(admin):
    """Editing a group changes its labels; the code cannot change."""
    response = admin.post("/settings/attribute-groups/media", {"code": "other_code", "label-fr_FR": "Médias"})
    assert response.status_code == 303
    assert get(AttributeGroup, code="media").labels == {"fr_FR": "Médias"}
    assert get(AttributeGroup, code="other_code") is None


def test_move_group_down_and_up(admin):
    """Move buttons swap a group with its neighbour (htmx gets the list fragment)."""
    assert admin.post("/settings/attribute-groups/ERP/move", {"direction": "down"}).status_code == 303
    assert get(AttributeGroup, code="ERP").sort_order == 1
    assert get(AttributeGroup, code="technical").sort_order == 0
    response = admin.post("/settings/attribute-groups/ERP/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 200 and "<html" not in html(response) and "group-list" in html(response)
    assert get(AttributeGroup, code="ERP").sort_order == 0


def test_delete_group_only_when_empty(admin):
    """A group holding attributes is kept with a clear message; an empty one is deleted."""
    refused = admin.post("/settings/attribute-groups/ERP/delete")
    assert refused.status_code == 422
    assert "still holds 4 attribute(s)" in html(refused)
    assert get(AttributeGroup, code="ERP") is not None
    admin.post("/settings/attribute-groups/new", {"code": "empty_one"})
    assert admin.post("/settings/attribute-groups/empty_one/delete").status_code == 303
    assert get(AttributeGroup, code="empty_one") is None


def test_group_edit_needs_permission(seeded_app, app):
    """A user who may only list groups sees them but cannot create, move or delete."""
    viewer = login_with(app, SETTINGS_INDEX)
    assert viewer.client.get("/settings/attribute-groups/").status_code == 200
    assert viewer.client.get("/settings/attribute-groups/new").status_code == 403
    assert viewer.post("/settings/attribute-groups/ERP/move", {"direction": "down"}).status_code == 403
    assert viewer.post("/settings/attribute-groups/media/delete").status_code == 403
    assert get(AttributeGroup, code="media") is not None


def test_group_list_needs_permission(seeded_app, app):
    """Without the list permission the group list is refused."""
    other = login_with(app, ["pim_enrich_attribute_index"])
    assert other.client.get("/settings/attribute-groups/").status_code == 403


def test_group_post_requires_csrf(admin):
    """A form post without the CSRF token is rejected."""
    response = admin.client.post("/settings/attribute-groups/new", data={"code": "nocsrf"})
    assert response.status_code == 400
    assert get(AttributeGroup, code="nocsrf") is None


# -- attributes list ------------------------------------------------------------------------------

def test_attribute_list_search_and_filters(admin):
    """The list is searched by code or label and filtered by type and group."""
    page = html(admin.client.get("/settings/attributes/?q=tag"))
    assert "short_tagline" in page and "erp_name" not in page
    by_label = html(admin.client.get("/settings/attributes/?q=french"))
    assert "french_label" in by_label
    selects = html(admin.client.get("/settings/attributes/?type=pim_catalog_simpleselect"))
    assert "<td>material</td>" in selects and "<td>color</td>" in selects and "<td>seasons</td>" not in selects
    media = html(admin.client.get("/settings/attributes/?group=media"))
    assert "<td>picture</td>" in media and "<td>sku</td>" not in media


def test_attribute_list_page_vs_fragment(admin):
    """htmx gets only the rows of the attribute list."""
    assert "<html" in html(admin.client.get("/settings/attributes/"))
    fragment = html(admin.client.get("/settings/attributes/?q=sku", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'id="attribute-rows"' in fragment and "<form" not in fragment


# -- attribute creation and type-specific properties ----------------------------------------------

def test_type_chooser_first(admin):
    """Creating an attribute starts by choosing its type; the identifier is offered only when none exists."""
    page = html(admin.client.get("/settings/attributes/new"))
    assert "Choose the attribute type" in page and "there can only be one identifier attribute" in page
    form = html(admin.client.get("/settings/attributes/new?type=pim_catalog_text"))
    assert 'name="max_characters"' in form and 'name="number_min"' not in form


def test_create_text_attribute_with_regexp(admin):
    """A text attribute is created with its properties; other types' properties stay NULL."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_text", {
        "code": "gtin", "group": "ERP", "label-en_US": "GTIN", "max_characters": "14", "validation_rule": "regexp",
        "validation_regexp": "^[0-9]{14}$", "unique": "1", "number_min": "5", "localizable": "1"})
    assert response.status_code == 303
    gtin = get(Attribute, code="gtin")
    assert (gtin.type, gtin.max_characters, gtin.validation_regexp) == ("pim_catalog_text", 14, "^[0-9]{14}$")
    assert gtin.unique and gtin.localizable and not gtin.scopable
    assert gtin.number_min is None and gtin.decimals_allowed is None and gtin.wysiwyg_enabled is None


def test_invalid_regexp_is_refused(admin):
    """A regular expression that does not compile is refused with a field message."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_text", {
        "code": "bad_re", "group": "ERP", "validation_rule": "regexp", "validation_regexp": "([0-9"})
    assert response.status_code == 422
    assert "This regular expression is not valid" in html(response)
    assert get(Attribute, code="bad_re") is None


def test_only_one_identifier(admin):
    """A second identifier attribute is refused."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_identifier", {"code": "sku2", "group": "other"})
    assert response.status_code == 422
    assert "An identifier attribute already exists" in html(response)


@pytest.mark.parametrize("data, field_message", [
    ({"number_min": "10", "number_max": "5", "decimals_allowed": "1", "negative_allowed": "1"},
     "The maximum must be greater than or equal to the minimum."),
    ({"number_min": "1.5"}, "Decimals are not allowed: enter a whole number."),
    ({"number_min": "-2", "decimals_allowed": "1"}, "Negative values are not allowed: enter 0 or more."),
    ({"number_min": "abc"}, "Enter a number, like 10 or 2.5."),
])
def test_number_bounds_validation(admin, data, field_message):
    """Number bounds are numbers, whole without decimals, not negative unless allowed, and min ≤ max."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_number", {"code": "qty", "group": "ERP", **data})
    assert response.status_code == 422
    assert field_message in html(response)
    assert get(Attribute, code="qty") is None


def test_metric_needs_family_and_unit_of_family(admin):
    """A measurement needs a family and a default unit of that family."""
    missing = admin.post("/settings/attributes/new?type=pim_catalog_metric", {"code": "depth", "group": "technical"})
    assert "Choose the measurement family." in html(missing)
    wrong = admin.post("/settings/attributes/new?type=pim_catalog_metric", {
        "code": "depth", "group": "technical", "metric_family": "Length", "default_metric_unit": "GRAM"})
    assert wrong.status_code == 422 and 'Choose a default unit of the &#34;Length&#34; measurement family.' in html(wrong)
    ok = admin.post("/settings/attributes/new?type=pim_catalog_metric", {
        "code": "depth", "group": "technical", "metric_family": "Length", "default_metric_unit": "METER",
        "decimals_allowed": "1"})
    assert ok.status_code == 303
    depth = get(Attribute, code="depth")
    assert (depth.metric_family, depth.default_metric_unit, depth.negative_allowed) == ("Length", "METER", False)


def test_date_and_file_properties(admin):
    """Dates must be ordered; file extensions are normalised and the size must be positive."""
    dates = admin.post("/settings/attributes/new?type=pim_catalog_date", {
        "code": "launch", "group": "ERP", "date_min": "2030-01-01", "date_max": "2020-01-01"})
    assert "The maximum date must be on or after the minimum date." in html(dates)
    bad = admin.post("/settings/attributes/new?type=pim_catalog_file", {
        "code": "manual", "group": "media", "allowed_extensions": "pdf, *.exe", "max_file_size": "0"})
    assert "Not a valid file extension: *.exe." in html(bad)
    assert "The maximum file size is a number of MB between 0 and 9999." in html(bad)
    ok = admin.post("/settings/attributes/new?type=pim_catalog_file", {
        "code": "manual", "group": "media", "allowed_extensions": "PDF, .txt", "max_file_size": "5"})
    assert ok.status_code == 303
    assert get(Attribute, code="manual").allowed_extensions == ["pdf", "txt"]


def test_bad_code_and_missing_group(admin):
    """Codes are letters, digits and underscores; the group is required."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_boolean", {"code": "no spaces", "group": "nope"})
    page = html(response)
    assert "The code may only contain letters, digits and underscores" in page
    assert "Choose the attribute group." in page


def test_create_form_htmx_errors_are_200_fragment(admin):
    """htmx validation errors answer 200 with the form fragment."""
    response = admin.post("/settings/attributes/new?type=pim_catalog_text", {"code": "", "group": "ERP"}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in html(response) and "The code is required." in html(response)


# -- attribute edition ----------------------------------------------------------------------------

def test_edit_keeps_immutable_properties(admin):
    """Editing cannot change unique, localizable, scopable or the measurement family (shown read-only)."""
    page = html(admin.client.get("/settings/attributes/weight"))
    assert "Cannot be changed after creation." in page and 'name="unique"' not in page
    response = admin.post("/settings/attributes/weight", {
        "group": "technical", "unique": "1", "localizable": "1", "metric_family": "Length",
        "default_metric_unit": "KILOGRAM", "decimals_allowed": "1", "label-en_US": "Weight (kg)"})
    assert response.status_code == 303
    weight = get(Attribute, code="weight")
    assert not weight.unique and not weight.localizable and weight.metric_family == "Weight"
    assert weight.default_metric_unit == "KILOGRAM" and weight.labels == {"en_US": "Weight (kg)"}


def test_edit_page_vs_fragment(admin):
    """The attribute page is a full page, or the content only for htmx."""
    assert "<html" in html(admin.client.get("/settings/attributes/ean"))
    fragment = html(admin.client.get("/settings/attributes/ean", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "^[0-9]{13}$" in fragment


def test_attribute_edit_needs_permission(seeded_app, app):
    """A user who may only list attributes can read one but not save it."""
    viewer = login_with(app, SETTINGS_INDEX)
    page = html(viewer.client.get("/settings/attributes/ean"))
    assert "disabled" in page and ">Save</button>" not in page
    assert viewer.client.get("/settings/attributes/new").status_code == 403
    assert viewer.post("/settings/attributes/ean", {"group": "media"}).status_code == 403
    assert get(Attribute, code="ean").group.code == "ERP"


# -- options --------------------------------------------------------------------------------------

def test_options_listed_and_added(admin):
    """Select attributes list their options and take new ones (htmx gets the options fragment)."""
    assert "felt" in html(admin.client.get("/settings/attributes/material"))
    response = admin.post("/settings/attributes/material/options", {"code": "linen", "label-en_US": "Linen"}, htmx=True)
    assert response.status_code == 200 and "<html" not in html(response) and "linen" in html(response)
    linen = get(AttributeOption, code="linen")
    assert linen.labels == {"en_US": "Linen"} and linen.sort_order == 7
    dup = admin.post("/settings/attributes/material/options", {"code": "linen"})
    assert dup.status_code == 422 and 'The option code &#34;linen&#34; is already used.' in html(dup)


def test_options_only_for_select_attributes(admin):
    """Option routes answer 404 for attributes that are not selects."""
    assert admin.post("/settings/attributes/name/options", {"code": "x"}).status_code == 404


def test_edit_option_labels(admin):
    """An option's labels can be changed."""
    assert admin.client.get("/settings/attributes/color/options/red").status_code == 200
    response = admin.post("/settings/attributes/color/options/red", {"label-fr_FR": "Rouge"})
    assert response.status_code == 303
    assert get(AttributeOption, code="red").labels == {"fr_FR": "Rouge"}


def test_move_option(admin):
    """Move down swaps an option with the next one."""
    assert admin.post("/settings/attributes/color/options/black/move", {"direction": "down"}).status_code == 303
    assert get(AttributeOption, code="black").sort_order == 1
    assert get(AttributeOption, code="white").sort_order == 0


def test_delete_option_refused_when_used(admin):
    """An option used by a product value is kept with a message; an unused one is deleted."""
    with db.connection_context():
        with write_txn():
            color = Attribute.get(code="color")
            product = Product.create(identifier="p1", values={"color": [{"locale": None, "scope": None, "data": "red"}]})
            ProductValue.create(product=product, attribute=color, text="red")
    refused = admin.post("/settings/attributes/color/options/red/delete")
    assert refused.status_code == 422 and "is used by products and cannot be deleted" in html(refused)
    assert get(AttributeOption, code="red") is not None
    assert admin.post("/settings/attributes/color/options/blue/delete").status_code == 303
    assert get(AttributeOption, code="blue") is None


def test_option_changes_need_permission(seeded_app, app):
    """Without the attribute edit permission, options cannot be added or deleted."""
    viewer = login_with(app, SETTINGS_INDEX)
    assert viewer.post("/settings/attributes/color/options", {"code": "pink"}).status_code == 403
    assert viewer.post("/settings/attributes/color/options/blue/delete").status_code == 403
    assert get(AttributeOption, code="blue") is not None


def test_a_code_ending_with_a_newline_is_refused():
    """Codes are letters, digits and underscores, nothing after them (a "$" anchor let a final newline in)."""
    from pimconnect.services.structure import checks, settings

    errors = {}
    checks.check_code("color\n", errors, None, "attribute")
    assert "code" in errors
    assert not settings.CODE_RE.match("color\n") and settings.CODE_RE.match("color_2")
