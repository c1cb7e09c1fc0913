"""Who reads products, and what they may see: one ``Access`` per request, handed to every product reader.

A reader is a person (the web UI's logged-in user), an API connection or a connected app (the user
behind a bearer token). Its Access carries its role's permission codes and, when EE grants apply,
its user groups' levels on category trees, locales and attribute groups (rest-api-and-permissions.md
§9.1, decision D8). The rules are those of ``product_permissions``:

- a user acts with the union of its groups, the most permissive level winning;
- members of the default group "All" keep every right (a fresh EE install gives "All" everything;
  the restricted readers are connected apps' users, never in "All", §7.4); in CE nothing is restricted;
- category rights are granted per tree; a product's right is the best right over its categories'
  trees; an uncategorized product is owned by everybody.

Cost: building an Access runs no query. The grants are read on first need, in one query (the
reader's groups with their permission rows); the structure they refer to is looked up only for the
codes a request names (a page's categories, a body's attributes), each code once, never whole tables.
"""
import json
from dataclasses import dataclass, field
from functools import cached_property

from peewee import JOIN, fn

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
PERSON, CONNECTION, APP = "person", "connection", "app"
READER_KINDS = {"user": PERSON, "api": CONNECTION, "app": APP}  # User.type -> who reads
WORKFLOW_STATUS = {"own": "working_copy", "edit": "working_copy", "view": "read_only"}


def best(*levels):
    return max(levels, key=lambda level: RANK[level])


@dataclass
class Axis:
    """Levels on one kind of entity: per code, and for every code (``all``)."""

    all: str | None = None
    codes: dict = field(default_factory=dict)

    def grant(self, level, everything, identifiers):
        if everything:
            self.all = best(self.all, level)
        for code in identifiers:
            self.codes[code] = best(self.codes.get(code), level)

    def level(self, code):
        return best(self.all, self.codes.get(code))

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
        return best(*(self.trees.level(code) for code in tree_codes))


AXES = {"category": "trees", "locale": "locales", "attribute_group": "attribute_groups"}


def load_grants(user_id):
    """The Grants of the user's groups, or None when one of them is "All" — in one query."""
    from pimconnect.db import db
    from pimconnect.services.products.bulk import compiled

    def build():
        return (UserGroup.select(UserGroup.name, GroupPermission.kind, GroupPermission.levels)
                .join(UserGroupMember).switch(UserGroup)
                .join(GroupPermission, JOIN.LEFT_OUTER, on=(GroupPermission.group == UserGroup.id))
                .where(UserGroupMember.user == 0))

    # Every API request asks: rendered once (issue 16, a small page's fixed cost).
    rows = db.execute_sql(compiled("load_grants", build), [user_id]).fetchall()
    grants = Grants()
    for group, kind, levels in rows:
        levels = json.loads(levels) if isinstance(levels, str) else levels
        if group == ALL_GROUP:
            return None
        axis = getattr(grants, AXES.get(kind, ""), None)
        for level, spec in (levels or {}).items() if axis is not None else ():
            if level in RANK and isinstance(spec, dict):
                axis.grant(level, bool(spec.get("all")), spec.get("identifiers") or [])
    return grants


class Lookup:
    """``{code: owner code}`` for the codes a request names (a category's tree, an attribute's group),
    each code looked up once; a code that does not exist maps to None."""

    def __init__(self, query):
        self._query = query  # codes -> (code, owner) rows
        self.known = {}

    def get(self, codes):
        """{code: owner} for those of ``codes`` that exist (one query for the ones not known yet)."""
        codes = [code for code in codes if isinstance(code, str)]
        missing = list({code for code in codes if code not in self.known and "\x00" not in code})
        if missing:
            found = dict(self._query(missing))
            self.known.update((code, found.get(code)) for code in missing)
        return {code: self.known[code] for code in codes if self.known.get(code) is not None}

    def learn(self, pairs):
        """Remember owners a reader's own query already brought (no lookup needed for them)."""
        self.known.update(pairs)


def category_tree(name="tree"):
    """(alias, join condition) bringing a Category's tree: its root, or itself when it is a root."""
    tree = Category.alias(name)
    return tree, fn.COALESCE(Category.root, Category.id) == tree.id


def _trees_of(category_codes):
    tree, of_category = category_tree()
    return Category.select(Category.code, tree.code).join(tree, on=of_category).where(
        Category.code.in_(category_codes)).tuples()


def _groups_of(attribute_codes):
    return (Attribute.select(Attribute.code, AttributeGroup.code).join(AttributeGroup)
            .where(Attribute.code.in_(attribute_codes)).tuples())


class Access:
    """A product reader for one request: who it is, its role's permissions, its grants (None: unrestricted).

    Build one per request with ``Access.of`` (the web from ``current_user``, the REST API from the
    bearer token's user) and pass it to every service that reads products; services never look it up.
    """

    def __init__(self, user_id, kind, permissions, enforce_grants):
        self.user_id, self.kind = user_id, kind
        self.permissions = frozenset(permissions)
        self._enforce_grants = enforce_grants and user_id is not None
        self.tree_of = Lookup(_trees_of)  # category code -> its tree's code
        self.group_of = Lookup(_groups_of)  # attribute code -> its group's code
        self._answers = {}  # (kind, code) -> whether the reader may see it (filter_document)

    @classmethod
    def of(cls, user, permissions, enforce_grants):
        """The Access of ``user`` holding ``permissions``; its EE grants apply when ``enforce_grants``."""
        return cls(user.id, READER_KINDS.get(user.type, PERSON), permissions, enforce_grants)

    @classmethod
    def unrestricted(cls, permissions=()):
        """A reader who sees every product: maintenance, the command line, tests — never a request's reader."""
        return cls(None, PERSON, permissions, enforce_grants=False)

    def __repr__(self):
        return f"<Access {self.kind} {self.user_id}>"

    def can(self, code):
        """Whether the reader's role holds the permission (or ACL) ``code``."""
        return code in self.permissions

    @cached_property
    def grants(self):
        """The reader's Grants, or None when nothing is restricted (CE, the web UI today, a member of "All")."""
        return load_grants(self.user_id) if self._enforce_grants else None

    @property
    def restricted(self):
        return self.grants is not None

    # -- which products --
    def product_condition(self):
        """SQL over Product: the products this reader may see (uncategorized, or in a viewable tree);
        None when it may see them all — then nothing is added to the query."""
        grants = self.grants
        if grants is None or grants.trees.all is not None:
            return None
        categorized = ProductCategory.select(ProductCategory.id).where(ProductCategory.product == Product.uuid)
        viewable = [code for code, level in grants.trees.codes.items() if level]
        if not viewable:
            return ~fn.EXISTS(categorized)
        tree, of_category = category_tree("tree_root")
        in_viewable_tree = Category.select(Category.id).join(tree, on=of_category).where(tree.code.in_(viewable))
        return ~fn.EXISTS(categorized) | fn.EXISTS(categorized.where(ProductCategory.category.in_(in_viewable_tree)))

    def restrict(self, query):
        """``query`` (over Product) narrowed to the products this reader may see."""
        condition = self.product_condition()
        return query if condition is None else query.where(condition)

    def product_level(self, category_codes):
        """own / edit / view / None: the reader's right on a product classified in ``category_codes``."""
        if self.grants is None:
            return "own"
        trees = self.tree_of.get(category_codes)
        return self.grants.product_level({trees.get(code, code) for code in category_codes})

    def can_view_product(self, category_codes):
        return self.product_level(category_codes) is not None

    def can_edit_product(self, category_codes):
        return RANK[self.product_level(category_codes)] >= RANK["edit"]

    # -- what of a product --
    def can_view_category(self, code):
        if self.grants is None:
            return True
        return self.grants.trees.can_view(self.tree_of.get([code]).get(code, code))

    def can_view_locale(self, code):
        return self.grants is None or self.grants.locales.can_view(code)

    def can_edit_locale(self, code):
        return self.grants is None or self.grants.locales.can_edit(code)

    def can_view_attribute_group(self, code):
        return self.grants is None or self.grants.attribute_groups.can_view(code)

    def can_edit_attribute_group(self, code):
        return self.grants is None or self.grants.attribute_groups.can_edit(code)

    def visible_locales(self, codes):
        return [code for code in codes if self.can_view_locale(code)]

    def hidden_attributes(self, codes):
        """Those of the attribute ``codes`` whose group the reader cannot see (an unknown one has no group)."""
        if self.grants is None:
            return []
        groups = self.group_of.get(codes)
        return [code for code in codes if not self.can_view_attribute_group(groups.get(code))]

    def hidden_locales(self, codes):
        return [code for code in codes if not self.can_view_locale(code)]

    def filter_document(self, item):
        """Remove from a normalized product what the reader cannot see (values of hidden attribute groups
        and locales, hidden categories); set its workflow status (§9.2). Unrestricted: unchanged.

        Each attribute's, locale's and category's answer is remembered: a page of 100 products asks
        about the same few dozen codes thousands of times."""
        if self.grants is None:
            return item
        categories = item.get("categories") or []
        level = self.product_level(categories)
        item["categories"] = [code for code in categories if self._seen("category", code, self.can_view_category)]
        values = {}
        for attribute, entries in (item.get("values") or {}).items():
            if not self._seen("attribute", attribute, self._can_view_attribute):
                continue
            kept = [entry for entry in entries if entry.get("locale") is None
                    or self._seen("locale", entry["locale"], self.can_view_locale)]
            if kept:
                values[attribute] = kept
        item["values"] = values
        if "metadata" in item:
            item["metadata"] = {"workflow_status": WORKFLOW_STATUS.get(level, "read_only")}
        return item

    def _can_view_attribute(self, code):
        return self.can_view_attribute_group(self.group_of.get([code]).get(code))

    def _seen(self, kind, code, decide):
        """``decide(code)``, remembered for this request."""
        key = (kind, code)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = decide(code)
        return answer
