"""Connect -> Connected apps -> an app -> Catalogs -> a catalog: the catalog editor
(catalogs-for-apps.md §8, §10), deep-linked at ``/connect/apps/v1/catalogs/<id>``.

One form holds the whole catalog (D10): enabled flag, criteria, value filters and product mapping.
Every action is a POST of that form with a named submit button (``action``: ``add:<field>``,
``remove:<row>``, ``more``, ``refresh``, ``save``); the page
re-renders with the unsaved state, or, under htmx, only the editor. Only ``save`` stores anything,
and only a valid catalog (so an invalid one is never enabled, §6.1). GETs never change anything.
Every route needs Manage apps.
"""
from flask import Blueprint, abort, current_app, flash, request, url_for

from pimconnect.htmx import is_htmx, redirect_to, refused_status, render
from pimconnect.models import Catalog
from pimconnect.permissions import MANAGE_APPS, require, user_permissions
from pimconnect.services.access.access import Access
from pimconnect.services.catalogs import choices, editor, is_uuid, mapping_tab
from pimconnect.services.catalogs import preview as previews
from pimconnect.services.selection import SelectionStructure

bp = Blueprint("catalogs", __name__)
TABS = ("settings", "selection", "filters", "mapping")
TAB_LABELS = {"settings": "Settings", "selection": "Product selection", "filters": "Filter the values",
              "mapping": "Product mapping"}
TAB_PATHS = {"settings": ("[enabled]", "[name]"), "selection": ("[product_selection_criteria]",),
             "filters": ("[product_value_filters]",), "mapping": ("[product_mapping]",)}
SAVED = "Catalog successfully saved."
NOT_SAVED = "The catalog was not saved: please fix the errors below."
CONFLICT = ("The catalog was not saved: it has changed since you opened it (another user, the app, or an automatic "
            "disabling). Reload it to see the change, then make your edits again.")


def _catalog(catalog_id):
    """The catalog, 404 when unknown (any app's: the user manages every app)."""
    found = Catalog.get_or_none(Catalog.id == catalog_id.lower()) if is_uuid(catalog_id) else None
    if found is None:
        abort(404)
    return found


def app_access(catalog):
    """The Access of the catalog's app user: what its product endpoints read through (EE grants
    when PIM_EDITION=ee, D8), so the preview selects what they would."""
    owner = catalog.owner
    return Access.of(owner, user_permissions(owner), enforce_grants=current_app.config["PIM_EDITION"] == "ee")


def _tabs(catalog):
    """The catalog's tabs (§8.2): Filter the values without a mapping schema, Product mapping with one."""
    has_schema = catalog.product_mapping_schema is not None
    return [t for t in TABS if (t != "mapping" or has_schema) and (t != "filters" or not has_schema)]


def _tab(catalog, wanted):
    tabs = _tabs(catalog)
    return wanted if wanted in tabs else "selection"


def _page(catalog, state, tab, structure, problems, note=None, status=200, block="content"):
    """The editor for ``state`` (saved or not), its problems placed under their inputs."""
    tabs = _tabs(catalog)
    tab_problems = {t: any(p["path"].startswith(TAB_PATHS[t]) for p in problems) for t in tabs}
    preview = previews.preview(previews.required_targets(app_access(catalog), catalog, structure), state.criteria,
                               structure) if tab == "selection" else None
    return render(
        "catalogs/edit.html", block=block, status=status, catalog=catalog, app=editor.app_of(catalog),
        state=state, tab=tab, tabs=tabs, tab_labels=TAB_LABELS, tab_problems=tab_problems, problems=problems,
        rows=choices.rows(state, structure) if tab == "selection" else [],
        picker=choices.picker(state.picker_search, state.picker_limit, [c.get("field") for c in state.criteria
                                                                          if isinstance(c, dict)])
        if tab == "selection" else None,
        filter_choices=choices.filter_choices(state.filters) if tab == "filters" else None,
        mapping_rows=mapping_tab.rows(state.mapping, catalog.product_mapping_schema, structure)
        if tab == "mapping" else [], uuid_texts=mapping_tab.UUID_TEXTS, placeholder=mapping_tab.PLACEHOLDER,
        preview=preview, note=note, max_criteria=editor.MAX_CRITERIA,
        limit_message=editor.LIMIT_REACHED.format(limit=editor.MAX_CRITERIA))


@bp.get("/connect/apps/v1/catalogs/<catalog_id>")
@require(MANAGE_APPS)
def edit(catalog_id):
    """The catalog editor on its tab (``?tab=``), showing the stored catalog's problems at once (§6.4)."""
    catalog = _catalog(catalog_id)
    structure = SelectionStructure()
    state = editor.from_catalog(catalog)
    state.picker_search = request.args.get("search", "").strip()[:100]
    found = editor.merged(editor.problems(state, catalog, structure), editor.stored_errors(catalog, state.criteria, structure))
    return _page(catalog, state, _tab(catalog, request.args.get("tab")), structure, found)


@bp.post("/connect/apps/v1/catalogs/<catalog_id>")
@require(MANAGE_APPS)
def change(catalog_id):
    """Apply the pressed button to the posted (unsaved) catalog: add, remove, search, refresh or save."""
    catalog = _catalog(catalog_id)
    tab = _tab(catalog, request.args.get("tab"))
    structure = SelectionStructure()
    state = editor.parse_form(request.form, structure)
    mapping_tab.read_form(state, request.form, catalog.product_mapping_schema, structure)
    if catalog.product_mapping_schema is None:  # no schema (any more): no mapping to edit
        state.mapping = None
    action = request.form.get("action", "refresh")
    note = editor.apply_action(state, action, structure)
    found = editor.problems(state, catalog, structure)
    if action == "save":
        if not found:
            try:
                editor.save(catalog, state)
            except editor.Conflict:
                return _page(catalog, state, tab, structure, found, note=CONFLICT,
                             status=200 if is_htmx() else 409)
            flash(SAVED, "success")
            return redirect_to(url_for("catalogs.edit", catalog_id=catalog.id, tab=tab))
        return _page(catalog, state, tab, structure, found, note=NOT_SAVED, status=refused_status())
    return _page(catalog, state, tab, structure, found, note=note)


@bp.get("/connect/apps/v1/catalogs/<catalog_id>/attributes")
@require(MANAGE_APPS)
def attributes(catalog_id):
    """The add-criterion picker searched (``search``, ``limit``): its fragment for htmx, the whole
    editor with the picker searched for a plain request."""
    catalog = _catalog(catalog_id)
    used = [value for key, value in request.args.items() if key.endswith("-field")]
    limit = editor.bounded_int(request.args.get("limit"), choices.PAGE, choices.PAGE, 1000)
    search = request.args.get("picker_search", "").strip()[:100]
    if not is_htmx():
        structure = SelectionStructure()
        state = editor.from_catalog(catalog)
        state.picker_search, state.picker_limit = search, limit
        return _page(catalog, state, "selection", structure, editor.problems(state, catalog, structure))
    return render("catalogs/_picker.html", block="picker", catalog=catalog,
                  picker=choices.picker(search, limit, used), state=None, max_criteria=editor.MAX_CRITERIA)
