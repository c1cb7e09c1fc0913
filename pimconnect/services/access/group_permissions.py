"""EE permissions of a user group (an app's group): category trees Own / Edit / View, locales and
attribute groups Edit / View (reference apps-and-oauth.md §7.4, data shape
``{level: {"all": bool, "identifiers": [codes]}}``), read from and written to GroupPermission.

A higher level includes the lower ones (Own → Edit → View), so saving normalises the shape.
When the app cannot write products only the View levels are offered and stored.
"""
from pimconnect.db import write_txn
from pimconnect.models import AttributeGroup, Category, GroupPermission, Locale

KINDS = {
    "category": {"label": "Categories", "levels": ("own", "edit", "view"),
                 "manage": "pimee_enrich_category_edit_permissions"},
    "locale": {"label": "Locales", "levels": ("edit", "view"), "manage": "pimee_enrich_locale_edit_permissions"},
    "attribute_group": {"label": "Attribute groups", "levels": ("edit", "view"),
                        "manage": "pimee_enrich_attribute_group_edit_permissions"},
}
LEVEL_LABELS = {"own": "Own", "edit": "Edit", "view": "View"}


def options():
    """The codes each kind can be granted on: category trees, enabled locales, attribute groups."""
    return {
        "category": [c.code for c in Category.select(Category.code).where(Category.parent.is_null())
                     .order_by(Category.code)],
        "locale": [l.code for l in Locale.select(Locale.code).where(Locale.enabled == True)  # noqa: E712
                   .order_by(Locale.code)],
        "attribute_group": [g.code for g in AttributeGroup.select(AttributeGroup.code).order_by(AttributeGroup.code)],
    }


def levels_for(kind, view_only):
    return ("view",) if view_only else KINDS[kind]["levels"]


def empty(kind):
    return {level: {"all": False, "identifiers": []} for level in KINDS[kind]["levels"]}


def normalise(kind, levels, allowed_codes, view_only=False):
    """A clean levels dict: known codes only, higher levels copied into the lower ones."""
    result = empty(kind)
    order = KINDS[kind]["levels"]
    for position, level in enumerate(order):
        if view_only and level != "view":
            continue
        given = (levels or {}).get(level) or {}
        identifiers = [code for code in given.get("identifiers") or [] if code in allowed_codes]
        everything = bool(given.get("all"))
        for lower in order[position:]:
            result[lower]["all"] = result[lower]["all"] or everything
            for code in identifiers:
                if code not in result[lower]["identifiers"]:
                    result[lower]["identifiers"].append(code)
    for level in result.values():
        if level["all"]:
            level["identifiers"] = []
        level["identifiers"].sort()
    return result


def from_form(form, view_only=False, kinds=tuple(KINDS)):
    """Levels per kind from a submitted form: ``<kind>-<level>-all`` checkboxes and ``<kind>-<level>`` lists."""
    allowed = options()
    result = {}
    for kind in kinds:
        raw = {level: {"all": bool(form.get(f"{kind}-{level}-all")),
                       "identifiers": form.getlist(f"{kind}-{level}")}
               for level in KINDS[kind]["levels"]}
        result[kind] = normalise(kind, raw, set(allowed[kind]), view_only)
    return result


def load(group_id):
    """The group's levels per kind (empty levels for a kind never saved)."""
    stored = {row.kind: row.levels for row in GroupPermission.select().where(GroupPermission.group == group_id)}
    return {kind: {**empty(kind), **(stored.get(kind) or {})} for kind in KINDS}


def save(group_id, permissions):
    """Replace the group's levels for each kind in ``permissions`` (inside the caller's transaction or its own)."""
    with write_txn():
        for kind, levels in permissions.items():
            (GroupPermission.insert(group=group_id, kind=kind, levels=levels)
             .on_conflict(conflict_target=[GroupPermission.group, GroupPermission.kind],
                          update={GroupPermission.levels: levels})
             .execute())
