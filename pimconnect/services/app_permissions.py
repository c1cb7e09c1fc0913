"""EE permissions of a connected app's user group: the choices the wizard's Permissions step offers,
reading them from a form, and saving them (apps-and-oauth.md §7.4, seed-connect-apps.md "Give
permissions to your App EE").

Shape of each kind (reference §7.4): categories ``{own|edit|view: {all, identifiers}}``, locales and
attribute groups ``{edit|view: {all, identifiers}}``. A higher level includes the lower ones (Own
includes Edit and View), so saving folds each level's choices into the levels below it.
"""
from dataclasses import dataclass

from pimconnect.models import AttributeGroup, Category, GroupPermission, Locale

KINDS = {"category": ("own", "edit", "view"), "locale": ("edit", "view"), "attribute_group": ("edit", "view")}
KIND_LABELS = {"category": "Category trees", "locale": "Locales", "attribute_group": "Attribute groups"}
LEVEL_LABELS = {"own": "Own", "edit": "Edit", "view": "View"}
VIEW_ONLY = ("view",)


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


def _label(row):
    return (row.labels or {}).get("en_US") or f"[{row.code}]"


def choices():
    """What can be chosen per kind: the category trees (roots), the enabled locales, the attribute groups."""
    trees = Category.select().where(Category.parent.is_null()).order_by(Category.sort_order, Category.code)
    locales = Locale.select().where(Locale.enabled == True).order_by(Locale.code)  # noqa: E712 (SQL)
    groups = AttributeGroup.select().order_by(AttributeGroup.sort_order, AttributeGroup.code)
    return {
        "category": [Choice(row.code, _label(row)) for row in trees],
        "locale": [Choice(row.code, row.code) for row in locales],
        "attribute_group": [Choice(row.code, _label(row)) for row in groups],
    }


def levels_for(kind, view_only):
    """The levels shown for ``kind``: View only when the app cannot write products (§7.4)."""
    return VIEW_ONLY if view_only else KINDS[kind]


def field_name(kind, level, all_flag=False):
    return f"{kind}_{level}_all" if all_flag else f"{kind}_{level}"


def empty():
    return {kind: {level: {"all": False, "identifiers": []} for level in levels} for kind, levels in KINDS.items()}


def from_form(form, view_only, available=None):
    """The permissions chosen in ``form`` (a mapping of field name → list of values).

    Unknown codes and levels not offered are ignored; each level includes the higher ones' choices.
    """
    available = available if available is not None else choices()
    chosen = empty()
    for kind, levels in KINDS.items():
        known = [choice.code for choice in available[kind]]
        carried = {"all": False, "identifiers": set()}
        for level in levels:  # from the highest level down
            if level in levels_for(kind, view_only):
                carried["all"] = carried["all"] or bool(form.get(field_name(kind, level, True)))
                carried["identifiers"].update(form.get(field_name(kind, level)) or [])
            chosen[kind][level] = {"all": carried["all"],
                                   "identifiers": [] if carried["all"] else
                                   [code for code in known if code in carried["identifiers"]]}
    return chosen


def form_values(chosen):
    """The hidden form fields that carry ``chosen`` to the next wizard step: [(name, value), …]."""
    fields = []
    for kind, levels in chosen.items():
        for level, value in levels.items():
            if value["all"]:
                fields.append((field_name(kind, level, True), "1"))
            fields.extend((field_name(kind, level), code) for code in value["identifiers"])
    return fields


def save(group, chosen):
    """Replace the group's permissions with ``chosen`` (call inside a write transaction)."""
    for kind, levels in chosen.items():
        GroupPermission.delete().where(GroupPermission.group == group, GroupPermission.kind == kind).execute()
        GroupPermission.create(group=group, kind=kind, levels=levels)


def load(group):
    """The group's stored permissions in the same shape (missing kinds are empty)."""
    stored = empty()
    for row in GroupPermission.select().where(GroupPermission.group == group):
        if row.kind in stored:
            stored[row.kind].update(row.levels or {})
    return stored
