"""Settings: the Permissions tab of a category, a locale and an attribute group (EE, rest-api-and-permissions.md
§9.1): which user groups view / edit / own it, for users with the matching "Manage … permissions" right."""
from flask import abort, current_app, flash, request, url_for

from pimconnect.blueprints.settings import bp
from pimconnect.htmx import redirect_to, render
from pimconnect.models import AttributeGroup, Category, Locale
from pimconnect.permissions import require
from pimconnect.services.access import group_permissions

# kind -> (model, what the page calls it, the page to go back to)
ENTITIES = {
    "category": (Category, "Category", "settings.category"),
    "locale": (Locale, "Locale", "settings.locales"),
    "attribute_group": (AttributeGroup, "Attribute group", "settings.attribute_group_edit"),
}
MANAGE = {kind: spec["manage"] for kind, spec in group_permissions.KINDS.items()}


def _entity(kind, code):
    if current_app.config["PIM_EDITION"] != "ee":
        abort(404)  # CE has no permissions on categories, locales or attribute groups
    model = ENTITIES[kind][0]
    return model.get_or_none(model.code == code) or abort(404)


def _back(kind, entity):
    endpoint = ENTITIES[kind][2]
    return url_for(endpoint) if kind == "locale" else url_for(endpoint, code=entity.code)


def _page(kind, entity):
    return render("settings/entity_permissions.html", kind=kind, entity=entity, what=ENTITIES[kind][1],
                  levels=group_permissions.entity_form(kind, entity.id), back=_back(kind, entity),
                  action=url_for(f"settings.{kind}_permissions_save", code=entity.code))


def _save(kind, code):
    entity = _entity(kind, code)
    levels = group_permissions.levels_from_form(kind, request.form)
    group_permissions.set_levels_on(kind, entity.id, levels,
                                    children=kind == "category" and request.form.get("apply_to_children") == "1")
    flash(f"The permissions of {ENTITIES[kind][1].lower()} {entity.code} have been saved.", "success")
    return redirect_to(url_for(f"settings.{kind}_permissions", code=entity.code))


@bp.get("/categories/<code>/permissions")
@require("pim_enrich_category_index", MANAGE["category"])
def category_permissions(code):
    """Which user groups view, edit and own the category."""
    return _page("category", _entity("category", code))


@bp.post("/categories/<code>/permissions")
@require("pim_enrich_category_index", MANAGE["category"])
def category_permissions_save(code):
    """Save them, on the category alone or on its children too."""
    return _save("category", code)


@bp.get("/locales/<code>/permissions")
@require("pim_enrich_locale_index", MANAGE["locale"])
def locale_permissions(code):
    """Which user groups view and edit the locale's values."""
    return _page("locale", _entity("locale", code))


@bp.post("/locales/<code>/permissions")
@require("pim_enrich_locale_index", MANAGE["locale"])
def locale_permissions_save(code):
    return _save("locale", code)


@bp.get("/attribute-groups/<code>/permissions")
@require("pim_enrich_attributegroup_index", MANAGE["attribute_group"])
def attribute_group_permissions(code):
    """Which user groups view and edit the attribute group's values."""
    return _page("attribute_group", _entity("attribute_group", code))


@bp.post("/attribute-groups/<code>/permissions")
@require("pim_enrich_attributegroup_index", MANAGE["attribute_group"])
def attribute_group_permissions_save(code):
    return _save("attribute_group", code)
