"""EE permissions matrix (issue 13): level × operation × surface (REST API, web UI) on each axis, with the
user documentation's examples (seed-connect-apps.md "Give permissions to your App"):
- Own, Edit and View on Ecommerce only: the app updates and deletes Hat, creates products in Ecommerce and
  cannot see Braided hat (only in Print);
- a translation app with View on fr_FR and Edit on de_DE and en_US writes only those;
- an app with View on ecommerce, marketing and media sees no ERP or technical values and writes none.
An Edit-level change goes to the editor's draft (204 on the API, "Save draft" on the product page); the
product itself is unchanged."""
import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import ConnectedApp, Product, User, UserGroup, UserGroupMember
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api
from tests.factories import login_with

URL = "/api/rest/v1/products"
ALL = {"all": True, "identifiers": []}
VALUES = {"name": [{"locale": loc, "scope": None, "data": f"Hat {loc}"} for loc in ("en_US", "fr_FR", "de_DE")],
          "erp_name": [{"locale": None, "scope": None, "data": "HAT-ERP"}],
          "weight": [{"locale": None, "scope": None, "data": {"amount": "120", "unit": "GRAM"}}],
          "color": [{"locale": None, "scope": None, "data": "red"}]}
EVERY_LEVEL = {"category": ("own", "edit", "view"), "locale": ("edit", "view"), "attribute_group": ("edit", "view")}


def _levels(kind, **given):
    """The apps' shape for ``kind``: each level "all" or a list of codes; everything when nothing is given."""
    if not given:
        return {level: ALL for level in EVERY_LEVEL[kind]}
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in given.items()}


def _name(locale, data):
    return {"values": {"name": [{"locale": locale, "scope": None, "data": data}]}}


@pytest.fixture
def catalog(api, seeded_app, conn):
    """Hat (Ecommerce), Braided hat (Print only) and Cap (Ecommerce and Print), written by an unrestricted connection."""
    for identifier, categories in (("Hat", ["ecommerce_summer_hats"]), ("Braided_hat", ["print_traditional"]),
                                   ("Cap", ["ecommerce_sale", "print_traditional"])):
        answer = api.patch(f"{URL}/{identifier}", json={"family": "hats", "categories": categories, "values": VALUES})
        assert answer.status_code == 201, answer.get_json()
    return seeded_app


@pytest.fixture
def make_app(catalog, client):
    """An app connected with product scopes whose group holds the given levels (everything on the axes not given)."""
    def make(name, **kinds):
        app_id, _ = register_listing(catalog, name)
        connect_code(catalog, app_id, ["delete_products"])
        with catalog.app_context():
            group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id,
                                   {kind: kinds.get(kind) or _levels(kind) for kind in EVERY_LEVEL})
        return Api(client, app_token(catalog, app_id))
    return make


def _identifiers(answer):
    return sorted(item["identifier"] for item in answer.get_json()["_embedded"]["items"])


# --- the documentation's examples ----------------------------------------------------------------

def test_own_edit_view_on_ecommerce_only(make_app):
    app = make_app("Ecommerce App", category=_levels("category", own=["ecommerce"], edit=["ecommerce"],
                                                    view=["ecommerce"]))
    assert _identifiers(app.get(f"{URL}?limit=100")) == ["Cap", "Hat"]
    assert app.patch(f"{URL}/Hat", json=_name("en_US", "Panama hat")).status_code == 204
    assert app.get(f"{URL}/Hat").get_json()["values"]["name"][0]["data"] in ("Panama hat", "Hat fr_FR", "Hat de_DE")
    created = app.post(URL, json={"identifier": "Sun_hat", "family": "hats", "categories": ["ecommerce_sale"]})
    assert created.status_code == 201, created.get_json()
    braided = app.get(f"{URL}/Braided_hat")
    assert braided.status_code == 404
    assert braided.get_json()["message"] == ('Product "Braided_hat" does not exist or you do not have permission '
                                             'to access it.')
    assert app.patch(f"{URL}/Braided_hat", json=_name("en_US", "x")).status_code == 404
    assert app.delete(f"{URL}/Braided_hat").status_code == 404
    assert app.get(f"{URL}/Cap").get_json()["categories"] == ["ecommerce_sale"]  # print is hidden
    assert app.delete(f"{URL}/Hat").status_code == 204
    assert Product.get_or_none(Product.identifier == "Hat") is None


def test_translation_app_writes_only_its_edit_locales(make_app):
    app = make_app("Translation App", locale=_levels("locale", edit=["de_DE", "en_US"],
                                                     view=["de_DE", "en_US", "fr_FR"]))
    names = app.get(f"{URL}/Hat").get_json()["values"]["name"]
    assert sorted(entry["locale"] for entry in names) == ["de_DE", "en_US", "fr_FR"]
    assert app.patch(f"{URL}/Hat", json=_name("de_DE", "Hut")).status_code == 204
    assert app.patch(f"{URL}/Hat", json=_name("en_US", "Hat!")).status_code == 204
    refused = app.patch(f"{URL}/Hat", json=_name("fr_FR", "Chapeau"))
    assert refused.status_code == 403
    assert refused.get_json()["message"] == 'You only have a view permission on the locale "fr_FR".'
    stored = {e["locale"]: e["data"] for e in Product.get(Product.identifier == "Hat").values["name"]}
    assert stored == {"de_DE": "Hut", "en_US": "Hat!", "fr_FR": "Hat fr_FR"}


def test_view_on_ecommerce_marketing_media_sees_no_erp_or_technical_values_and_writes_none(make_app):
    app = make_app("Shop App", attribute_group=_levels("attribute_group",
                                                       view=["ecommerce", "marketing", "media"]))
    for answer in (app.get(f"{URL}/Hat").get_json(), app.get(f"{URL}?limit=100").get_json()["_embedded"]["items"][0]):
        assert sorted(answer["values"]) == ["color", "name"]
    for attribute, group in (("name", "ecommerce"), ("color", "marketing")):
        data = "x" if attribute == "name" else "blue"
        body = {"values": {attribute: [{"locale": "en_US" if attribute == "name" else None, "scope": None,
                                        "data": data}]}}
        refused = app.patch(f"{URL}/Hat", json=body)
        assert refused.status_code == 403
        assert refused.get_json()["message"] == (f'Attribute "{attribute}" belongs to the attribute group '
                                                 f'"{group}" on which you only have view permission.')
    hidden = app.patch(f"{URL}/Hat", json={"values": {"erp_name": [{"locale": None, "scope": None, "data": "X"}]}})
    assert hidden.status_code == 422
    assert hidden.get_json()["message"].startswith("The erp_name attribute does not exist in your PIM.")
    assert Product.get(Product.identifier == "Hat").values["erp_name"][0]["data"] == "HAT-ERP"


# --- level × operation, on the API ---------------------------------------------------------------

LEVELS = {
    "own": _levels("category", own=["ecommerce"], edit=["ecommerce"], view=["ecommerce"]),
    "edit": _levels("category", edit=["ecommerce"], view=["ecommerce"]),
    "view": _levels("category", view=["ecommerce"]),
    "none": _levels("category", view=["master"]),
}
# level -> (GET, PATCH with a change, DELETE)
API_EXPECTED = {"own": (200, 204, 204), "edit": (200, 204, 403), "view": (200, 403, 403), "none": (404, 404, 404)}


@pytest.mark.parametrize("level", list(LEVELS))
def test_api_level_by_operation(make_app, level):
    app = make_app(f"App {level}", category=LEVELS[level])
    listed = _identifiers(app.get(f"{URL}?limit=100"))
    assert ("Hat" in listed) == (level != "none") and "Braided_hat" not in listed
    got = (app.get(f"{URL}/Hat").status_code, app.patch(f"{URL}/Hat", json=_name("en_US", "Changed")).status_code,
           app.delete(f"{URL}/Hat").status_code)
    assert got == API_EXPECTED[level]
    if level == "view":
        assert app.get(f"{URL}/Hat").get_json()["metadata"] == {"workflow_status": "read_only"}
    if level in ("edit", "view"):  # an editor's change went to its draft: the product is unchanged
        names = {e["locale"]: e["data"] for e in Product.get(Product.identifier == "Hat").values["name"]}
        assert names["en_US"] == "Hat en_US"


# --- level × operation, on the web UI --------------------------------------------------------------

def _person(app, catalog, levels_by_kind):
    """A person (every product right of their role) whose only group holds ``levels_by_kind``."""
    person = login_with(app, ["pim_enrich_product_index", "pim_enrich_product_edit_attributes",
                              "pim_enrich_product_remove", "pim_enrich_product_categories_view"])
    with catalog.app_context(), db.connection_context(), write_txn():
        user = User.get(User.username == person.username)
        UserGroupMember.delete().where(UserGroupMember.user == user).execute()
        group = UserGroup.create(name=f"{person.username}_group")
        UserGroupMember.create(user=user, group=group)
        group_permissions.save(group.id, {kind: levels_by_kind.get(kind) or _levels(kind) for kind in EVERY_LEVEL})
    return person


# level -> (GET page, POST save, POST delete)
UI_EXPECTED = {"own": (200, 303, 303), "edit": (200, 303, 403), "view": (200, 403, 403), "none": (404, 404, 404)}


@pytest.mark.parametrize("level", list(LEVELS))
def test_ui_level_by_operation(catalog, app, level):
    person = _person(app, catalog, {"category": LEVELS[level]})
    with catalog.app_context(), db.connection_context():
        hat = Product.get(Product.identifier == "Hat")
        braided = Product.get(Product.identifier == "Braided_hat")
    grid = person.client.get("/products/").get_data(as_text=True)
    assert (str(hat.uuid) in grid) == (level != "none") and str(braided.uuid) not in grid
    page = person.client.get(f"/products/{hat.uuid}")
    html = page.get_data(as_text=True)
    if page.status_code == 200:
        assert ("/delete" in html) == (level == "own")  # Own-only actions hidden
        assert ('type="submit" class="primary">Save' in html) == (level == "own")
        assert ("Save draft" in html) == (level == "edit")
    saved = person.post(f"/products/{hat.uuid}", {"identifier": "Hat", "enabled": "1", "family": "hats",
                                                  "locale": "en_US", "scope": "ecommerce", "v__name": "Changed"})
    deleted = person.post(f"/products/{hat.uuid}/delete", {})
    assert (page.status_code, saved.status_code, deleted.status_code) == UI_EXPECTED[level]


def test_ui_product_page_hides_groups_and_locales_and_shows_view_only_fields_read_only(catalog, app):
    person = _person(app, catalog, {
        "locale": _levels("locale", edit=["en_US"], view=["en_US", "fr_FR"]),
        "attribute_group": _levels("attribute_group", edit=["ecommerce"], view=["ecommerce", "marketing"]),
    })
    with catalog.app_context(), db.connection_context():
        hat = Product.get(Product.identifier == "Hat")
    html = person.client.get(f"/products/{hat.uuid}?locale=en_US").get_data(as_text=True)
    assert 'name="v__name"' in html and "v__erp_name" not in html and "v__weight" not in html
    assert '<option value="de_DE"' not in html and '<option value="fr_FR"' in html
    color = html.split('id="v__color"')[0].rsplit("<fieldset", 1)[1]
    assert "disabled" in color and "read-only" in color  # marketing is view-only
    french = person.client.get(f"/products/{hat.uuid}?locale=fr_FR").get_data(as_text=True)
    assert "read-only" in french.split('id="v__name"')[0].rsplit("<div", 1)[1]  # fr_FR is view-only
    # hidden locale asked for: the page shows a visible one
    assert '<option value="en_US" selected' in person.client.get(f"/products/{hat.uuid}?locale=de_DE").get_data(
        as_text=True)
    answer = person.post(f"/products/{hat.uuid}", {"identifier": "Hat", "enabled": "1", "family": "hats",
                                                   "locale": "en_US", "scope": "ecommerce", "v__name": "Saved",
                                                   "v__color": "blue"})
    assert answer.status_code == 303
    with catalog.app_context(), db.connection_context():
        values = Product.get(Product.identifier == "Hat").values
    assert {e["locale"]: e["data"] for e in values["name"]}["en_US"] == "Saved"
    assert values["color"][0]["data"] == "red" and values["erp_name"][0]["data"] == "HAT-ERP"


def test_ui_saving_keeps_hidden_categories_and_home_counts_what_the_person_sees(catalog, app):
    person = _person(app, catalog, {"category": _levels("category", own=["ecommerce"], edit=["ecommerce"],
                                                        view=["ecommerce"])})
    with catalog.app_context(), db.connection_context():
        cap = Product.get(Product.identifier == "Cap")
    html = person.client.get(f"/products/{cap.uuid}").get_data(as_text=True)
    assert 'value="print_traditional"' not in html and 'value="ecommerce_sale"' in html
    answer = person.post(f"/products/{cap.uuid}", {"identifier": "Cap", "enabled": "1", "family": "hats",
                                                   "locale": "en_US", "scope": "ecommerce", "categories_shown": "1",
                                                   "categories": ["ecommerce_summer"]})
    assert answer.status_code == 303
    with catalog.app_context(), db.connection_context():
        stored = sorted(link.category.code for link in Product.get(Product.identifier == "Cap").product_categories)
    assert stored == ["ecommerce_summer", "print_traditional"]
    home = person.client.get("/").get_data(as_text=True)
    everyone = login_with(app, ["pim_enrich_product_index"]).client.get("/").get_data(as_text=True)
    assert home != everyone  # 2 products (Hat, Cap) against 3


def test_ce_restricts_nobody(make_app, catalog):
    app = make_app("CE App", category=_levels("category", view=["master"]))
    catalog.config["PIM_EDITION"] = "ce"
    assert _identifiers(app.get(f"{URL}?limit=100")) == ["Braided_hat", "Cap", "Hat"]
    assert app.patch(f"{URL}/Braided_hat", json=_name("en_US", "x")).status_code == 204


def test_ui_grid_shows_no_hidden_label_category_or_locale(catalog, app):
    person = _person(app, catalog, {"category": _levels("category", view=["ecommerce"]),
                                    "locale": _levels("locale", view=["en_US"]),
                                    "attribute_group": _levels("attribute_group", view=["ERP"])})
    grid = person.client.get("/products/").get_data(as_text=True)
    assert "Hat en_US" not in grid  # the label attribute (name) is in the hidden ecommerce group
    assert 'value="print_traditional"' not in grid and 'value="ecommerce_sale"' in grid
    assert '<option value="fr_FR"' not in grid
    everyone = login_with(app, ["pim_enrich_product_index"]).client.get("/products/").get_data(as_text=True)
    assert "Hat en_US" in everyone and 'value="print_traditional"' in everyone
