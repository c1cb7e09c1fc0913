"""Who reads products, and what they may see: one ``Access`` per request, handed to every product reader.

A reader is a person (the web UI's logged-in user), an API connection or a connected app (the user
behind a bearer token). Its Access carries its role's permission codes and, when EE grants apply
(``PIM_EDITION=ee``), its user groups' rights on categories, locales and attribute groups
(rest-api-and-permissions.md §9.1, decision D8; tables in models.permissions). The rules:

- a user acts with the union of its groups, the most permissive level winning;
- "All" is a group like any other: it holds every right on a fresh install (editable), nobody bypasses;
- a product's right is the best right over its categories; an uncategorized product is owned by everybody;
- in CE nothing is restricted.

Cost: building an Access runs no query. The grants are read on first need, in one query: the reader's
groups, its levels on every locale and attribute group, and whether some category escapes it. A reader
who holds everything (Own on every category, Edit on every locale and attribute group) is then
unrestricted (``grants`` is None): no condition, no filtering, nothing more. Otherwise category
visibility is a join in SQL (``product_condition``), and a category's level is looked up only for the
codes a request names (a page's categories, a body's), each code once.
"""
from dataclasses import dataclass, field
from functools import cached_property

from peewee import JOIN, SQL, fn

from pimconnect.db import db, is_sqlite
from pimconnect.models import (
    Attribute,
    AttributeGroup,
    Category,
    CategoryPermission,
    Product,
    ProductCategory,
)

RANK = {None: 0, "view": 1, "edit": 2, "own": 3}
LEVEL_OF_RANK = {rank: level for level, rank in RANK.items()}
PERSON, CONNECTION, APP = "person", "connection", "app"
READER_KINDS = {"user": PERSON, "api": CONNECTION, "app": APP}  # User.type -> who reads
WORKFLOW_STATUS = {"own": "working_copy", "edit": "working_copy", "view": "read_only"}


def best(*levels):
    return max(levels, key=lambda level: RANK[level])


@dataclass
class Axis:
    """Levels on one kind of entity, per code (no entry: no right)."""

    codes: dict = field(default_factory=dict)

    def level(self, code):
        return self.codes.get(code)

    def can_view(self, code):
        return RANK[self.level(code)] >= RANK["view"]

    def can_edit(self, code):
        return RANK[self.level(code)] >= RANK["edit"]


@dataclass
class Grants:
    """What a restricted user may see and change: its groups, its levels on locales and attribute
    groups, and whether it views every category (then no product is hidden by its categories)."""

    groups: list = field(default_factory=list)
    locales: Axis = field(default_factory=Axis)
    attribute_groups: Axis = field(default_factory=Axis)
    every_category_viewable: bool = False


GRANTS_SQL = """
SELECT 'g', NULL, m.group_id FROM "user_group_member" m WHERE m.user_id = {p}
UNION ALL SELECT 'l', l.code, MAX(lp.level) FROM "locale_permission" lp JOIN "locale" l ON l.id = lp.locale_id
  WHERE lp.group_id IN (SELECT group_id FROM "user_group_member" WHERE user_id = {p}) GROUP BY l.code
UNION ALL SELECT 'a', ag.code, MAX(ap.level) FROM "attribute_group_permission" ap
  JOIN "attribute_group" ag ON ag.id = ap.attribute_group_id
  WHERE ap.group_id IN (SELECT group_id FROM "user_group_member" WHERE user_id = {p}) GROUP BY ag.code
UNION ALL SELECT 'L', NULL, COUNT(*) FROM "locale"
UNION ALL SELECT 'A', NULL, COUNT(*) FROM "attribute_group"
UNION ALL SELECT 'v', NULL, COUNT(*) FROM "category" c WHERE NOT EXISTS (SELECT 1 FROM "category_permission" cp
  WHERE cp.category_id = c.id AND cp.group_id IN (SELECT group_id FROM "user_group_member" WHERE user_id = {p}))
UNION ALL SELECT 'o', NULL, COUNT(*) FROM "category" c WHERE NOT EXISTS (SELECT 1 FROM "category_permission" cp
  WHERE cp.category_id = c.id AND cp.level >= 3
  AND cp.group_id IN (SELECT group_id FROM "user_group_member" WHERE user_id = {p}))
"""


_GRANTS_SQL = {}  # the driver's parameter mark -> GRANTS_SQL with it (every request asks: built once)

# How many products a restricted reader sees: every product less those classified only in categories
# none of its groups views — one pass over the (product, category) index, each row tested against the
# viewable categories (a set built once), instead of one probe of the grants per product.
VISIBLE_COUNT_SQL = """
SELECT (SELECT COUNT(*) FROM "product") - (SELECT COUNT(*) FROM (SELECT 1 FROM "product_category" pc
  GROUP BY pc.product_id HAVING {none_viewed}) hidden)
"""
VIEWED = """pc.category_id IN (SELECT cp.category_id FROM "category_permission" cp WHERE cp.level > 0
  AND cp.group_id IN (SELECT group_id FROM "user_group_member" WHERE user_id = {p}))"""
_VISIBLE_COUNT_SQL = {}  # (the driver's parameter mark, SQLite?) -> VISIBLE_COUNT_SQL for it


def load_grants(user_id):
    """The Grants of the user's groups, or None when they hold everything — in one query."""
    sql = _GRANTS_SQL.get(db.param) or _GRANTS_SQL.setdefault(db.param, GRANTS_SQL.format(p=db.param))
    rows = db.execute_sql(sql, (user_id,) * 5).fetchall()
    grants, totals = Grants(), {}
    for kind, code, value in rows:
        if kind == "g":
            grants.groups.append(value)
        elif kind == "l":
            grants.locales.codes[code] = LEVEL_OF_RANK.get(min(int(value), 2))
        elif kind == "a":
            grants.attribute_groups.codes[code] = LEVEL_OF_RANK.get(min(int(value), 2))
        else:
            totals[kind] = int(value)
    grants.every_category_viewable = totals.get("v", 0) == 0
    everything = (totals.get("o", 0) == 0
                  and sum(level == "edit" for level in grants.locales.codes.values()) == totals.get("L", 0)
                  and sum(level == "edit" for level in grants.attribute_groups.codes.values()) == totals.get("A", 0))
    return None if everything else grants


class Lookup:
    """``{code: value}`` for the codes a request names (a category's level, an attribute's group),
    each code looked up once; a code that does not exist maps to None."""

    def __init__(self, query):
        self._query = query  # codes -> (code, value) rows
        self.known = {}

    def get(self, codes):
        """{code: value} for those of ``codes`` that exist (one query for the ones not known yet)."""
        codes = [code for code in codes if isinstance(code, str)]
        missing = list({code for code in codes if code not in self.known and "\x00" not in code})
        if missing:
            found = dict(self._query(missing))
            self.known.update((code, found.get(code)) for code in missing)
        return {code: self.known[code] for code in codes if self.known.get(code) is not None}

    def learn(self, pairs):
        """Remember values a reader's own query already brought (no lookup needed for them)."""
        self.known.update(pairs)


def category_tree(name="tree"):
    """(alias, join condition) bringing a Category's tree: its root, or itself when it is a root."""
    tree = Category.alias(name)
    return tree, fn.COALESCE(Category.root, Category.id) == tree.id


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
        self.category_level = Lookup(self._category_levels)  # category code -> the reader's rank on it (0: none)
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
        """The reader's Grants, or None when nothing is restricted (CE, a reader holding every right)."""
        return load_grants(self.user_id) if self._enforce_grants else None

    @property
    def restricted(self):
        return self.grants is not None

    def _category_levels(self, codes):
        """(code, rank) of the existing ``codes``: the reader's best level on each over its groups."""
        groups = self.grants.groups if self.grants is not None else []
        granted = (CategoryPermission.category == Category.id) & CategoryPermission.group.in_(groups or [0])
        return (Category.select(Category.code, fn.COALESCE(fn.MAX(CategoryPermission.level), SQL("0")))
                .join(CategoryPermission, JOIN.LEFT_OUTER, on=granted)
                .where(Category.code.in_(codes)).group_by(Category.code).tuples())

    def owns_any_category(self):
        """Whether one of the reader's groups owns some category (one query; True when unrestricted)."""
        if self.grants is None:
            return True
        return bool(self.grants.groups) and CategoryPermission.select().where(
            CategoryPermission.group.in_(self.grants.groups), CategoryPermission.level >= 3).exists()

    # -- which products --
    def product_condition(self):
        """SQL over Product: the products this reader may see (uncategorized, or in a category one of
        its groups may view — a join on the grant rows); None when it may see them all — then nothing
        is added to the query."""
        grants = self.grants
        if grants is None or grants.every_category_viewable:
            return None
        categorized = ProductCategory.select(ProductCategory.id).where(ProductCategory.product == Product.uuid)
        if not grants.groups:
            return ~fn.EXISTS(categorized)
        # One correlated probe per product, through the (product, category) and (category, group, level)
        # indexes: its best level over its categories, NULL when it has none (uncategorized: visible).
        # (Two EXISTS joined by OR made PostgreSQL hash both subqueries — whole tables — on every page.)
        granted = (CategoryPermission.category == ProductCategory.category) & CategoryPermission.group.in_(
            grants.groups)
        best_level = (ProductCategory.select(fn.MAX(fn.COALESCE(CategoryPermission.level, SQL("0"))))
                      .join(CategoryPermission, JOIN.LEFT_OUTER, on=granted)
                      .where(ProductCategory.product == Product.uuid))
        return fn.COALESCE(best_level, SQL("1")) > SQL("0")

    def visible_count(self):
        """How many products this reader may see — the number of products ``product_condition`` keeps —
        or None when it sees them all (count Product then). One statement (VISIBLE_COUNT_SQL)."""
        grants = self.grants
        if grants is None or grants.every_category_viewable:
            return None
        key = (db.param, is_sqlite())
        sql = _VISIBLE_COUNT_SQL.get(key)
        if sql is None:  # SQLite has no BOOL_OR; its MAX over booleans (0 / 1) says the same
            viewed = VIEWED.format(p=db.param)
            none_viewed = f"MAX({viewed}) = 0" if key[1] else f"NOT BOOL_OR({viewed})"
            sql = _VISIBLE_COUNT_SQL.setdefault(key, VISIBLE_COUNT_SQL.format(none_viewed=none_viewed))
        return int(db.execute_sql(sql, (self.user_id,)).fetchone()[0])

    def restrict(self, query):
        """``query`` (over Product) narrowed to the products this reader may see."""
        condition = self.product_condition()
        return query if condition is None else query.where(condition)

    def product_level(self, category_codes):
        """own / edit / view / None: the reader's right on a product classified in ``category_codes``."""
        if self.grants is None:
            return "own"
        category_codes = [code for code in category_codes if isinstance(code, str)]
        if not category_codes:
            return "own"
        ranks = self.category_level.get(category_codes)
        return LEVEL_OF_RANK.get(max((ranks.get(code, 0) for code in category_codes), default=0))

    def can_view_product(self, category_codes):
        return self.product_level(category_codes) is not None

    def can_edit_product(self, category_codes):
        return RANK[self.product_level(category_codes)] >= RANK["edit"]

    # -- what of a product --
    def can_view_category(self, code):
        if self.grants is None:
            return True
        return self.category_level.get([code]).get(code, 0) >= RANK["view"]

    def category_exists(self, code):
        """Whether the category ``code`` exists (for a restricted reader; its level lookup tells)."""
        return code in self.category_level.get([code])

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

    def hidden_categories(self, codes):
        """Those of the existing category ``codes`` the reader cannot view."""
        if self.grants is None:
            return []
        ranks = self.category_level.get(codes)
        return [code for code in codes if code in ranks and ranks[code] < RANK["view"]]

    def filter_document(self, item, visible_products=None, values_seen=False):
        """Remove from a normalized product what the reader cannot see (values of hidden attribute groups
        and locales — unless ``values_seen``: its values were read for this reader already —, hidden
        categories, associations to products outside ``visible_products`` when given); set its workflow
        status (§9.2). Unrestricted: unchanged.

        Each attribute's, locale's and category's answer is remembered: a page of 100 products asks
        about the same few dozen codes thousands of times."""
        if self.grants is None:
            return item
        categories = item.get("categories") or []
        level = self.product_level(categories)
        item["categories"] = [code for code in categories if self._seen("category", code, self.can_view_category)]
        values = {} if not values_seen else item.get("values") or {}
        for attribute, entries in (item.get("values") or {}).items() if not values_seen else ():
            if not self._seen("attribute", attribute, self._can_view_attribute):
                continue
            kept = [entry for entry in entries if entry.get("locale") is None
                    or self._seen("locale", entry["locale"], self.can_view_locale)]
            if kept:
                values[attribute] = kept
        item["values"] = values
        if item.get("completenesses"):
            item["completenesses"] = [entry for entry in item["completenesses"]
                                      if self._seen("locale", entry.get("locale"), self.can_view_locale)]
        if visible_products is not None:
            for key in ("associations", "quantified_associations"):
                for links in (item.get(key) or {}).values():
                    if isinstance(links, dict) and isinstance(links.get("products"), list):
                        links["products"] = [ref for ref in links["products"] if _reference(ref) in visible_products]
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


def _reference(ref):
    """An association entry's product reference: a uuid or identifier string, or a quantified {uuid|identifier}."""
    if isinstance(ref, dict):
        return ref.get("uuid") or ref.get("identifier")
    return ref
