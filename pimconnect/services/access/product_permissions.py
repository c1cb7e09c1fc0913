"""EE permissions on product data (rest-api-and-permissions.md §9, decision D8).

Permissions belong to user groups (GroupPermission rows, see ``services.group_permissions``); a
user acts with the union of its groups, the most permissive level winning. Members of the
default group "All" keep every right, as a fresh EE install gives that group everything: in
practice the restricted users are connected apps' API users, which are never in "All" (§7.4).
In CE nothing is restricted.

Category rights are granted per tree (the wizard's choices are trees) and a product's right is
the best right over its categories' trees; an uncategorized product is owned by everybody.
"""
from dataclasses import dataclass, field

from flask import current_app
from peewee import fn

from pimconnect.models import (
    Attribute,
    AttributeGroup,
    Category,
    GroupPermission,
    Product,
    ProductCategory,
    UserGroup,
    UserGroupMember,
)
from pimconnect.services.access.users import ALL_GROUP

RANK = {None: 0, "view": 1, "edit": 2, "own": 3}


def _best(*levels):
    return max(levels, key=lambda level: RANK[level])


@dataclass
class Axis:
    """Levels on one kind of entity: per code, and for every code (``all``)."""

    all: str | None = None
    codes: dict = field(default_factory=dict)

    def grant(self, level, everything, identifiers):
        if everything:
            self.all = _best(self.all, level)
        for code in identifiers:
            self.codes[code] = _best(self.codes.get(code), level)

    def level(self, code):
        return _best(self.all, self.codes.get(code))

    def can_view(self, code):
        return RANK[self.level(code)] >= RANK["view"]

    def can_edit(self, code):
        return RANK[self.level(code)] >= RANK["edit"]


@dataclass
class Grants:
    """What a restricted user may see and change."""

    trees: Axis = field(default_factory=Axis)
    locales: Axis = field(default_factory=Axis)
    attribute_groups: Axis = field(default_factory=Axis)

    def product_level(self, tree_codes):
        """The user's right on a product classified in categories of ``tree_codes`` (none: own)."""
        tree_codes = list(tree_codes)
        if not tree_codes:
            return "own"
        return _best(*(self.trees.level(code) for code in tree_codes))


AXES = {"category": "trees", "locale": "locales", "attribute_group": "attribute_groups"}


def grants_for(user):
    """The user's Grants, or None when nothing is restricted (CE, or a member of "All")."""
    if current_app.config["PIM_EDITION"] != "ee" or user is None:
        return None
    groups = list(UserGroup.select(UserGroup.id, UserGroup.name).join(UserGroupMember)
                  .where(UserGroupMember.user == user.id))
    if any(group.name == ALL_GROUP for group in groups):
        return None
    grants = Grants()
    rows = GroupPermission.select().where(GroupPermission.group.in_([group.id for group in groups])) if groups else []
    for row in rows:
        axis = getattr(grants, AXES.get(row.kind, ""), None)
        if axis is None:
            continue
        for level, spec in (row.levels or {}).items():
            if level in RANK and isinstance(spec, dict):
                axis.grant(level, bool(spec.get("all")), spec.get("identifiers") or [])
    return grants


# --- what a restricted user sees and may change (rest-api-and-permissions.md §9.2, §9.3) -----------

WORKFLOW_STATUS = {"own": "working_copy", "edit": "working_copy", "view": "read_only"}
NOT_FOUND = 'Product "{reference}" does not exist or you do not have permission to access it.'
VIEW_ONLY = 'Product "{identifier}" cannot be updated. You only have a view right on this product.'
EDIT_ONLY = ('Product "{identifier}" cannot be updated directly: you have an edit right on it, and the proposals '
             'that edit rights produce are not available in PIM Connect yet.')
FIELDS_NEED_OWN = 'You cannot update the following fields "{fields}". You should at least own this product to do it.'
# The documented 422s: core.documented() adds " Check the expected format on the API documentation."
HIDDEN_ATTRIBUTE = "The {attribute} attribute does not exist in your PIM."
VIEW_ONLY_GROUP = 'Attribute "{attribute}" belongs to the attribute group "{group}" on which you only have view permission.'
HIDDEN_LOCALE = 'Attribute "{attribute}" expects an existing and activated locale, "{locale}" given.'
VIEW_ONLY_LOCALE = 'You only have a view permission on the locale "{locale}".'
HIDDEN_CATEGORY = 'Property "categories" expects a valid category code. The category does not exist, "{category}" given.'
KEEP_AN_OWNED_CATEGORY = "You should at least keep your product in one category on which you have an own permission."
DELETE_NEEDS_OWN = ("You can delete a product only if it is classified in at least one category on which you have "
                    "an own permission.")


class Refusal(Exception):
    """A write the user's EE permissions refuse: ``status`` and the reference's ``message``;
    ``documented`` marks the 422s the reference answers with a documentation link."""

    def __init__(self, status, message, documented=False):
        super().__init__(message)
        self.status, self.message, self.documented = status, message, documented


class Scope:
    """The restricted user's view of the catalog for one request: Grants plus the structure they need."""

    def __init__(self, grants):
        self.grants = grants
        self.group_of = dict(Attribute.select(Attribute.code, AttributeGroup.code).join(AttributeGroup).tuples())
        roots = dict(Category.select(Category.id, Category.code).where(Category.parent.is_null()).tuples())
        self.root_of = {code: roots.get(root_id, code) for code, root_id in
                        Category.select(Category.code, Category.root).tuples()}

    # -- reads --
    def visible_condition(self):
        """SQL: the products this user may see (uncategorized, or in a viewable tree); None: all."""
        trees = self.grants.trees
        if trees.all is not None:
            return None
        viewable = [code for code, level in trees.codes.items() if level]
        in_viewable_tree = (Category.select(Category.id)
                            .join(Category.alias("tree_root"), on=(fn.COALESCE(Category.root, Category.id) ==
                                                                   Category.alias("tree_root").id))
                            .where(Category.alias("tree_root").code.in_(viewable or [""])))
        categorized = ProductCategory.select(ProductCategory.id).where(ProductCategory.product == Product.uuid)
        return ~fn.EXISTS(categorized) | fn.EXISTS(
            categorized.where(ProductCategory.category.in_(in_viewable_tree)))

    def level(self, category_codes):
        return self.grants.product_level({self.root_of.get(code, code) for code in category_codes})

    def category_visible(self, code):
        return self.grants.trees.can_view(self.root_of.get(code, code))

    def filter(self, item):
        """Remove from a normalized product what the user cannot see; set its workflow status."""
        all_categories = item.get("categories") or []
        level = self.level(all_categories)
        item["categories"] = [code for code in all_categories if self.category_visible(code)]
        values = {}
        for attribute, entries in (item.get("values") or {}).items():
            if not self.grants.attribute_groups.can_view(self.group_of.get(attribute)):
                continue
            kept = [entry for entry in entries
                    if entry.get("locale") is None or self.grants.locales.can_view(entry["locale"])]
            if kept:
                values[attribute] = kept
        item["values"] = values
        if "metadata" in item:
            item["metadata"] = {"workflow_status": WORKFLOW_STATUS.get(level, "read_only")}
        return item

    def hidden_codes(self, attributes=(), locales=()):
        """(attribute codes, locale codes) among those given that this user cannot see."""
        return ([code for code in attributes if not self.grants.attribute_groups.can_view(self.group_of.get(code))],
                [code for code in locales if not self.grants.locales.can_view(code)])

    # -- writes --
    def check_update(self, identifier, stored_categories, data):
        """Refuse (Refusal) a PATCH the user's level does not allow; return the categories to store
        when ``data`` sets them (the submitted ones plus the hidden ones it keeps, §9.3)."""
        level = self.level(stored_categories)
        if level is None:
            raise Refusal(404, NOT_FOUND.format(reference=identifier))
        self._check_values(data)
        categories = self._merged_categories(stored_categories, data)
        if level == "view":
            raise Refusal(403, VIEW_ONLY.format(identifier=identifier))
        if level == "edit":
            fields = sorted(key for key in data if key not in {"values", "identifier", "uuid"})
            if fields:
                raise Refusal(403, FIELDS_NEED_OWN.format(fields=", ".join(fields)))
            raise Refusal(403, EDIT_ONLY.format(identifier=identifier))
        if categories is not None and stored_categories and self.level(categories) != "own":
            raise Refusal(403, KEEP_AN_OWNED_CATEGORY)
        return categories

    def check_create(self, data):
        """A new product: its values and categories must be visible to the user (view is enough)."""
        self._check_values(data)
        return self._merged_categories([], data)

    def check_delete(self, identifier, stored_categories):
        level = self.level(stored_categories)
        if level is None:
            raise Refusal(404, NOT_FOUND.format(reference=identifier))
        if level != "own":
            raise Refusal(403, DELETE_NEEDS_OWN)

    def _merged_categories(self, stored, data):
        if not isinstance(data.get("categories"), list):
            return None
        for code in data["categories"]:
            if isinstance(code, str) and code in self.root_of and not self.category_visible(code):
                raise Refusal(422, HIDDEN_CATEGORY.format(category=code), documented=True)
        hidden = [code for code in stored if not self.category_visible(code)]
        return list(data["categories"]) + [code for code in hidden if code not in data["categories"]]

    def _check_values(self, data):
        values = data.get("values")
        if not isinstance(values, dict):
            return
        for attribute, entries in values.items():
            group = self.group_of.get(attribute)
            if group is None:
                continue  # unknown attributes are refused by the ordinary validation
            if not self.grants.attribute_groups.can_view(group):
                raise Refusal(422, HIDDEN_ATTRIBUTE.format(attribute=attribute), documented=True)
            if not self.grants.attribute_groups.can_edit(group):
                raise Refusal(403, VIEW_ONLY_GROUP.format(attribute=attribute, group=group))
            for entry in entries if isinstance(entries, list) else ():
                locale = entry.get("locale") if isinstance(entry, dict) else None
                if not isinstance(locale, str):
                    continue
                if not self.grants.locales.can_view(locale):
                    raise Refusal(422, HIDDEN_LOCALE.format(attribute=attribute, locale=locale), documented=True)
                if not self.grants.locales.can_edit(locale):
                    raise Refusal(403, VIEW_ONLY_LOCALE.format(locale=locale))


def scope_for(user):
    """The request's Scope for ``user``, or None when nothing is restricted."""
    grants = grants_for(user)
    return Scope(grants) if grants is not None else None
