"""EE permissions of user groups (rest-api-and-permissions.md §9.1): category trees Own / Edit / View,
locales and attribute groups Edit / View, stored one row per group and entity (models.permissions).

Two ways in:
- the apps' shape (apps-and-oauth.md §7.4, the wizard and the connected app's Permissions tab):
  ``{level: {"all": bool, "identifiers": [codes]}}`` per kind, categories named by tree; a tree granted
  grants the tree and every category in it, "all" grants every entity (``load`` / ``save``);
- per entity (the settings screens of a category, a locale, an attribute group): ``levels_on`` /
  ``set_levels_on``, and the rows a new entity gets (``category_created``, ``attribute_group_created``,
  ``grant_everything``).

A higher level includes the lower ones (Own → Edit → View), so saving normalises the shape.
When the app cannot write products only the View levels are offered and stored.
"""
from peewee import fn

from pimconnect.db import write_txn
from pimconnect.models import (
    AttributeGroup,
    AttributeGroupPermission,
    Category,
    CategoryPermission,
    Locale,
    LocalePermission,
    UserGroup,
)
from pimconnect.models.permissions import EDIT, OWN, VIEW
from pimconnect.services.access.users import ALL_GROUP

LEVEL_VALUES = {"view": VIEW, "edit": EDIT, "own": OWN}
LEVEL_NAMES = {value: name for name, value in LEVEL_VALUES.items()}
KINDS = {
    "category": {"label": "Categories", "levels": ("own", "edit", "view"),
                 "manage": "pimee_enrich_category_edit_permissions"},
    "locale": {"label": "Locales", "levels": ("edit", "view"), "manage": "pimee_enrich_locale_edit_permissions"},
    "attribute_group": {"label": "Attribute groups", "levels": ("edit", "view"),
                        "manage": "pimee_enrich_attribute_group_edit_permissions"},
}
LEVEL_LABELS = {"own": "Own", "edit": "Edit", "view": "View"}
# kind -> (permission table, its entity column, the entity model)
TABLES = {
    "category": (CategoryPermission, CategoryPermission.category, Category),
    "locale": (LocalePermission, LocalePermission.locale, Locale),
    "attribute_group": (AttributeGroupPermission, AttributeGroupPermission.attribute_group, AttributeGroup),
}
EVERYTHING = {"category": OWN, "locale": EDIT, "attribute_group": EDIT}  # what "All" holds on a fresh install


def options():
    """The codes each kind can be granted on in the apps' shape: category trees, enabled locales, attribute groups."""
    return {
        "category": [c.code for c in Category.select(Category.code).where(Category.parent.is_null())
                     .order_by(Category.code)],
        "locale": [l.code for l in Locale.select(Locale.code).where(Locale.enabled == True)  # noqa: E712
                   .order_by(Locale.code)],
        "attribute_group": [g.code for g in AttributeGroup.select(AttributeGroup.code).order_by(AttributeGroup.code)],
    }


def choices():
    """The options with their labels, as the wizard's Permissions step and the connected app's Permissions tab
    show them: {kind: [(code, label)]} (trees and attribute groups by their en_US label, locales by code)."""
    labels = {"category": {c.code: c.labels for c in Category.select().where(Category.parent.is_null())},
              "attribute_group": {g.code: g.labels for g in AttributeGroup.select()}}
    return {kind: [(code, ((labels.get(kind) or {}).get(code) or {}).get("en_US") or
                    (code if kind == "locale" else f"[{code}]")) for code in codes]
            for kind, codes in options().items()}


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
    """The group's levels per kind in the apps' shape: a tree (locale, group) at the level of its own
    row; "all" when every entity of the kind (every category, every locale enabled or not) holds it."""
    allowed = options()
    result = {}
    for kind, (table, column, model) in TABLES.items():
        held = dict(table.select(model.code, table.level).join(model, on=(column == model.id))
                    .where(table.group == group_id).tuples())
        total = model.select().count()
        levels = empty(kind)
        for level in KINDS[kind]["levels"]:
            codes = [code for code in allowed[kind] if held.get(code, 0) >= LEVEL_VALUES[level]]
            everything = total > 0 and sum(value >= LEVEL_VALUES[level] for value in held.values()) == total
            levels[level] = {"all": everything, "identifiers": [] if everything else codes}
        result[kind] = levels
    return result


def save(group_id, permissions):
    """Replace the group's rows for each kind in ``permissions`` (apps' shape), inside the caller's
    transaction or its own."""
    with write_txn():
        for kind, levels in permissions.items():
            table, column, model = TABLES[kind]
            wanted = {}  # entity id -> level
            for level in KINDS[kind]["levels"]:
                spec = (levels or {}).get(level) or {}
                if spec.get("all"):
                    ids = [row[0] for row in model.select(model.id).tuples()]
                elif kind == "category":
                    ids = _tree_members(spec.get("identifiers") or [])
                else:
                    codes = list(spec.get("identifiers") or [])
                    ids = [row[0] for row in model.select(model.id).where(model.code.in_(codes)).tuples()] if codes else []
                for entity in ids:
                    wanted[entity] = max(wanted.get(entity, 0), LEVEL_VALUES[level])
            table.delete().where(table.group == group_id).execute()
            _insert(table, column, [(group_id, entity, level) for entity, level in wanted.items()])


def _tree_members(codes):
    """Ids of the categories ``codes`` and every category under them."""
    codes = [code for code in codes if isinstance(code, str)]
    if not codes:
        return []
    paths = [row[0] for row in Category.select(Category.path).where(Category.code.in_(codes)).tuples() if row[0]]
    if not paths:
        return []
    condition = None
    for path in paths:
        clause = Category.path.startswith(path)
        condition = clause if condition is None else condition | clause
    return [row[0] for row in Category.select(Category.id).where(condition).tuples()]


def _insert(table, column, rows):
    for start in range(0, len(rows), 500):
        table.insert_many([{"group": group, column.name: entity, "level": level}
                           for group, entity, level in rows[start:start + 500]]).execute()


# -- per entity ---------------------------------------------------------------------------------

def levels_on(kind, entity_id):
    """{group id: level name} of the groups holding a right on one entity."""
    table, column, _model = TABLES[kind]
    return {group: LEVEL_NAMES[level] for group, level in
            table.select(table.group, table.level).where(column == entity_id).tuples()}


def entity_form(kind, entity_id):
    """What an entity's Permissions tab shows: [(level, label, [(group id, group name, checked)])], the
    highest level first; a group holding a level is checked on it and on every lower one."""
    held = levels_on(kind, entity_id)
    groups = list(UserGroup.select(UserGroup.id, UserGroup.name).order_by(UserGroup.type, UserGroup.name).tuples())
    return [(level, LEVEL_LABELS[level],
             [(group, name, LEVEL_VALUES.get(held.get(group), 0) >= LEVEL_VALUES[level]) for group, name in groups])
            for level in KINDS[kind]["levels"]]


def levels_from_form(kind, form):
    """{group id: the highest level ticked} from an entity's Permissions tab (``<level>`` lists of group ids);
    a higher level includes the lower ones, whatever was ticked below it."""
    known = {group for (group,) in UserGroup.select(UserGroup.id).tuples()}
    levels = {}
    for level in reversed(KINDS[kind]["levels"]):  # view, edit, own: the last one ticked wins
        for raw in form.getlist(level):
            if raw.isdigit() and int(raw) in known:
                levels[int(raw)] = level
    return levels


def set_levels_on(kind, entity_id, levels, children=False):
    """Replace the rights on one entity with ``{group id: level name or None}``; for a category with
    ``children``, on every category under it too."""
    table, column, _model = TABLES[kind]
    if kind == "category" and children:
        category = Category.get_by_id(entity_id)
        ids = _tree_members([category.code])
    else:
        ids = [entity_id]
    rows = [(group, entity, LEVEL_VALUES[level]) for group, level in levels.items() if level in LEVEL_VALUES
            for entity in ids]
    with write_txn():
        table.delete().where(column.in_(ids)).execute()
        _insert(table, column, rows)


def everyone():
    """The id of the group "All", or None when there is none (a database without users yet)."""
    row = UserGroup.select(UserGroup.id).where(UserGroup.name == ALL_GROUP).tuples().first()
    return row[0] if row else None


def grant_everything(group_id):
    """What "All" holds on a fresh install: Own on every category, Edit on every locale and attribute group."""
    with write_txn():
        for kind, (table, column, model) in TABLES.items():
            table.delete().where(table.group == group_id).execute()
            _insert(table, column, [(group_id, entity, EVERYTHING[kind])
                                    for (entity,) in model.select(model.id).tuples()])


def category_created(category):
    """A new category inherits its parent's rights; a new tree is granted to "All" (Own), as in Akeneo."""
    if category.parent_id is not None:
        parent_rows = (CategoryPermission.select(CategoryPermission.group, fn.MAX(CategoryPermission.level))
                       .where(CategoryPermission.category == category.parent_id)
                       .group_by(CategoryPermission.group).tuples())
        _insert(CategoryPermission, CategoryPermission.category,
                [(group, category.id, level) for group, level in parent_rows])
        return
    group = everyone()
    if group is not None:
        _insert(CategoryPermission, CategoryPermission.category, [(group, category.id, OWN)])


def attribute_group_created(attribute_group):
    """A new attribute group is granted to "All" (Edit), as in Akeneo."""
    group = everyone()
    if group is not None:
        _insert(AttributeGroupPermission, AttributeGroupPermission.attribute_group,
                [(group, attribute_group.id, EDIT)])


def locale_created(locale):
    """A new locale is granted to "All" (Edit), as in Akeneo."""
    group = everyone()
    if group is not None:
        _insert(LocalePermission, LocalePermission.locale, [(group, locale.id, EDIT)])


# -- per group ----------------------------------------------------------------------------------

def group_overview(group_id):
    """What a user group's Permissions section shows (its level on each entity, None where it holds none):
    ``{"category": [(tree, level, {level: categories below the tree held at it or higher}, categories below)],
    "locale": [(locale, level)] (the enabled locales and those it holds), "attribute_group": [(attribute group, level)]}``, each in code order."""
    held = {kind: dict(table.select(column, table.level).where(table.group == group_id).tuples())
            for kind, (table, column, _model) in TABLES.items()}
    tree_of = fn.COALESCE(Category.root, Category.id)
    below = dict(Category.select(tree_of, fn.COUNT(Category.id)).where(Category.parent.is_null(False))
                 .group_by(tree_of).tuples())
    below_held = {}  # tree id -> {level value: categories below it at exactly that level}
    for tree, level, count in (CategoryPermission.select(tree_of, CategoryPermission.level, fn.COUNT(Category.id))
                               .join(Category, on=(CategoryPermission.category == Category.id))
                               .where((CategoryPermission.group == group_id) & Category.parent.is_null(False))
                               .group_by(tree_of, CategoryPermission.level).tuples()):
        below_held.setdefault(tree, {})[level] = count

    def at_least(tree, level):
        return sum(count for value, count in below_held.get(tree, {}).items() if value >= LEVEL_VALUES[level])

    trees = Category.select().where(Category.parent.is_null()).order_by(Category.code)
    return {
        "category": [(tree, LEVEL_NAMES.get(held["category"].get(tree.id)),
                      {level: at_least(tree.id, level) for level in KINDS["category"]["levels"]},
                      below.get(tree.id, 0)) for tree in trees],
        "locale": [(locale, LEVEL_NAMES.get(held["locale"].get(locale.id)))
                   for locale in Locale.select().order_by(Locale.code)
                   if locale.enabled or locale.id in held["locale"]],
        "attribute_group": [(group, LEVEL_NAMES.get(held["attribute_group"].get(group.id)))
                            for group in AttributeGroup.select().order_by(AttributeGroup.code)],
    }
