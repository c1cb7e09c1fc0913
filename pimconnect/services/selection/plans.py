"""The SQL plans of a selection: its condition on Product, a page of products, and a count.

Every entry point takes the reader's ``access`` first and ANDs in ``access.product_condition()``
(the products the reader may see; None when unrestricted).

- **Page**: products in uuid (REST, catalogs) or identifier (grid) order. In uuid order SQLite
  reads the catalog in that order — through the (uuid, family, enabled) index — probing each
  product's own rows per criterion, and stops at the page's last match: its cost depends on how
  rare matches are, not on the catalog's size. A product column few products match (a rare
  family, a recent ``updated``) is read through its index instead (``Plan.on_column``).
- **Count**: a selection of one criterion that an index counts exactly (a family, a status, a
  completeness at one channel and locale, an attribute value, a category) is counted there (a few
  ms at 100k products). Otherwise, when one criterion holds at most ``cap`` products (each
  criterion's rows counted up to ``cap`` + 1 through its index), the count reads those products
  and probes the others: exact. Otherwise it is counted by the page's plan, stopping at ``cap`` + 1
  matches: exact below the cap, "more than ``cap``" above it, which costs about ``cap`` / 100
  pages. Without a cap (the REST ``with_count``) the count is always exact.
"""
import operator
from functools import reduce

from peewee import SQL, fn

from pimconnect.db import is_sqlite
from pimconnect.models import Product, ProductCategory, ProductCompleteness, ProductValue
from pimconnect.services.selection import catalog_criteria, properties, validation, values
from pimconnect.services.selection.model import CATALOG_CRITERIA, REST, Count, InvalidSelection
from pimconnect.services.selection.sql import probed
from pimconnect.services.selection.structure import ReaderStructure, SelectionStructure

FEW = 1000  # matches a page may find through a column's index and sort (see Plan.on_column)
COUNT_CAP = 10_000
DISTINCT_ROWS = 30_000  # rows of several categories whose distinct products a count sorts (~15 ms)
UUID_ORDER, IDENTIFIER_ORDER = "uuid", "identifier"
# Conditions cheapest first: SQLite tests a product's conditions in the order written, and a
# product failing a cheap one is never probed for a dearer one.
COST = {"enabled": 0, "family": 0, "uuid": 0, "groups": 0, "parent": 0, "quality_score": 0, "created": 1,
        "updated": 1, "categories": 2, "completeness": 3}


class Plan:
    """How conditions are written: the semantics, the page order, and the FEW threshold."""

    def __init__(self, semantics=REST, order=UUID_ORDER, few=FEW):
        self.semantics = semantics
        self.order = order
        self.few = few

    def on_column(self, column, build):
        """``build(column)``: a condition on an indexed column of Product, written for the plan that
        bounds a page's cost.

        PostgreSQL weighs the plans with its statistics, and a page in identifier order reads the
        (family, enabled, identifier) indexes. SQLite has no statistics on values: left free, it
        reads the column's index range and sorts it, even when the range holds most of the catalog.
        So in uuid order, unless a bounded count (at most ``few`` + 1 rows of the index) shows that
        few products match, it is made (``probed``) to read the catalog in uuid order, the page
        stopping at its last match.
        """
        if self.order != UUID_ORDER or not is_sqlite():
            return build(column)
        if Product.select(SQL("1")).where(build(column)).limit(self.few + 1).count() <= self.few:
            return build(column)
        return build(probed(column))


def check(selection, structure=None):
    """(problems, resolved criteria) of a selection, validated as its dialect says."""
    walk = catalog_criteria.check if selection.dialect == CATALOG_CRITERIA else validation.check
    return walk(selection, structure or SelectionStructure())


def resolve(selection, structure=None):
    """The selection's resolved criteria; raises InvalidSelection with every problem found."""
    problems, resolved = check(selection, structure)
    if problems:
        raise InvalidSelection(problems)
    return resolved


def _cost(resolved):
    return COST.get(resolved.field.code, 4)  # attribute values last: their probes read the most


def _and(conditions):
    conditions = [c for c in conditions if c is not None]
    return reduce(operator.and_, conditions) if conditions else None


def _where(access, resolved, plan):
    conditions = [r.field.build(r, plan) for r in sorted(resolved, key=_cost)]
    return _and(conditions + [access.product_condition()])


def _seen_by(access, structure):
    """The structure the selection is checked against: as ``access``'s reader sees it (EE §9.2: the
    attributes, categories and locales it may not see do not exist for it)."""
    if structure is None and getattr(access, "restricted", False):  # (stand-ins may have product_condition only)
        return ReaderStructure(access)
    return structure


def condition(access, selection, structure=None, order=UUID_ORDER, few=FEW):
    """The condition on Product of ``selection`` for ``access``'s reader (None: every product)."""
    return _where(access, resolve(selection, _seen_by(access, structure)), Plan(selection.semantics, order, few))


def page(access, selection, after=None, limit=100, order=UUID_ORDER, query=None, structure=None):
    """One page of the selection: ``limit`` products after ``after`` (a uuid, or an identifier in
    identifier order), from ``query`` (default: every column of Product)."""
    where = condition(access, selection, structure, order)
    query = query if query is not None else Product.select()
    column = Product.uuid if order == UUID_ORDER else Product.identifier
    if where is not None:
        query = query.where(where)
    if after is not None:
        query = query.where(column > after)
    return list(query.order_by(column).limit(limit))


def count(access, selection, cap=COUNT_CAP, structure=None):
    """How many products the selection holds for ``access``'s reader: a Count, exact, or "more
    than ``cap``" when counting further would cost more (``cap=None``: always exact)."""
    resolved = resolve(selection, _seen_by(access, structure))
    semantics = selection.semantics

    def total():
        return Product.select().count()

    if len(resolved) <= 1:
        exact = _index_count(access, resolved, semantics, total)
        if exact is not None:
            return Count(exact)
    rarest = _rarest(resolved, semantics, cap or COUNT_CAP)
    if rarest is not None:  # at most ``cap`` products to look at: count them exactly
        others = [r for r in resolved if r is not rarest]
        query = Product.select(SQL("1")).where(Product.uuid.in_(_driver(rarest, semantics)))
        where = _where(access, others, Plan(semantics))
        return Count((query.where(where) if where is not None else query).count())
    query = Product.select(SQL("1"))
    where = _where(access, resolved, Plan(semantics))
    if where is not None:
        query = query.where(where)
    if cap is None:
        return Count(query.count())
    found = query.limit(cap + 1).count()  # counts the bounded subquery
    return Count(found) if found <= cap else Count(cap, exact=False)


def _index_count(access, criteria, semantics, total):
    """The exact count of a selection of at most one criterion through the index that holds its
    answer, or None when no index does — or when ``access`` restricts its reader: the index knows
    nothing of what the reader may see."""
    if access.product_condition() is not None:
        return None
    if not criteria:
        return total()
    resolved = criteria[0]
    code, operator_code, value = resolved.field.code, resolved.operator, resolved.value
    plain = Plan(semantics, IDENTIFIER_ORDER)  # conditions free to use the column's index
    if code in ("family", "enabled"):
        return Product.select().where(resolved.field.build(resolved, plain)).count()
    if code == "completeness":
        rows = _completeness_rows(resolved, fn.COUNT(SQL("*")))
        return rows.scalar() if rows is not None else None
    if code == "categories" and operator_code in ("IN", "IN CHILDREN", "NOT IN", "NOT IN CHILDREN"):
        inside = _classified_count(resolved)
        if inside is None or not operator_code.startswith("NOT"):
            return inside
        return total() - inside
    if resolved.attribute is not None:
        return values.row_count(resolved, semantics, total)
    return None


def _classified_count(resolved):
    """How many products are classified in the categories named (or their subtrees), through the
    (category, product) index: its rows for one category, its distinct products for several when
    at most DISTINCT_ROWS rows hold them (None beyond: a bounded walk costs less)."""
    ids = properties.category_ids(resolved)
    rows = ProductCategory.select(ProductCategory.product).where(ProductCategory.category.in_(ids))
    if isinstance(ids, list) and len(ids) == 1:
        return rows.count()
    if rows.limit(DISTINCT_ROWS + 1).count() > DISTINCT_ROWS:
        return None
    return rows.group_by(ProductCategory.product).count()


def _completeness_rows(resolved, column):
    """The completeness rows of a comparison at one channel and locale (None for others): one row
    per product, read through the (channel, locale, ratio) index."""
    value = resolved.value
    test = properties.ON_ALL_LOCALES.get(resolved.operator, resolved.operator)
    if len(value["locale_ids"]) != 1 or test == "!=":
        return None
    return ProductCompleteness.select(column).where(
        ProductCompleteness.channel == value["channel"].id, ProductCompleteness.locale == value["locale_ids"][0],
        values.COMPARISONS[test](ProductCompleteness.ratio, value["value"]))


def _driver(resolved, semantics, ids=True):
    """The products (uuids; with ``ids`` False, a 1 per product, which the index alone answers) one
    criterion holds, read through an index, or None: what a count may be driven by when few
    products match it."""
    if resolved.field.code == "categories" and resolved.operator in ("IN", "IN CHILDREN"):
        return ProductCategory.select(ProductCategory.product).where(
            ProductCategory.category.in_(properties.category_ids(resolved)))
    if resolved.field.code == "completeness":
        return _completeness_rows(resolved, ProductCompleteness.product if ids else SQL("1"))
    if resolved.attribute is not None:
        return values.driver(resolved, semantics, ProductValue.product if ids else SQL("1"))
    return None


def _rarest(resolved, semantics, cap):
    """The criterion fewest products match, when at most ``cap`` do (counted up to ``cap`` + 1
    through its index), else None."""
    best, fewest = None, cap + 1
    for criterion in resolved:
        rows = _driver(criterion, semantics, ids=False)
        if rows is None:
            continue
        found = rows.limit(fewest).count()
        if found < fewest:
            best, fewest = criterion, found
    return best
