"""Settings: the Permissions tab of a category (view / edit / own by user group, apply to children), a locale
and an attribute group (view / edit), for users with the matching "Manage … permissions" right (issue 13)."""
from pimconnect.db import db
from pimconnect.models import AttributeGroup, Category, Locale, UserGroup
from pimconnect.services.access import group_permissions
from tests.factories import login_with

MANAGE = ["pim_enrich_category_index", "pimee_enrich_category_edit_permissions", "pim_enrich_locale_index",
          "pimee_enrich_locale_edit_permissions", "pim_enrich_attributegroup_index",
          "pimee_enrich_attribute_group_edit_permissions"]


def _ids(seeded_app, *names):
    with seeded_app.app_context(), db.connection_context():
        return [UserGroup.get(UserGroup.name == name).id for name in names]


def _levels(seeded_app, kind, model, code):
    with seeded_app.app_context(), db.connection_context():
        entity = model.get(model.code == code)
        names = dict(UserGroup.select(UserGroup.id, UserGroup.name).tuples())
        return {names[group]: level for group, level in group_permissions.levels_on(kind, entity.id).items()}


def test_a_categorys_permissions_with_apply_to_children(seeded_app, app):
    manager = login_with(app, MANAGE)
    page = manager.client.get("/settings/categories/ecommerce/permissions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Allowed to own products" in html and "Allowed to view products" in html
    everyone, redactor, it = _ids(seeded_app, "All", "Redactor", "IT support")
    assert f'name="own" value="{everyone}" checked' in html and f'name="view" value="{redactor}" >' in html
    answer = manager.post("/settings/categories/ecommerce/permissions",
                          {"own": [str(it)], "edit": [str(redactor)], "view": [str(everyone)],
                           "apply_to_children": "1"})
    assert answer.status_code == 303
    assert _levels(seeded_app, "category", Category, "ecommerce") == {"IT support": "own", "Redactor": "edit",
                                                                      "All": "view"}
    assert _levels(seeded_app, "category", Category, "ecommerce_summer_hats") == {
        "IT support": "own", "Redactor": "edit", "All": "view"}
    manager.post("/settings/categories/ecommerce_sale/permissions", {"view": [str(it)]})
    assert _levels(seeded_app, "category", Category, "ecommerce_sale") == {"IT support": "view"}
    assert _levels(seeded_app, "category", Category, "ecommerce") == {"IT support": "own", "Redactor": "edit",
                                                                      "All": "view"}


def test_a_locales_and_an_attribute_groups_permissions(seeded_app, app):
    manager = login_with(app, MANAGE)
    everyone, redactor = _ids(seeded_app, "All", "Redactor")
    html = manager.client.get("/settings/locales/fr_FR/permissions").get_data(as_text=True)
    assert "Allowed to edit" in html and "Allowed to own" not in html
    manager.post("/settings/locales/fr_FR/permissions", {"edit": [str(redactor)], "view": [str(everyone)]})
    assert _levels(seeded_app, "locale", Locale, "fr_FR") == {"Redactor": "edit", "All": "view"}
    manager.post("/settings/attribute-groups/ERP/permissions", {"view": [str(redactor)]})
    assert _levels(seeded_app, "attribute_group", AttributeGroup, "ERP") == {"Redactor": "view"}
    assert "Permissions" in manager.client.get("/settings/attribute-groups/ERP").get_data(as_text=True)


def test_the_tabs_need_the_manage_rights_and_ee(seeded_app, app):
    lister = login_with(app, ["pim_enrich_category_index", "pim_enrich_locale_index"])
    assert lister.client.get("/settings/categories/ecommerce/permissions").status_code == 403
    assert lister.post("/settings/locales/fr_FR/permissions", {"view": ["1"]}).status_code == 403
    assert "/settings/categories/ecommerce/permissions" not in lister.client.get(
        "/settings/categories/ecommerce").get_data(as_text=True)
    manager = login_with(app, MANAGE)
    app.config["PIM_EDITION"] = "ce"
    assert manager.client.get("/settings/categories/ecommerce/permissions").status_code == 404


GROUP_PAGE = ["pim_user_group_edit"]


def _group_state(seeded_app):
    """Redactor: Edit on the tree ecommerce, View on one category below it, Own on none; View on fr_FR; Edit on ERP."""
    with seeded_app.app_context(), db.connection_context():
        redactor = UserGroup.get(UserGroup.name == "Redactor").id
        group_permissions.save(redactor, {"category": {"view": {"all": False, "identifiers": []}},
                                          "locale": {"view": {"all": False, "identifiers": ["fr_FR"]}},
                                          "attribute_group": {"edit": {"all": False, "identifiers": ["ERP"]}}})
        tree = Category.get(Category.code == "ecommerce")
        sale = Category.get(Category.code == "ecommerce_sale")
        group_permissions.set_levels_on("category", tree.id, {redactor: "edit"})
        group_permissions.set_levels_on("category", sale.id, {redactor: "view"})
        below = Category.select().where((Category.path.startswith(tree.path)) & (Category.id != tree.id)).count()
        return redactor, below


def test_a_user_groups_permissions_overview(seeded_app, app):
    redactor, below = _group_state(seeded_app)
    manager = login_with(app, GROUP_PAGE + MANAGE)
    page = manager.client.get(f"/system/groups/{redactor}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="group-permissions"' in html
    ecommerce = html.split("<code>ecommerce</code>")[1].split("</tr>")[0]
    assert "<td>Edit</td>" in ecommerce and f"Own on 0, Edit on 0, View on 1 of {below}" in ecommerce
    assert 'href="/settings/categories/ecommerce/permissions"' in ecommerce
    fr = html.split("<code>fr_FR</code>")[1].split("</tr>")[0]
    assert "<td>View</td>" in fr and 'href="/settings/locales/fr_FR/permissions"' in fr
    en = html.split("<code>en_US</code>")[1].split("</tr>")[0]
    assert "<td>None</td>" in en
    erp = html.split("<code>ERP</code>")[1].split("</tr>")[0]
    assert "<td>Edit</td>" in erp and 'href="/settings/attribute-groups/ERP/permissions"' in erp
    # the page's numbers are the tab's: the category tab shows Redactor on Edit for ecommerce
    tab = manager.client.get("/settings/categories/ecommerce/permissions").get_data(as_text=True)
    assert f'name="edit" value="{redactor}" checked' in tab and f'name="own" value="{redactor}" >' in tab


def test_the_overview_needs_a_manage_right_and_ee(seeded_app, app):
    redactor, _below = _group_state(seeded_app)
    plain = login_with(app, GROUP_PAGE)
    html = plain.client.get(f"/system/groups/{redactor}").get_data(as_text=True)
    assert 'id="group-permissions"' not in html and "Members" in html
    # one manage right shows the whole overview, read-only where the tab cannot be opened
    locales_only = login_with(app, GROUP_PAGE + ["pim_enrich_locale_index", "pimee_enrich_locale_edit_permissions"])
    html = locales_only.client.get(f"/system/groups/{redactor}").get_data(as_text=True)
    assert 'id="group-permissions"' in html and 'href="/settings/locales/fr_FR/permissions"' in html
    assert "/settings/categories/ecommerce/permissions" not in html and "<code>ecommerce</code>" in html
    assert "/settings/attribute-groups/ERP/permissions" not in html
    app.config["PIM_EDITION"] = "ce"
    manager = login_with(app, GROUP_PAGE + MANAGE)
    html = manager.client.get(f"/system/groups/{redactor}").get_data(as_text=True)
    assert 'id="group-permissions"' not in html and "Members" in html
